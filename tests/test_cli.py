import re
import sys

import pytest
from click.testing import CliRunner

import kinechain
import kinechain as kc
from kinechain import plot
from kinechain.cli import main


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert kinechain.__version__ in result.output


def test_demo_reads_as_a_clinical_summary():
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    for words in (
        "thigh",
        "pelvic incidence",
        "Prescribed (held fixed by the model): right knee valgus 0° or 15°",
        "Solved (found by the model",
        "pelvic obliquity (°)",
        "lumbar torsion (twist) (°)",
        "L5/S1 compression (N)",
        "L5/S1 twisting moment (N·m)",
        "muscles can hold it",
    ):
        assert words in out
    # every sign is explained once, in words from the declaration
    assert out.count("pelvic obliquity: positive = right side up (left drops)") == 1
    assert out.count("lumbar torsion (twist): positive = L1 turns left on the pelvis") == 1
    assert "-0.0" not in out
    assert out.count("Task:") == 2


def test_demo_plot_writes_three_views_with_two_poses(tmp_path, monkeypatch):
    drawn = []
    original = plot.stick_figure

    def spy(*args, **kwargs):
        drawn.append(original(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(plot, "stick_figure", spy)
    path = tmp_path / "demo.png"
    result = CliRunner().invoke(main, ["demo", "--plot", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(b"\x89PNG")
    assert str(path) in result.output
    (fig,) = drawn
    assert [ax.get_title().split()[0] for ax in fig.axes] == ["frontal", "sagittal", "transverse"]
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert labels == ["aligned knee", "15° valgus, weak abductors"]


@pytest.mark.parametrize(("mass", "height"), [(70.0, 1.75), (92.0, 1.86)])
def test_demo_prints_the_libraries_numbers_for_that_subject(mass, height):
    """The printed numbers are the library's for that subject (to the printed precision)."""
    result = CliRunner().invoke(main, ["demo", "--mass", str(mass), "--height", str(height)])
    assert result.exit_code == 0, result.output
    model = kc.Model.default(kc.Subject(mass, height))
    held = dict(knee_valgus_l=0.0, femoral_ir_r=0.0, femoral_ir_l=0.0)
    tasks = (dict(task="double_stance"), dict(task="single_leg_squat_r", knee_flexion=60.0))
    rows = re.findall(r"^L5/S1 compression \(N\)\s+(\S+)\s+(\S+)", result.output, flags=re.M)
    assert len(rows) == len(tasks)
    for task, (aligned, valgus) in zip(tasks, rows, strict=True):
        ds = kc.simulate(model, knee_valgus_r=[0.0, 15.0], **held, **task)
        assert [float(aligned), float(valgus)] == pytest.approx(ds["l5s1_compression"].values, abs=0.06)
    thigh = model.subject.segments["thigh"]
    assert re.search(rf"^thigh\s+{thigh.mass:.3f}\s+{thigh.length:.3f}", result.output, flags=re.M)


def test_demo_bad_subject():
    result = CliRunner().invoke(main, ["demo", "--mass", "-3"])
    assert result.exit_code != 0
    assert "mass must be within" in result.output


def test_demo_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "kinechain.plot", None)  # as if the plot extra were missing
    result = CliRunner().invoke(main, ["demo", "--plot", str(tmp_path / "demo.png")])
    assert result.exit_code != 0
    assert "pip install 'kinechain[plot]'" in result.output
    assert not (tmp_path / "demo.png").exists()


SPEC = """
method = "one_at_a_time"
task = "double_stance"
outputs = ["l5s1_compression", "lumbar_torsion"]

[parameters]
knee_valgus_r = { bounds = [0.0, 10.0], baseline = 0.0 }
"strength.gluteus_maximus" = { bounds = [0.5, 1.0] }
"""


def test_sweep_then_show_then_rerun(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    store = tmp_path / "out.zarr"
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(store), "--chunk-size", "2"])
    assert result.exit_code == 0, result.output
    assert "chunks written: 3 of 3" in result.output and "l5s1_compression" in result.output
    shown = CliRunner().invoke(main, ["show", str(store)])
    assert shown.exit_code == 0 and "5 elements" in shown.output
    # the same command again finds the store complete; another spec is refused
    assert CliRunner().invoke(main, ["sweep", str(spec), "-o", str(store)]).exit_code == 0
    spec.write_text(SPEC.replace("10.0", "12.0"))
    refused = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(store)])
    assert refused.exit_code != 0 and "different spec" in refused.output


def test_sensitivity_prints_the_ranking_and_show_reads_it_back(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "ranking.nc"
    result = CliRunner().invoke(main, ["sensitivity", str(spec), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "ranked by abs_swing" in result.output
    shown = CliRunner().invoke(main, ["show", str(out)])
    assert shown.exit_code == 0
    for word in ("l5s1_compression", "lumbar_torsion", "knee_valgus_r", "strength.gluteus_maximus"):
        assert word in shown.output


def test_bad_spec_and_both_cluster_options_are_refused(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("knee_valgus_r", "knee_valgus"))
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "x.zarr")])
    assert result.exit_code != 0 and "unknown parameter 'knee_valgus'" in result.output
    both = ["sweep", str(spec), "-o", str(tmp_path / "y.zarr"), "--workers", "2", "--scheduler", "tcp://x:1"]
    result = CliRunner().invoke(main, both)
    assert result.exit_code != 0 and "not both" in result.output
