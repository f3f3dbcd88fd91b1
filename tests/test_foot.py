"""The foot on its support: rearfoot eversion on the planted forefoot, wedges and heel lifts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import subjects

import kinechain as kc
from kinechain.mechanics.external import centre_of_mass, external_loads

EVERSION = np.linspace(0.0, 15.0, 4)


def _knee_medial(pose, side):
    """Medial displacement of the knee joint centre (m) in the ground frame."""
    z = pose.frames.origins[:, pose.frames.index(f"tibia_{side}"), 2]
    return -z if side == "r" else z


@pytest.mark.parametrize("sides", [("r",), ("l",), ("r", "l")])
def test_rearfoot_eversion_up_to_15_degrees_solves_with_everything_else_free(model, sides):
    pose = kc.propagate(model, **{f"rearfoot_eversion_{s}": EVERSION for s in sides})
    assert pose.converged.all(), pose.reason
    for s in sides:
        np.testing.assert_allclose(pose[f"rearfoot_eversion_{s}"].reshape(-1)[-1], 15.0, atol=1e-6)


@settings(max_examples=4)
@given(subject=subjects, size=st.integers(2, 4), largest=st.floats(4.0, 15.0))
def test_rearfoot_eversion_turns_tibia_and_hip_inward_and_moves_the_knee_medially_mirrored(subject, size, largest):
    """Closed-chain pronation: the calcaneus everts on the floor, the tibia and femur turn in, the knee goes medial."""
    model = kc.Model.default(subject)
    eversion = np.linspace(0.0, largest, size)
    right = kc.propagate(model, rearfoot_eversion_r=eversion)
    left = kc.propagate(model, rearfoot_eversion_l=eversion)
    assert right.converged.all() and left.converged.all()
    for name in ("tibial_internal_rotation", "hip_internal_rotation"):
        assert np.all(np.diff(right[f"{name}_r"]) > 0), name
        np.testing.assert_allclose(left[f"{name}_l"], right[f"{name}_r"], atol=1e-6)
    assert np.all(np.diff(_knee_medial(right, "r")) > 0)
    np.testing.assert_allclose(_knee_medial(left, "l"), _knee_medial(right, "r"), atol=1e-9)
    both = kc.propagate(model, rearfoot_eversion_r=eversion, rearfoot_eversion_l=eversion)
    assert both.converged.all()
    for s in "rl":
        for name in ("tibial_internal_rotation", "hip_internal_rotation"):
            assert np.all(np.diff(both[f"{name}_{s}"].diagonal()) > 0), name
        assert np.all(np.diff(_knee_medial(both, s).reshape(size, size).diagonal()) > 0)
    grid = {s: _knee_medial(both, s).reshape(size, size) for s in "rl"}
    np.testing.assert_allclose(grid["l"].T, grid["r"], atol=1e-9)


@pytest.mark.parametrize("side", ["r", "l"])
def test_rearfoot_eversion_past_the_subtalar_range_stops_the_joint_at_its_limit(model, side):
    pose = kc.propagate(model, **{f"rearfoot_eversion_{side}": [-25.0, 25.0]})
    assert pose.converged.all()
    for text, bound in zip(pose.limit, ("upper limit 20", "lower limit -20"), strict=True):
        assert f"subtalar_angle_{side} at its {bound} degrees" in text
        assert f"rearfoot_eversion_{side} not reached" in text
    reached = pose[f"rearfoot_eversion_{side}"]
    assert reached[0] < -10.0 and reached[1] > 10.0


@settings(max_examples=4)
@given(subject=subjects)
def test_rearfoot_eversion_solves_across_subjects(subject):
    model = kc.Model.default(subject)
    assert kc.propagate(model, rearfoot_eversion_r=EVERSION, rearfoot_eversion_l=EVERSION).converged.all()
    assert kc.propagate(model, rearfoot_eversion_r=EVERSION).converged.all()


def test_wedges_of_15_degrees_solve_and_tilt_the_rearfoot(model):
    wedge = np.array([-15.0, -10.0, 0.0, 10.0, 15.0])
    for kwargs in ({"foot_wedge_r": wedge}, {"foot_wedge_r": wedge, "foot_wedge_l": wedge}):
        pose = kc.propagate(model, **kwargs)
        assert pose.converged.all()
        eversion = pose["rearfoot_eversion_r"].reshape(5, -1)[:, 0]
        assert np.all(np.diff(eversion) > 0)  # a lateral wedge everts, a medial post inverts


@settings(max_examples=4)
@given(subject=subjects, size=st.integers(2, 4))
def test_everting_wedge_moves_the_knee_medially_and_rotates_tibia_and_hip_internally(subject, size):
    model = kc.Model.default(subject)
    wedge = np.linspace(0.0, 15.0, size)
    right, left = kc.propagate(model, foot_wedge_r=wedge), kc.propagate(model, foot_wedge_l=wedge)
    assert right.converged.all() and left.converged.all()
    for name in ("rearfoot_eversion", "tibial_internal_rotation", "hip_internal_rotation"):
        assert np.all(np.diff(right[f"{name}_r"]) > 0), name
        np.testing.assert_allclose(left[f"{name}_l"], right[f"{name}_r"], atol=1e-6)
    assert np.all(np.diff(_knee_medial(right, "r")) > 0)
    np.testing.assert_allclose(_knee_medial(left, "l"), _knee_medial(right, "r"), atol=1e-9)


LATERAL = ("pelvic_obliquity", "pelvic_rotation", "lumbar_torsion", "lumbar_lateral_bending")


@settings(max_examples=6)
@given(
    wedge=st.floats(-15.0, 15.0),
    lift=st.floats(0.0, 40.0),
    eversion=st.one_of(st.none(), st.floats(0.0, 15.0)),
)
def test_mirrored_supports_give_mirrored_postures(model, wedge, lift, eversion):
    a = kc.propagate(model, foot_wedge_r=wedge, heel_lift_r=lift, rearfoot_eversion_r=eversion)
    b = kc.propagate(model, foot_wedge_l=wedge, heel_lift_l=lift, rearfoot_eversion_l=eversion)
    assert a.converged.all() and b.converged.all()
    for name in ("anterior_pelvic_tilt", "lumbar_flexion"):
        np.testing.assert_allclose(a[name], b[name], atol=1e-7)
    for name in LATERAL:
        np.testing.assert_allclose(a[name], -b[name], atol=1e-7)
    for name in ("rearfoot_eversion", "tibial_internal_rotation", "hip_internal_rotation", "knee_fppa"):
        np.testing.assert_allclose(a[f"{name}_r"], b[f"{name}_l"], atol=1e-7)


def test_symmetric_supports_give_no_lateral_or_axial_motion(model):
    pose = kc.propagate(model, foot_wedge_r=[-12.0, 12.0], foot_wedge_l=[-12.0, 12.0], heel_lift_r=15, heel_lift_l=15)
    both = pose["anterior_pelvic_tilt"].diagonal()
    assert np.isfinite(both).all()
    for name in LATERAL:
        np.testing.assert_allclose(pose[name].diagonal(), 0.0, atol=1e-7)


def test_medial_post_in_a_pronated_valgus_subject_is_one_call(model):
    """Does a medial post reduce anterior pelvic tilt and lumbar torsion? One call answers it."""
    ds = kc.simulate(
        model, foot_wedge_r=[0.0, -10.0], rearfoot_eversion_r=8.0, knee_fppa_r=5.0, task="single_leg_squat_r"
    )
    assert ds["converged"].all()
    assert ds["anterior_pelvic_tilt"].dims == ("foot_wedge_r",)
    assert np.isfinite(ds["lumbar_torsion"]).all()


def test_heel_lift_tilts_the_pelvis_posteriorly(model):
    """Franklin et al. 1995: a 5.1 cm heel decreases anterior pelvic tilt (about 1 degree)."""
    pose = kc.propagate(model, heel_lift_r=[0.0, 25.0, 50.0], heel_lift_l=[0.0, 25.0, 50.0])
    tilt = pose["anterior_pelvic_tilt"].diagonal()
    assert pose.converged.all() and np.all(np.diff(tilt) < 0)


def test_on_heel_lifts_the_centre_of_mass_keeps_its_distance_from_the_forefoot(model):
    """Bendix et al. 1984 (Spine 9:223): on heels of 0 and 4.5 cm the line of gravity stayed at a constant
    distance from the forefoot while the ankle shifted toward it. A heel lift pivots the foot about its toe
    contact; the centre of mass is balanced over the same point of the floor, not over the lifted foot."""
    lift = np.array([0.0, 25.0, 45.0])
    pose = kc.propagate(model, heel_lift_r=lift, heel_lift_l=lift)
    assert pose.converged.all()
    diagonal = np.arange(lift.size) * (lift.size + 1)
    frames = pose.frames
    # the toe's contact with the floor, in the calcaneus frame (neutral segment frames are parallel to ground)
    neutral = kc.forward_kinematics(model).frames
    toe = neutral.point("calcn_r", model.landmarks["toe_r"][1])[0]
    contact = toe - np.array([0.0, toe[1], 0.0]) - neutral.origins[0, neutral.index("calcn_r")]
    forefoot = frames.point("calcn_r", contact)[diagonal, 0]
    ankle = frames.origins[diagonal, frames.index("talus_r"), 0]
    com = centre_of_mass(external_loads(model, frames))[diagonal, 0]
    np.testing.assert_allclose(com - forefoot, com[0] - forefoot[0], atol=2e-4)
    assert np.all(np.diff(ankle - forefoot) > 0.002)  # the ankle moves toward the forefoot by millimetres
