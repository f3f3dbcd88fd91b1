import numpy as np
import pytest
from click.testing import CliRunner

import kinechain
import kinechain as kc
from kinechain.cli import main


def _demo(*args: str) -> dict[str, list[str]]:
    result = CliRunner().invoke(main, ["demo", *args])
    assert result.exit_code == 0, result.output
    rows: dict[str, list[str]] = {}
    for line in result.output.splitlines():
        cells = line.split()
        if cells:
            rows.setdefault(cells[0], []).append(cells[1:])
    return rows


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert kinechain.__version__ in result.output


@pytest.mark.parametrize(("mass", "height"), [(70.0, 1.75), (92.0, 1.86)])
def test_demo_prints_the_subjects_model_and_its_results(mass, height):
    """The printed numbers are the library's for that subject (to the printed precision)."""
    rows = _demo("--mass", str(mass), "--height", str(height))
    model = kc.Model.default(kc.Subject(mass, height))
    thigh = model.subject.segments["thigh"]
    expected = [thigh.mass, thigh.length, thigh.com_fraction]
    assert [float(v) for v in rows["thigh"][0]] == pytest.approx(expected, abs=6e-4)
    kin = kc.forward_kinematics(model)
    for mark in ("hip_centre_r", "l5s1_disc_centre"):
        assert [float(v) for v in rows[mark][0]] == pytest.approx(kin.landmarks[mark][0], abs=6e-4)
    assert float(rows["pelvic_incidence"][0][0]) == pytest.approx(model.subject.pelvic_incidence, abs=6e-4)
    ds = kc.simulate(model, task="single_leg_squat_r", knee_flexion=60.0, knee_valgus_r=10.0)
    printed = [r for r in rows["single_leg_squat_r"] if r[0] == "10" and r[1] == "1"][0]
    expected = [ds[n] for n in ("hip_adduction_r", "pelvic_obliquity", "pelvic_rotation", "lumbar_torsion")]
    expected += [ds[n] for n in ("l5s1_compression", "l5s1_shear_ap", "l5s1_torsion_moment")]
    assert [float(v) for v in printed[2:]] == pytest.approx([float(v) for v in expected], abs=6e-4)
    assert np.isfinite([float(v) for v in printed[2:]]).all()


def test_demo_bad_subject():
    result = CliRunner().invoke(main, ["demo", "--mass", "-3"])
    assert result.exit_code != 0
    assert "mass must be within" in result.output
