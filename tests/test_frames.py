import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.transform import Rotation

from kinechain.body.rotations import JOINT_SIGNS, joint_angles, joint_rotation, mirror_matrix, relative_rotation

JOINTS = sorted(JOINT_SIGNS)
# flexion and axial rotation within ±170°, ab/adduction within ±80° (away from gimbal lock)
angle_sets = arrays(
    float,
    (5, 3),
    elements=st.floats(-1.0, 1.0),
).map(lambda a: a * np.array([np.radians(170), np.radians(80), np.radians(170)]))


@pytest.mark.parametrize(("joint", "side"), JOINTS)
@given(angles=angle_sets)
def test_angles_rotation_round_trip(joint, side, angles):
    back = joint_angles(joint_rotation(angles, joint, side), joint, side)
    np.testing.assert_allclose(back, angles, atol=1e-9)


@pytest.mark.parametrize(("joint", "side"), JOINTS)
@given(a=angle_sets, b=angle_sets)
def test_composition_and_inversion(joint, side, a, b):
    ra, rb = joint_rotation(a, joint, side), joint_rotation(b, joint, side)
    rel = relative_rotation(ra.as_matrix(), (ra * rb).as_matrix())
    np.testing.assert_allclose(rel.as_matrix(), rb.as_matrix(), atol=1e-12)
    # the relative rotation is expressed in the first frame: composing it back gives the second
    back = ra.as_matrix() @ rel.as_matrix()
    np.testing.assert_allclose(back, (ra * rb).as_matrix(), atol=1e-12)


@pytest.mark.parametrize("joint", ["hip", "knee", "ankle_complex"])
@given(angles=angle_sets)
def test_left_is_mirror_of_right(joint, angles):
    right = joint_rotation(angles, joint, "r").as_matrix()
    left = joint_rotation(angles, joint, "l").as_matrix()
    np.testing.assert_allclose(left, mirror_matrix(right), atol=1e-12)


def test_named_directions():
    # hip_rotation_r positive = internal rotation: the femur's anterior axis turns medially (-z)
    r = joint_rotation([0.0, 0.0, np.radians(20)], "hip", "r")
    assert r.apply([1.0, 0.0, 0.0])[0, 2] < 0
    # knee_angle positive = flexion: the distal tibia (-y) moves posteriorly (-x)
    r = joint_rotation([np.radians(30), 0.0, 0.0], "knee", "r")
    assert r.apply([0.0, -1.0, 0.0])[0, 0] < 0
    # hip_adduction_l positive = adduction: the distal left femur moves medially (+z)
    r = joint_rotation([0.0, np.radians(10), 0.0], "hip", "l")
    assert r.apply([0.0, -1.0, 0.0])[0, 2] > 0
    # pelvis_list positive = right side down
    r = joint_rotation([0.0, np.radians(10), 0.0], "pelvis")
    assert r.apply([0.0, 0.0, 1.0])[0, 1] < 0


def test_unknown_joint():
    with pytest.raises(ValueError, match="joint/side must be one of"):
        joint_rotation([0, 0, 0], "elbow", "r")


def test_scipy_sequence_is_intrinsic():
    a = np.radians([30.0, 20.0, 10.0])
    r = joint_rotation(a, "pelvis").as_matrix()[0]
    expected = (
        Rotation.from_rotvec([0, 0, a[0]]) * Rotation.from_rotvec([a[1], 0, 0]) * Rotation.from_rotvec([0, a[2], 0])
    ).as_matrix()
    np.testing.assert_allclose(r, expected, atol=1e-12)
