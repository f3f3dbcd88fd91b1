"""Physics of the posture solver as properties over random inputs."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import paired, subjects

import kinechain as kc
from kinechain.mechanics.sharing import RESERVE_LIMIT
from kinechain.statics import equilibrium_labels
from kinechain.variables import POSTURE_OUTPUTS as OUTPUTS

LATERAL = (
    "pelvic_obliquity",
    "pelvic_rotation",
    "lumbar_lateral_bending",
    "lumbar_torsion",
    "thoracic_lateral_bending",
    "thoracic_rotation",
    "trunk_lateral_lean",
)
SAGITTAL = ("anterior_pelvic_tilt", "lumbar_flexion", "thoracic_flexion")


def _swap(name):
    return name[:-1] + {"r": "l", "l": "r"}[name[-1]] if name[-2:] in ("_r", "_l") else name


angles = arrays(float, 3, elements=st.floats(-12.0, 12.0))


@settings(max_examples=10)
@given(valgus=angles, rotation=angles)
def test_symmetric_inputs_give_no_lateral_or_axial_motion(model, valgus, rotation):
    valgus, rotation = paired(valgus), paired(rotation)
    pose = kc.propagate(model, knee_valgus_r=valgus, knee_valgus_l=valgus, femoral_ir_r=rotation, femoral_ir_l=rotation)
    assert pose.converged.all()
    for name in LATERAL:
        np.testing.assert_allclose(pose[name], 0.0, atol=1e-7, err_msg=name)
    np.testing.assert_allclose(pose["hip_adduction_r"], pose["hip_adduction_l"], atol=1e-7)


@settings(max_examples=8)
@given(
    vr=angles,
    vl=angles,
    rr=angles,
    rl=angles,
    task=st.sampled_from(["double_stance", "single_stance_r", "single_leg_squat_r"]),
    weak=st.floats(0.3, 1.0),
)
def test_mirrored_inputs_give_mirrored_outputs(model, vr, vl, rr, rl, task, weak):
    other = {"single_stance_r": "single_stance_l", "single_leg_squat_r": "single_leg_squat_l"}.get(task, task)
    vr, vl, rr, rl = (paired(x) for x in (vr, vl, rr, rl))
    right = {"knee_valgus_r": vr, "knee_valgus_l": vl, "femoral_ir_r": rr, "femoral_ir_l": rl}
    left = {"knee_valgus_r": vl, "knee_valgus_l": vr, "femoral_ir_r": rl, "femoral_ir_l": rr}
    a = kc.propagate(model, task=task, strength={"gluteus_medius_r": weak}, **right)
    b = kc.propagate(model, task=other, strength={"gluteus_medius_l": weak}, **left)
    # an input the joints cannot reach is flagged on both sides alike
    np.testing.assert_array_equal(a.converged, b.converged)
    ok = a.converged
    for name in OUTPUTS:
        sign = -1.0 if name in LATERAL else 1.0
        np.testing.assert_allclose(b[_swap(name)][ok], sign * a[name][ok], atol=1e-6, err_msg=name)


HELD_NEUTRAL = dict(knee_valgus_r=0.0, knee_valgus_l=0.0, femoral_ir_r=0.0, femoral_ir_l=0.0)


def test_neutral_inputs_give_neutral_standing(model):
    pose = kc.propagate(model, **HELD_NEUTRAL)
    assert pose.converged.all()
    neutral = kc.forward_kinematics(model)
    for name in OUTPUTS:
        np.testing.assert_allclose(pose[name], neutral.angles[name], atol=1e-5, err_msg=name)
        if not name.startswith("knee_fppa"):  # the projection shows the skeleton's own alignment
            np.testing.assert_allclose(pose[name], 0.0, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(pose.q[0], model.neutral(), atol=1e-7)


def test_valgus_adducts_the_hip_monotonically(model):
    valgus = np.linspace(0.0, 15.0, 9)
    held = dict(knee_valgus_l=0.0, femoral_ir_r=0.0, femoral_ir_l=0.0)
    pose = kc.propagate(model, knee_valgus_r=valgus, **held)
    assert pose.converged.all()
    assert np.all(np.diff(pose["hip_adduction_r"]) > 0)
    squat = kc.propagate(model, knee_valgus_r=valgus, task="single_leg_squat_r", knee_flexion=60.0, **held)
    assert squat.converged.all()
    assert np.all(np.diff(squat["hip_adduction_r"]) > 0)
    torsion = squat["lumbar_torsion"] - squat["lumbar_torsion"][0]
    assert np.all(np.diff(np.abs(torsion)) > 0)


@settings(max_examples=8)
@given(subject=subjects, size=st.integers(2, 5), top=st.floats(8.0, 15.0))
@example(subject=kc.Subject(), size=4, top=15.0)
def test_squat_projection_valgus_adducts_and_rotates_the_hip_and_twists_the_lumbar_spine(subject, size, top):
    """Valgus as single-leg squat studies measure it, the frontal-plane projection angle, all else free.

    The direction is the mechanism's, for subjects whose leg muscles hold the squat: where they cannot
    (heavy subjects; reserves of tens of N·m at the hip or knee), the holding deficit lets the posture
    give way and only the solve is checked. (The trunk muscles cannot hold the twisted lumbar spine's
    passive torsion in a 60° squat — lumbar reserves of a few N·m for every subject — which does not
    let the legs give way.) Lumbar torsion grows until the lumbar spine reaches its rotation limit.
    """
    model = kc.Model.default(subject)
    fppa = np.linspace(0.0, top, size)
    squat = kc.propagate(model, knee_fppa_r=fppa, task="single_leg_squat_r", knee_flexion=60.0)
    assert squat.converged.all()
    np.testing.assert_allclose(squat["knee_fppa_r"], fppa, atol=1e-7)
    legs = [i for i, label in enumerate(equilibrium_labels()) if label.startswith(("hip", "knee"))]
    if np.abs(kc.statics(squat)["reserve_moment"][:, legs]).max() > RESERVE_LIMIT:
        return
    for name in ("hip_adduction_r", "hip_internal_rotation_r"):
        assert np.all(np.diff(squat[name]) > 0), name
    free = np.array(["lumbar_rotation" not in text for text in squat.limit])
    assert free[0]
    assert np.all(np.diff(np.abs(squat["lumbar_torsion"])[free]) > 0)


def test_coupling_to_projection_valgus_matches_finite_differences(model):
    # a 60° squat the muscles hold with capacity to spare, so that no holding deficit changes with the
    # input (coupling holds it at the solved posture)
    base = dict(task="single_leg_squat_r", knee_flexion=60.0)
    pose = kc.propagate(model, knee_fppa_r=8.0, **base)
    assert np.abs(pose.deficit).max() < 1e-4  # N·m: reserves only as small as their penalty leaves them
    ratio = kc.coupling(pose, inputs=["knee_fppa_r"], outputs=["hip_internal_rotation_r"])
    h = 1e-3
    plus, minus = (kc.propagate(model, knee_fppa_r=8.0 + d, **base) for d in (h, -h))
    fd = (plus["hip_internal_rotation_r"] - minus["hip_internal_rotation_r"]) / (2 * h)
    np.testing.assert_allclose(ratio.sel(output="hip_internal_rotation_r").values[0], fd, atol=2e-4)


def test_squat_tibiofemoral_valgus_rotates_the_hip_externally(model):
    """The documented disagreement (docs/model.md): prescribed tibiofemoral (JCS) valgus in a 60°
    single-leg squat, femoral rotation free, is taken up with femoral *external* rotation, in
    converged solves, not the internal rotation described clinically."""
    valgus = np.linspace(0.0, 15.0, 5)
    held = dict(knee_valgus_l=0.0, femoral_ir_l=0.0)  # femoral_ir_r free
    squat = kc.propagate(model, knee_valgus_r=valgus, task="single_leg_squat_r", knee_flexion=60.0, **held)
    assert squat.converged.all(), squat.reason
    np.testing.assert_allclose(squat["knee_valgus_r"], valgus, atol=1e-7)
    assert np.all(np.diff(squat["hip_internal_rotation_r"]) < 0)
    assert squat["hip_internal_rotation_r"][-1] < squat["hip_internal_rotation_r"][0] - 1.0


def test_squat_femoral_internal_rotation_collapses_the_knee_medially(model):
    """Clinically, dynamic valgus is seen as the 2-D projection angle growing with hip IR."""
    rotation = np.linspace(0.0, 15.0, 6)
    held = dict(knee_valgus_l=0.0, femoral_ir_l=0.0)  # knee_valgus_r free
    squat = kc.propagate(model, femoral_ir_r=rotation, task="single_leg_squat_r", knee_flexion=60.0, **held)
    assert squat.converged.all()
    assert np.all(np.diff(squat["knee_fppa_r"]) > 0)


def test_weak_hip_abductors_let_valgus_and_adduction_grow(model):
    strength = np.linspace(1.0, 0.1, 10)
    held = dict(knee_valgus_l=0.0, femoral_ir_r=0.0, femoral_ir_l=0.0)  # knee_valgus_r free
    weak = {"gluteus_medius": paired(strength), "gluteus_minimus": paired(strength)}
    pose = kc.propagate(model, task="single_stance_r", strength=weak, **held)
    assert pose.converged.all()
    # while the muscles can hold the pelvis (gluteus medius and minimus at 1 ... 0.2; the other abductors
    # make up for them at full activation) only their stiffness changes and the posture moves by
    # hundredths of a degree per step; at 0.1 they run short and the joints give way
    for name in ("knee_valgus_r", "hip_adduction_r"):
        step = np.diff(pose[name])
        assert np.all(np.abs(step[:-1]) < 0.02) and step[-1] > 0.0, name
    assert pose["hip_adduction_r"][-1] - pose["hip_adduction_r"][-2] > 0.1


def test_coupling_matches_finite_differences(model):
    # double stance: muscles hold it with capacity to spare, so no deficit changes with the input
    base = dict(knee_valgus_l=0.0, femoral_ir_l=0.0)  # femoral_ir_r free
    pose = kc.propagate(model, knee_valgus_r=6.0, **base)
    ratio = kc.coupling(pose, inputs=["knee_valgus_r"], outputs=["hip_adduction_r", "lumbar_torsion"])
    h = 1e-3
    plus = kc.propagate(model, knee_valgus_r=6.0 + h, **base)
    minus = kc.propagate(model, knee_valgus_r=6.0 - h, **base)
    for name in ("hip_adduction_r", "lumbar_torsion"):
        fd = (plus[name] - minus[name]) / (2 * h)
        np.testing.assert_allclose(ratio.sel(output=name, input="knee_valgus_r").values, fd, atol=1e-6, rtol=1e-5)
    assert ratio.attrs["units"] == "deg/deg"


def test_input_past_a_joint_range_stops_the_joint_at_its_limit(model):
    pose = kc.propagate(model, femoral_ir_r=[0.0, 44.0])
    assert pose.converged.tolist() == [True, True]
    assert pose.limit[0] == "" and "hip_rotation_r at its upper limit" in pose.limit[1]
    assert pose["hip_internal_rotation_r"][1] < 44.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"knee_valgus_r": 200.0}, r"knee_valgus_r must be within \[-15, 15\] degrees"),
        ({"knee_valgus_r": float("nan")}, "knee_valgus_r must be within"),
        ({"strength": {"gluteus_medius": -1.0}}, r"strength\['gluteus_medius'\] must be within \[0, 2\]"),
        ({"strength": {"no_such_group": 1.0}}, "known groups are .*gluteus_medius"),
        ({"tightness": {"tfl": 0.9}}, r"tightness\['tfl'\] must be within \[0, 0.5\]"),
        ({"task": "jump"}, "task must be one of"),
        ({"load_mass": 5.0}, "load_mass does not apply to task 'double_stance'"),
        ({"knee_valgus_r": paired([1.0, 2.0]), "femoral_ir_r": paired([1.0, 2.0, 3.0])}, "must have the same length"),
        ({"knee_valgus_r": np.zeros((2, 2))}, "a plain array must be a scalar or 1-D"),
        ({"knee_valgus_r": []}, "knee_valgus_r is empty"),
        ({"knee_valgus_r": [1.0, None]}, "knee_valgus_r contains None"),
        ({"strength": {"gluteus_medius": []}}, r"strength\['gluteus_medius'\] is empty"),
        ({"foot_wedge_r": [0.0, None]}, "foot_wedge_r contains None"),
        ({"foot_wedge_r": 30.0}, r"foot_wedge_r must be within \[-20, 20\] degrees"),
        ({"valgus": 1.0}, "unknown input 'valgus'"),
        ({"knee_valgus_r": 5.0, "knee_fppa_r": 5.0}, "both prescribe the same knee"),
        ({"knee_valgus_r": [1.0], "femoral_ir_r": np.zeros(3), "knee_fppa_l": np.ones((2, 2))}, "plain array"),
    ],
)
def test_bad_inputs(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        kc.propagate(model, **kwargs)


def test_batch_shape_and_item_access(model):
    pose = kc.propagate(
        model,
        knee_valgus_r=xr.DataArray(np.zeros((2, 3)), dims=("trial", "sample")),
        femoral_ir_l=paired(np.arange(3.0)),
    )
    assert pose["lumbar_torsion"].shape == (2, 3)
    assert pose["hip_rotation_l"].shape == (2, 3)
    assert pose.to_dataset()["lumbar_torsion"].dims == ("trial", "sample")
    with pytest.raises(KeyError):
        pose["nothing"]


def test_public_functions_name_a_wrong_model_or_pose(model):
    with pytest.raises(ValueError, match="model must be a kinechain.Model"):
        kc.propagate("default")
    with pytest.raises(ValueError, match="model must be a kinechain.Model"):
        kc.forward_kinematics(None)
    with pytest.raises(ValueError, match="pose must be a kinechain.Pose"):
        kc.statics({"q": 0})
    with pytest.raises(ValueError, match="unknown input"):
        kc.coupling(kc.propagate(model), inputs=["valgus"])


def test_chunked_solve_equals_one_batch(model, monkeypatch):
    from kinechain.posture import kkt, solver

    valgus = np.linspace(-10.0, 15.0, 7)
    whole = kc.propagate(model, knee_valgus_r=paired(valgus), femoral_ir_r=paired(valgus / 2))
    monkeypatch.setattr(solver, "CHUNK", 3)
    chunked = kc.propagate(model, knee_valgus_r=paired(valgus), femoral_ir_r=paired(valgus / 2))
    # the warm starts of a chunk depend on its elements: equal to the solver's step tolerance
    np.testing.assert_allclose(chunked.q, whole.q, atol=kkt.STEP_TOLERANCE)
    for name in OUTPUTS:
        np.testing.assert_allclose(chunked[name], whole[name], atol=np.degrees(kkt.STEP_TOLERANCE))
    ratios = kc.coupling(chunked, inputs=["knee_valgus_r"], outputs=["lumbar_torsion"])
    assert ratios.shape == (7, 1, 1)


def test_a_singular_element_does_not_change_its_batch_neighbours():
    """Chunking must not change results: regularizing one element's dependent constraints leaves
    every other element's KKT solution exactly as if solved alone."""
    from kinechain.posture import kkt

    rng = np.random.default_rng(0)
    hessian = np.stack([2.0 * np.eye(25)] * 3)
    jac = rng.normal(size=(3, 3, 25))
    jac[1, 2] = jac[1, 1]  # element 1: two identical constraint rows
    rhs = rng.normal(size=(3, 28, 2))
    together = kkt.kkt_solve(hessian, jac, rhs)
    for i in (0, 2):
        np.testing.assert_array_equal(together[i], kkt.kkt_solve(hessian[i : i + 1], jac[i : i + 1], rhs[i : i + 1])[0])
    assert np.isfinite(together[1]).all()
