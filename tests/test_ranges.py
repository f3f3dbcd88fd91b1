"""Physiological ranges of motion, joints stopping at their limits, and failed solves made unmistakable."""

import warnings

import numpy as np
import pytest

import kinechain as kc
from kinechain.body.topology import COORDINATE_RANGES, COORDINATES, TRANSLATIONS
from kinechain.posture import kkt
from kinechain.posture.solver import UnsolvedWarning
from kinechain.variables import LOAD_OUTPUTS, POSTURE_OUTPUTS


def test_every_joint_range_is_physiological_not_a_placeholder():
    for name, (lo, hi) in COORDINATE_RANGES.items():
        if name in TRANSLATIONS or name.startswith("pelvis"):
            continue
        assert lo < 0 < hi and hi - lo <= 150.0, name
    # the lumbar spine: per-level limits (Yamamoto 1989) summed over the levels' shares
    assert COORDINATE_RANGES["lumbar_rotation"][1] < 12.0
    assert COORDINATE_RANGES["lumbar_extension"][1] < 26.0


def test_a_joint_driven_past_its_range_stops_at_the_limit_and_says_so(model):
    top = COORDINATE_RANGES["hip_rotation_r"][1]
    pose = kc.propagate(model, femoral_ir_r=[0.0, 44.0])
    assert pose.converged.all()
    assert pose.limit[0] == ""
    assert f"hip_rotation_r at its upper limit {top:g}" in pose.limit[1]
    assert "hip_internal_rotation_r not reached" in pose.limit[1]
    assert pose["hip_rotation_r"][1] == pytest.approx(top, abs=1e-6)
    for i, name in enumerate(COORDINATES):
        if name not in TRANSLATIONS:
            lo, hi = COORDINATE_RANGES[name]
            assert np.all(np.degrees(pose.q[:, i]) >= lo - 1e-6) and np.all(np.degrees(pose.q[:, i]) <= hi + 1e-6)
    ds = kc.simulate(model, femoral_ir_r=[0.0, 44.0])
    assert "hip_rotation_r" in str(ds["limit"].values[1])


def test_squat_to_100_degrees_solves(model):
    pose = kc.propagate(model, task="single_leg_squat_r", knee_flexion=[60.0, 80.0, 100.0])
    assert pose.converged.all()
    np.testing.assert_allclose(pose["knee_flexion_r"], [60.0, 80.0, 100.0], atol=1e-6)
    # a heel lift takes dorsiflexion off the ankle: at 80° it keeps it inside its range
    lifted = kc.propagate(model, task="single_leg_squat_r", knee_flexion=[60.0, 80.0, 100.0], heel_lift_r=30.0)
    assert lifted.converged.all()
    assert np.all(lifted["ankle_angle_r"][:2] < pose["ankle_angle_r"][:2] - 3.0)
    assert "ankle_angle_r" in pose.limit[1] and "ankle_angle_r" not in lifted.limit[1]


def test_failed_elements_are_nan_in_every_output_with_one_warning(model, monkeypatch):
    monkeypatch.setattr(kkt, "MAX_ITERATIONS", 1)  # too few Newton steps: most elements cannot solve
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pose = kc.propagate(model, knee_valgus_r=[0.0, 12.0], femoral_ir_l=[0.0, 9.0])
    failed = ~pose.converged
    assert failed.any()
    unsolved = [w for w in caught if issubclass(w.category, UnsolvedWarning)]
    assert len(unsolved) == 1 and f"{int(failed.sum())} of 4 elements did not solve" in str(unsolved[0].message)
    for name in POSTURE_OUTPUTS:
        assert np.isnan(pose[name].reshape(-1)[failed]).all(), name
    for name in COORDINATES:
        assert np.isnan(pose[name].reshape(-1)[failed]).all(), name
    assert (pose.reason[failed] != "").all()
    loads = kc.statics(pose)
    for name in LOAD_OUTPUTS:
        if name != "feasible":
            assert np.isnan(loads.values[name][failed]).all(), name
    assert not loads.values["feasible"][failed].any()
    ratios = kc.coupling(pose, inputs=["knee_valgus_r"])
    assert np.isnan(ratios.values.reshape(4, -1)[failed]).all()
    with pytest.warns(UnsolvedWarning, match="did not solve"):
        ds = kc.simulate(model, knee_valgus_r=[0.0, 12.0], femoral_ir_l=[0.0, 9.0])
    bad = ~ds["converged"].values
    assert bad.any()
    for name, var in ds.data_vars.items():
        if var.dtype.kind == "f":
            assert np.isnan(var.values[bad]).all(), name


def test_coupling_is_unchanged_by_a_limit_held_in_another_element(model):
    """The limit rows of a batch follow the prescribed angles; a free element keeps its exact ratios."""
    held = dict(knee_valgus_l=0.0, femoral_ir_l=0.0)
    mixed = kc.propagate(model, knee_valgus_r=6.0, femoral_ir_r=[0.0, 44.0], **held)
    alone = kc.propagate(model, knee_valgus_r=6.0, femoral_ir_r=0.0, **held)
    assert mixed.limit[0] == "" and "hip_rotation_r" in mixed.limit[1]
    names = ["hip_adduction_r", "lumbar_torsion"]
    a = kc.coupling(mixed, inputs=["knee_valgus_r", "femoral_ir_r"], outputs=names).values[0]
    b = kc.coupling(alone, inputs=["knee_valgus_r", "femoral_ir_r"], outputs=names).values
    np.testing.assert_allclose(a, b, atol=1e-9)
    at_limit = kc.coupling(mixed, inputs=["femoral_ir_r"], outputs=["hip_internal_rotation_r"]).values[1]
    np.testing.assert_allclose(at_limit, 0.0, atol=1e-9)  # the joint stays at its limit
