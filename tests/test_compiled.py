"""The compiled kernels agree with the numpy functions they stand in for."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

import kinechain as kc
from kinechain import _compiled
from kinechain.body.chain import BODIES, COORDINATES, SecondOrder, body_frames, cross
from kinechain.body.rotations import rotation_vector
from kinechain.mechanics import _kernels, muscles
from kinechain.mechanics.clinical import CLINICAL_ANGLES, clinical_angle_and_jacobian
from kinechain.mechanics.passive import passive_joints
from kinechain.mechanics.sharing import share_forces
from kinechain.posture import kkt

pytestmark = pytest.mark.skipif(
    not _compiled.ENABLED, reason="the compiled kernels are off (no fast extra, or KINECHAIN_COMPILED=0)"
)

FIELDS = ("length", "moment_arm", "crossing_moment", "crossing_force")


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 0.6), n=st.sampled_from([1, 7]))
def test_frames_kernel_agrees_with_numpy(model, seed, spread, n):
    """Segment origins, orientations and joint axes, to 1e-12, on random postures (one and several)."""
    q = model.neutral() + np.random.default_rng(seed).normal(0.0, spread, (n, len(model.neutral())))
    compiled = body_frames(model.p, q)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compiled, "ENABLED", False)
        reference = body_frames(model.p, q)
    for name in ("origins", "rotations", "joint_axes"):
        np.testing.assert_allclose(getattr(compiled, name), getattr(reference, name), rtol=0, atol=1e-12, err_msg=name)


def _without_kernels(function, *args):
    """``function(*args)`` on the numpy path."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compiled, "ENABLED", False)
        return function(*args)


def _random_frames(model, rng, spread, n):
    return body_frames(model.p, model.neutral() + rng.normal(0.0, spread, (n, len(model.neutral()))))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([1, 7]))
def test_cross_kernel_agrees_with_numpy(seed, n):
    """Cross products of broadcast arrays, to 1e-12 of their largest entry, in the shapes of the package's calls."""
    rng = np.random.default_rng(seed)
    for left, right in (((n, 3), (n, 3)), ((n, 28, 3), (n, 1, 3)), ((n, 1, 3), (5, 3)), ((3,), (n, 4, 3))):
        a, b = rng.normal(size=left), rng.normal(size=right)
        compiled, reference = cross(a, b), _without_kernels(cross, a, b)
        assert compiled.shape == reference.shape
        np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-12 * np.abs(reference).max())


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 0.6), n=st.sampled_from([1, 7]))
def test_point_kernels_agree_with_numpy(model, seed, spread, n):
    """Ground positions and Jacobians of points fixed in a random body and the Jacobian of a weighted
    sum of points fixed in random bodies, on random postures, to 1e-12 of their largest entry."""
    rng = np.random.default_rng(seed)
    frames = _random_frames(model, rng, spread, n)
    body, bodies = rng.choice(BODIES), rng.integers(0, len(BODIES), 9)
    points, weights = rng.normal(0.0, 0.5, (n, 9, 3)), rng.uniform(-1.0, 1.0, (n, 9))
    for function, args in (
        (frames.point, (body, rng.normal(size=3))),
        (frames.point, (body, rng.normal(size=(2, 4, 3)))),
        (frames.point_jacobian, (body, points)),
        (frames.weighted_point_jacobian, (bodies, points, weights)),
    ):
        compiled, reference = function(*args), _without_kernels(function, *args)
        np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-12 * np.abs(reference).max())


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 0.6), n=st.sampled_from([1, 7]))
def test_second_order_kernel_agrees_with_numpy(model, seed, spread, n):
    """The second-order sum of random points, directions, angular velocities and products on
    random postures, to 1e-12 of its largest entry."""
    rng = np.random.default_rng(seed)
    second = SecondOrder(_random_frames(model, rng, spread, n))
    for size in (1, 9):
        second.points(
            rng.integers(0, len(BODIES), size), rng.normal(0.0, 0.5, (n, size, 3)), rng.normal(size=(n, size, 3))
        )
    for body in rng.choice(BODIES, 3):  # a body drawn twice adds to itself
        second.direction(body, rng.normal(size=(n, 3)), rng.normal(size=(n, 3)))
        second.angular(body, rng.normal(size=(n, 3)))
    second.product(rng.normal(size=(n, len(COORDINATES), 3)), rng.normal(size=(n, 3, len(COORDINATES))))
    compiled, reference = second.matrix(), _without_kernels(second.matrix)
    np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-12 * np.abs(reference).max())


def test_second_order_kernel_with_nothing_added(model):
    """Nothing added: a zero matrix either way."""
    second = SecondOrder(body_frames(model.p, model.neutral()))
    assert not second.matrix().any() and not _without_kernels(second.matrix).any()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-5, 1e-3, 0.5, 3.0]))
def test_rotation_vector_kernel_agrees_with_numpy(seed, scale):
    """Rotation vectors, to 1e-12 rad, of rotations from near identity to near a half turn."""
    vectors = np.random.default_rng(seed).normal(0.0, scale, (9, 3))
    vectors *= np.minimum(1.0, 3.1 / np.linalg.norm(vectors, axis=1))[:, None]
    matrices = Rotation.from_rotvec(vectors).as_matrix()
    compiled = rotation_vector(matrices)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compiled, "ENABLED", False)
        reference = rotation_vector(matrices)
    np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-8, 1e-3, 0.03, 0.5, 1.5]))
def test_log_jacobian_kernels_agree_with_numpy(seed, scale):
    """The inverse log-map Jacobian and its derivative, to 1e-12, on both sides of their series' thresholds."""
    e = np.random.default_rng(seed).normal(0.0, scale, (9, 3))
    compiled = kkt._log_jacobian_inv(e), kkt._log_jacobian_inv_derivative(e)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compiled, "ENABLED", False)
        reference = kkt._log_jacobian_inv(e), kkt._log_jacobian_inv_derivative(e)
    for got, want in zip(compiled, reference, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 0.6), n=st.sampled_from([1, 7]))
def test_clinical_angle_kernel_agrees_with_numpy(model, seed, spread, n):
    """Every joint-coordinate-system clinical angle and its Jacobian, to 1e-12, on random postures."""
    q = model.neutral() + np.random.default_rng(seed).normal(0.0, spread, (n, len(model.neutral())))
    frames = body_frames(model.p, q)
    compiled = {name: clinical_angle_and_jacobian(frames, name) for name in CLINICAL_ANGLES}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compiled, "ENABLED", False)
        reference = {name: clinical_angle_and_jacobian(frames, name) for name in CLINICAL_ANGLES}
    for name, (angle, jacobian) in reference.items():
        np.testing.assert_allclose(compiled[name][0], angle, rtol=0, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(compiled[name][1], jacobian, rtol=0, atol=1e-12, err_msg=name)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 1.0), n=st.sampled_from([1, 7]))
def test_passive_kernel_agrees_with_numpy(model, seed, spread, n):
    """Passive generalized forces and stiffness of every curve form, to 1e-12 of each array's
    largest value, on random postures (out to the steep ends of the ranges)."""
    q = model.neutral() + np.random.default_rng(seed).normal(0.0, spread, (n, len(model.neutral())))
    joints = passive_joints(model)
    compiled = joints.moment_and_stiffness(q)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compiled, "ENABLED", False)
        reference = joints.moment_and_stiffness(q)
    for got, want in zip(compiled, reference, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * np.abs(want).max())


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 0.6))
def test_path_geometry_kernel_agrees_with_numpy(model, seed, spread):
    """Lengths, moment arms and crossing loads, to 1e-9 of each array's
    largest value, on random postures (coordinates spread about neutral, radians)."""
    q = model.neutral() + np.random.default_rng(seed).normal(0.0, spread, (7, len(model.neutral())))
    frames = body_frames(model.p, q)
    compiled, reference = muscles.path_geometry(model.muscles, frames), muscles._path_geometry(model.muscles, frames)
    for name in FIELDS:
        want = getattr(reference, name)
        np.testing.assert_allclose(getattr(compiled, name), want, rtol=0, atol=1e-9 * np.abs(want).max(), err_msg=name)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.0, 0.4), tight=st.floats(0.0, 0.3))
def test_fibre_tendon_kernel_agrees_with_numpy(model, seed, spread, tight):
    """Normalized fibre lengths at the fibre–tendon equilibrium, to 1e-12, on random postures
    (coordinates spread about neutral, radians) with random tightness."""
    rng = np.random.default_rng(seed)
    q = model.neutral() + rng.normal(0.0, spread, (7, len(model.neutral())))
    length = muscles.path_geometry(model.muscles, body_frames(model.p, q)).length
    tightness = rng.uniform(0.0, tight, length.shape)
    compiled = muscles.normalized_fiber_length(model.muscles, length, tightness)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_compiled, "ENABLED", False)
        reference = muscles.normalized_fiber_length(model.muscles, length, tightness)
    np.testing.assert_allclose(compiled, reference, rtol=1e-12, atol=0)


def test_simulate_agrees_with_and_without_the_kernels(model, monkeypatch):
    """A whole evaluation (posture, holding, statics) gives the same outputs either way."""
    inputs = {"task": "single_stance_r", "knee_valgus_r": [0.0, 8.0], "strength": {"gluteus_medius": [1.0, 0.1]}}
    fast = kc.simulate(model, **inputs)
    monkeypatch.setattr(_compiled, "ENABLED", False)
    plain = kc.simulate(model, **inputs)
    for name, value in plain.data_vars.items():
        if value.dtype.kind == "f":
            np.testing.assert_allclose(fast[name], value, rtol=1e-9, atol=1e-9, err_msg=name)


def test_active_set_kernel_agrees_with_numpy(model, monkeypatch):
    """The force sharing's batched active set on the model's own problems (single stance with weak
    abductors, whose reserves make many elements cycle, and squats): the same elements settle, with
    the same activations to 1e-9."""
    from kinechain.mechanics import sharing

    seen = []

    def record(a, tau, **kwargs):
        out = share_forces(a, tau, **kwargs)
        seen.append((a, tau))
        return out

    monkeypatch.setattr(sharing, "share_forces", record)
    kc.propagate(model, task="single_stance_r", knee_valgus_r=[0.0, 10.0], strength={"gluteus_medius": [1.0, 0.2]})
    kc.propagate(model, task="single_leg_squat_r", knee_flexion=[20.0, 60.0], knee_valgus_r=[0.0, 10.0])
    a, tau = (np.concatenate(x) for x in zip(*seen, strict=True))
    r2, start = sharing.RESERVE_SCALE**2, np.zeros((a.shape[0], a.shape[2]))
    compiled, settled = _kernels.active_set(a, tau, r2, 1e-9, start, sharing.MAX_ACTIVE_SET_ITERATIONS)
    reference, expected = sharing._active_set(a, tau, r2, 1e-9, start, sharing.MAX_ACTIVE_SET_ITERATIONS)
    assert settled.tolist() == expected.tolist() and settled.any() and not settled.all()
    np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-9)
