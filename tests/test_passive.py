"""The joints' passive elastic moments: derivatives of one energy, recomposed by the lumbar levels,
and the data they come from."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import postures

from kinechain._data import read_toml
from kinechain.body.anthropometry import GRAVITY
from kinechain.body.chain import body_frames
from kinechain.body.topology import BODIES, COORDINATES, LUMBAR_LEVELS, LUMBAR_VERTEBRAE
from kinechain.mechanics.external import EQUILIBRIUM, centre_of_mass, equilibrium_axes, external_loads
from kinechain.mechanics.kinematics import coordinate_array
from kinechain.mechanics.passive import (
    FREE,
    LEVEL_MOTIONS,
    equilibrium_moments,
    level_moment_vectors,
    passive_data,
    passive_joints,
)

#: Central-difference step (rad).
STEP = 1e-6


@settings(max_examples=15)
@given(q=postures(n=3))
def test_moments_and_stiffness_are_the_derivatives_of_the_energy(model, q):
    passive = passive_joints(model)
    q = coordinate_array(q)
    moment, stiffness = passive.moment(q), passive.stiffness(q)
    for i in range(len(COORDINATES)):
        dq = np.zeros(len(COORDINATES))
        dq[i] = STEP
        slope = (passive.energy(q + dq) - passive.energy(q - dq)) / (2 * STEP)
        np.testing.assert_allclose(-slope, moment[:, i], rtol=1e-6, atol=1e-6)
        curvature = -(passive.moment(q + dq)[:, i] - passive.moment(q - dq)[:, i]) / (2 * STEP)
        np.testing.assert_allclose(curvature, stiffness[:, i], rtol=1e-6, atol=1e-6)
    # the energy is separable: moving one coordinate changes no other coordinate's moment
    q2 = q.copy()
    q2[:, COORDINATES.index("hip_flexion_r")] += 0.1
    others = [i for i, c in enumerate(COORDINATES) if c != "hip_flexion_r"]
    np.testing.assert_array_equal(passive.moment(q2)[:, others], moment[:, others])
    assert np.all(stiffness[:, [COORDINATES.index(c) for c in FREE]] == 0.0)


@settings(max_examples=15)
@given(q=postures(n=3))
def test_lumbar_level_moments_recompose_the_coordinates_moments(model, q):
    """The levels' moment vectors, each on the vertebra above, do the work of the lumbar
    coordinates: Σ_levels M_ℓ · ∂ω_ℓ/∂q̇ = −∂V/∂q for each lumbar coordinate."""
    passive = passive_joints(model)
    q = coordinate_array(q)
    frames = body_frames(model.p, q)
    vectors = level_moment_vectors(passive, q, frames)
    moment = passive.moment(q)
    for k, motion in enumerate(LEVEL_MOTIONS):
        coordinate = ("lumbar_extension", "lumbar_bending", "lumbar_rotation")[k]
        work = sum(
            np.einsum("ni,ni->n", vectors[:, level], frames.joint_axes[:, BODIES.index(vertebra), :, k])
            for level, vertebra in enumerate(LUMBAR_VERTEBRAE)
        )
        np.testing.assert_allclose(work, moment[:, COORDINATES.index(coordinate)], rtol=1e-9, atol=1e-9, err_msg=motion)
    # the equilibrium rows of a lumbar level are its vector on the disc axes; a hip row is its coordinate's
    axes = equilibrium_axes(frames)
    rows = equilibrium_moments(passive, q, frames, axes)
    for row, (joint, name) in enumerate(EQUILIBRIUM):
        if joint in ("l5s1", "l4l5"):
            expected = np.einsum("ni,ni->n", vectors[:, LUMBAR_LEVELS.index(joint)], axes[:, row])
        else:
            expected = moment[:, COORDINATES.index(name)]
        np.testing.assert_allclose(rows[:, row], expected, rtol=1e-12, atol=1e-12)


def test_neutral_posture_carries_no_passive_moment(model):
    passive = passive_joints(model)
    q = model.neutral()[None]
    np.testing.assert_array_equal(passive.moment(q), 0.0)
    frames = body_frames(model.p, q)
    np.testing.assert_allclose(equilibrium_moments(passive, q, frames, equilibrium_axes(frames)), 0.0, atol=1e-15)


def _moment_at(model, name, degrees):
    q = np.tile(model.neutral(), (len(degrees), 1))
    q[:, COORDINATES.index(name)] += np.radians(degrees)
    return passive_joints(model).moment(q)[:, COORDINATES.index(name)]


def test_curves_are_restoring_and_as_the_data_say(model):
    data = passive_data()
    # linear: the table's stiffness
    np.testing.assert_allclose(
        _moment_at(model, "knee_adduction_r", [2.0]), -data["knee_adduction"]["stiffness"] * np.radians(2.0)
    )
    # lumbar: N reference segments in series (k × preload / N), every level carrying the same moment;
    # extension stiffer than flexion
    table = data["lumbar_rotation"]
    k = table["stiffness"] * table["preload_factor"] / len(LUMBAR_LEVELS)
    np.testing.assert_allclose(_moment_at(model, "lumbar_rotation", [2.0]), -k * np.radians(2.0), rtol=1e-12)
    q = np.tile(model.neutral(), (1, 1))
    q[0, COORDINATES.index("lumbar_rotation")] += np.radians(2.0)
    np.testing.assert_allclose(passive_joints(model).level_moments(q)[0, :, 2], -k * np.radians(2.0), rtol=1e-12)
    extension, flexion = _moment_at(model, "lumbar_extension", [20.0, -20.0])
    assert extension < 0 < flexion
    ext = data["lumbar_extension"]
    q = np.tile(model.neutral(), (2, 1))
    q[:, COORDINATES.index("lumbar_extension")] += np.radians([20.0, -20.0])
    slopes = passive_joints(model).stiffness(q)[:, COORDINATES.index("lumbar_extension")]
    expected = np.array([ext["stiffness"], ext["flexion_stiffness"]]) * ext["preload_factor"] / len(LUMBAR_LEVELS)
    np.testing.assert_allclose(slopes, expected, rtol=0.01)
    # hip capsule in rotation (van Arkel 2015): about zero within ±20°, about 5 N·m at ±35°
    inner = _moment_at(model, "hip_rotation_l", np.linspace(-20.0, 20.0, 9))
    assert np.abs(inner).max() < 0.6
    ends = _moment_at(model, "hip_rotation_r", [35.0, -35.0])
    np.testing.assert_allclose(ends, [-5.0, 5.0], rtol=0.1)


def test_ankle_stiffness_falls_with_amplitude_as_measured(model):
    """Loram et al. 2007: chordal stiffness of the passive calf (both ankles) 1.01 m·g·h at 0.03°,
    ∝ amplitude^−0.33 (0.19 ± 0.05 m·g·h measured at 7°)."""
    passive = passive_joints(model)
    i = COORDINATES.index("ankle_angle_r")
    # m·g·h from the subject: h the height of the whole-body centre of mass above the ankle centres
    neutral = body_frames(model.p, model.neutral()[None])
    com = centre_of_mass(external_loads(model, neutral))[0]
    h = com[1] - neutral.origins[0, BODIES.index("talus_r"), 1]
    mgh = model.subject.mass * GRAVITY * h
    assert 0.8 < h < 1.1
    q = np.tile(model.neutral(), (3, 1))
    amplitudes = np.radians([0.03, 1.0, 7.0])
    q[:, i] += amplitudes
    chordal = -2 * passive.moment(q)[:, i] / amplitudes / mgh  # both ankles, in m·g·h per rad
    assert chordal[0] == pytest.approx(1.01, rel=0.02)  # the rounding below 0.03° costs under 2 %
    assert chordal[2] / chordal[1] == pytest.approx(7.0**-0.33, rel=1e-3)
    assert 0.14 < chordal[2] < 0.24


def test_every_joint_coordinate_needs_a_curve(model, monkeypatch):
    from kinechain.mechanics import passive as module

    data = dict(read_toml("passive.toml"))
    del data["knee_rotation"]
    monkeypatch.setattr(module, "passive_data", lambda: data)
    module.passive_joints.cache_clear()
    other = replace(model)  # a new model object: not served from the cache
    try:
        with pytest.raises(ValueError, match="knee_rotation_r.*data/passive.toml"):
            module.passive_joints(other)
    finally:
        module.passive_joints.cache_clear()


def test_every_curve_has_a_source_and_a_note():
    data = passive_data()
    for name, table in data.items():
        if name == "sources":
            continue
        assert table["source"] in data["sources"], name
        assert table.get("note"), name
