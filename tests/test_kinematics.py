import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import mirror_coordinates, postures

import kinechain as kc
from kinechain.body.chain import body_frames
from kinechain.body.topology import BODIES, COORDINATES
from kinechain.mechanics.clinical import clinical_angles
from kinechain.mechanics.kinematics import coordinate_array, spinopelvic


@given(postures(), st.floats(32.0, 74.0))
def test_pelvic_incidence_is_the_subjects_in_every_posture(q, incidence):
    """PI is an input (a trait of the pelvis): every posture reports the subject's value, and the
    neutral pelvic tilt, an output of the pelvic geometry, does not depend on it."""
    model = kc.Model.default(kc.Subject(pelvic_incidence=incidence))
    sp = kc.forward_kinematics(model, q).spinopelvic
    np.testing.assert_allclose(sp["pelvic_incidence"], incidence, atol=1e-9)
    np.testing.assert_allclose(sp["pelvic_incidence"], sp["pelvic_tilt"] + sp["sacral_slope"], atol=1e-9)
    neutral = kc.forward_kinematics(model).spinopelvic
    default = kc.forward_kinematics(kc.Model.default()).spinopelvic
    np.testing.assert_allclose(neutral["pelvic_tilt"], default["pelvic_tilt"], atol=1e-9)
    # the neutral lordosis is the sacral slope: the thorax stays upright at zero lumbar coordinates
    l1 = model.bodies.index("L1")
    np.testing.assert_allclose(kc.forward_kinematics(model).frames.rotations[0, l1], np.eye(3), atol=1e-12)


def test_pelvic_incidence_outside_the_population_range_is_refused():
    with pytest.raises(ValueError, match=r"pelvic_incidence must be within \[32, 74\] degrees"):
        kc.Subject(pelvic_incidence=80.0)


@given(postures())
def test_mirrored_posture_gives_mirrored_landmarks(model, q):
    a = kc.forward_kinematics(model, q)
    b = kc.forward_kinematics(model, mirror_coordinates(q))
    flip = np.array([1.0, 1.0, -1.0])
    for name, pos in a.landmarks.items():
        other = name[:-1] + {"r": "l", "l": "r"}[name[-1]] if name[-2:] in ("_r", "_l") else name
        np.testing.assert_allclose(b.landmarks[other], pos * flip, atol=1e-12)


@given(postures())
def test_clinical_angles_recover_coordinates(model, q):
    kin = kc.forward_kinematics(model, q)
    direct = {
        "hip_adduction_r": "hip_adduction_r",
        "hip_internal_rotation_l": "hip_rotation_l",
        "hip_flexion_r": "hip_flexion_r",
        "knee_flexion_l": "knee_angle_l",
    }
    for clinical, coord in direct.items():
        np.testing.assert_allclose(kin.angles[clinical], q[:, COORDINATES.index(coord)], atol=1e-8)
    np.testing.assert_allclose(kin.angles["knee_valgus_r"], -q[:, COORDINATES.index("knee_adduction_r")], atol=1e-8)
    np.testing.assert_allclose(kin.angles["anterior_pelvic_tilt"], -q[:, 0], atol=1e-8)
    np.testing.assert_allclose(kin.angles["pelvic_obliquity"], -q[:, 1], atol=1e-8)


def test_neutral_posture(model):
    kin = kc.forward_kinematics(model)
    for name, value in kin.angles.items():
        if not name.startswith("knee_fppa"):  # the projection shows the skeleton's own alignment
            assert value[0] == pytest.approx(0.0, abs=1e-12), name
    # feet on the ground plane, trunk upright
    assert kin.frames.origins[0, BODIES.index("calcn_r"), 1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(kin.frames.axis("L1", 1)[0], [0, 1, 0], atol=1e-12)
    # the L5/S1 disc lies on the sacral endplate, half a disc above its centre
    gap = kin.landmarks["l5s1_disc_centre"] - kin.landmarks["s1_centre"]
    np.testing.assert_allclose(gap / np.linalg.norm(gap), kin.disc_normals["l5s1_normal"], atol=1e-12)


def test_subtalar_coupling_sign(model):
    # inversion (positive subtalar_angle) rotates the tibia externally over the foot
    kin = kc.forward_kinematics(model, {"subtalar_angle_r": 10.0})
    assert kin.angles["rearfoot_eversion_r"][0] < 0
    assert kin.angles["tibial_internal_rotation_r"][0] < 0


def _numeric_jacobian(f, q, h=1e-6):
    cols = []
    for i in range(q.shape[1]):
        dq = np.zeros_like(q)
        dq[:, i] = h
        cols.append((f(q + dq) - f(q - dq)) / (2 * h))
    return np.stack(cols, axis=-1)


@given(postures(n=3))
def test_jacobians_match_finite_differences(model, q_deg):
    q = coordinate_array(q_deg)
    frames = body_frames(model.p, q)
    local = np.array([[0.02, -0.1, 0.03], [0.0, 0.0, 0.0]])
    from kinechain.mechanics.clinical import clinical_angle, clinical_jacobian

    for name in ("knee_fppa_r", "knee_fppa_l", "rearfoot_eversion_l", "lumbar_torsion"):
        num = _numeric_jacobian(lambda qq, name=name: clinical_angle(body_frames(model.p, qq), name), q)
        np.testing.assert_allclose(clinical_jacobian(frames, name), num, atol=1e-7)
    for body in ("calcn_r", "L1", "tibia_l", "pelvis"):
        pts = frames.point(body, local)
        jac = frames.point_jacobian(body, pts)
        num = _numeric_jacobian(lambda qq, b=body: body_frames(model.p, qq).point(b, local), q)
        np.testing.assert_allclose(jac, num, atol=1e-7)
        # angular: dR/dq_i R^T = [omega_i]x
        i = frames.index(body)
        ang = frames.angular_jacobian(body)
        dR = _numeric_jacobian(lambda qq, i=i: body_frames(model.p, qq).rotations[:, i], q)
        skew = np.einsum("nijk,nlj->nilk", dR, frames.rotations[:, i])
        np.testing.assert_allclose(ang[:, 0], skew[:, 2, 1], atol=1e-7)
        np.testing.assert_allclose(ang[:, 1], skew[:, 0, 2], atol=1e-7)
        np.testing.assert_allclose(ang[:, 2], skew[:, 1, 0], atol=1e-7)


def test_spinopelvic_radians_function(model):
    frames = body_frames(model.p, model.neutral())
    sp = spinopelvic(model, frames)
    assert np.degrees(sp["pelvic_incidence"][0]) == pytest.approx(model.subject.pelvic_incidence)


@pytest.mark.parametrize(
    ("coords", "match"),
    [
        ({"hip_flexion": 10.0}, "unknown coordinate"),
        ({"knee_adduction_r": float("nan")}, r"knee_adduction_r must be within \[-15, 15\] degrees"),
        ({"hip_rotation_l": [0.0, 90.0]}, r"hip_rotation_l must be within \[-41.8, 35.2\]"),
        ({"hip_rotation_l": "ten"}, "hip_rotation_l must be a number"),
        (np.zeros((3, 7)), rf"shape \(n, {len(COORDINATES)}\)"),
    ],
)
def test_bad_coordinates(model, coords, match):
    with pytest.raises(ValueError, match=match):
        kc.forward_kinematics(model, coords)


def test_batch_broadcasting(model):
    kin = kc.forward_kinematics(model, {"hip_adduction_r": np.zeros(7), "knee_angle_l": 20.0})
    assert kin.frames.origins.shape == (7, len(BODIES), 3)
    np.testing.assert_allclose(kin.angles["knee_flexion_l"], 20.0)


def test_hip_centre_methods(model):
    other = kc.Model.default(hip_centre="harrington2007")
    assert other.parameters["hip_centre_r_z"] != model.parameters["hip_centre_r_z"]
    with pytest.raises(ValueError, match="hip_centre must be one of"):
        kc.Model.default(hip_centre="bell")
    with pytest.raises(ValueError, match="subject must be"):
        kc.Model.default(subject="me")


def test_clinical_angles_cover_issue_names(model):
    names = set(clinical_angles(body_frames(model.p, model.neutral())))
    for n in (
        "anterior_pelvic_tilt",
        "pelvic_obliquity",
        "pelvic_rotation",
        "lumbar_torsion",
        "knee_valgus_l",
    ):
        assert n in names


def test_fppa_ignores_rigid_leg_motion_and_sees_knee_valgus(model):
    base = kc.forward_kinematics(model)
    moved = kc.forward_kinematics(model, {"hip_adduction_r": [5.0, -5.0], "hip_adduction_l": 7.0})
    np.testing.assert_allclose(moved.angles["knee_fppa_r"], base.angles["knee_fppa_r"][0], atol=1e-9)
    np.testing.assert_allclose(moved.angles["knee_fppa_l"], base.angles["knee_fppa_l"][0], atol=1e-9)
    valgus = kc.forward_kinematics(model, {"knee_adduction_r": -10.0, "knee_adduction_l": -10.0})
    np.testing.assert_allclose(valgus.angles["knee_fppa_r"] - base.angles["knee_fppa_r"], 10.0, atol=0.2)
    np.testing.assert_allclose(valgus.angles["knee_fppa_l"], valgus.angles["knee_fppa_r"], atol=1e-9)
