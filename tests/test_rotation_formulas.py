"""The numpy rotation formulas on the solver's hot path agree with scipy's Rotation."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.transform import Rotation

from kinechain.body.rotations import relative_matrix, rotation_vector, zxy_angles

quaternions = arrays(float, (8, 4), elements=st.floats(-1.0, 1.0)).filter(
    lambda q: (np.linalg.norm(q, axis=1) > 1e-3).all()
)
# away from a half turn, where the rotation vector's sign is a matter of choice
not_half_turns = quaternions.filter(lambda q: (np.abs(q[:, 3]) > 1e-6 * np.linalg.norm(q, axis=1)).all())


@given(quat=not_half_turns)
def test_rotation_vector_is_scipys(quat):
    rotation = Rotation.from_quat(quat)
    np.testing.assert_allclose(rotation_vector(rotation.as_matrix()), rotation.as_rotvec(), rtol=0, atol=1e-12)


@given(vector=arrays(float, (8, 3), elements=st.floats(-1e-3, 1e-3)))
def test_rotation_vector_of_small_rotations(vector):
    matrix = Rotation.from_rotvec(vector).as_matrix()
    np.testing.assert_allclose(rotation_vector(matrix), vector, rtol=0, atol=1e-15)


def test_rotation_vector_near_half_turn():
    # about π the pivot is a diagonal element, not the trace
    axis = np.array([0.3, -0.5, 0.8]) / np.linalg.norm([0.3, -0.5, 0.8])
    rotation = Rotation.from_rotvec(np.outer([np.pi - 1e-3, np.pi - 1e-7, 2.0], axis))
    np.testing.assert_allclose(rotation_vector(rotation.as_matrix()), rotation.as_rotvec(), rtol=0, atol=1e-12)


@given(angles=arrays(float, (8, 3), elements=st.floats(-1.0, 1.0)).map(lambda a: a * np.radians([179.0, 85.0, 179.0])))
def test_zxy_angles_are_scipys(angles):
    rotation = Rotation.from_euler("ZXY", angles)
    np.testing.assert_allclose(zxy_angles(rotation.as_matrix()), rotation.as_euler("ZXY"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(zxy_angles(rotation.as_matrix()), angles, rtol=0, atol=1e-12)


@given(a=quaternions, b=quaternions)
def test_relative_matrix(a, b):
    ra, rb = Rotation.from_quat(a), Rotation.from_quat(b)
    np.testing.assert_allclose(relative_matrix(ra.as_matrix(), rb.as_matrix()), (ra.inv() * rb).as_matrix(), atol=1e-14)
