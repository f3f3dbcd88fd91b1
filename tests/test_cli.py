from click.testing import CliRunner

import kinechain
from kinechain.cli import main


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert kinechain.__version__ in result.output


def test_demo_prints_chain():
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    for word in ("thigh", "hip_centre_r", "l5s1_disc_centre", "pelvic_incidence"):
        assert word in result.output


def test_demo_bad_subject():
    result = CliRunner().invoke(main, ["demo", "--mass", "-3"])
    assert result.exit_code != 0
    assert "mass must be within" in result.output


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
