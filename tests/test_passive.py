"""The joints' passive elastic moments: derivatives of one energy, recomposed by the lumbar levels,
and the data they come from."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import postures

from kinechain._data import read_toml
from kinechain.body.chain import body_frames
from kinechain.body.topology import BODIES, COORDINATES, LUMBAR_LEVELS, LUMBAR_VERTEBRAE
from kinechain.mechanics.external import EQUILIBRIUM, equilibrium_axes
from kinechain.mechanics.kinematics import coordinate_array
from kinechain.mechanics.passive import (
    FREE,
    LEVEL_MOTIONS,
    base_name,
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
    rows = equilibrium_moments(passive, q, frames)
    axes = equilibrium_axes(frames)
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
    np.testing.assert_allclose(equilibrium_moments(passive, q, body_frames(model.p, q)), 0.0, atol=1e-12)


def test_restoring_and_as_the_data_say(model):
    """A linear curve: the moment opposes the deviation by the stiffness in the table; a lumbar
    coordinate's stiffness is that of its N motion segments in series, k/N, and every level carries
    the same moment."""
    passive = passive_joints(model)
    data = passive_data()
    q = np.tile(model.neutral(), (1, 1))
    for name in ("knee_adduction_r", "hip_rotation_l", "lumbar_rotation"):
        i = COORDINATES.index(name)
        dq = q.copy()
        dq[0, i] += np.radians(2.0)
        k = data[base_name(name)]["stiffness"]
        if name.startswith("lumbar"):
            k = k / len(LUMBAR_LEVELS)
            np.testing.assert_allclose(passive.level_moments(dq)[0, :, 2], -k * np.radians(2.0), rtol=1e-12)
        np.testing.assert_allclose(passive.moment(dq)[0, i], -k * np.radians(2.0), rtol=1e-12)


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


def test_every_number_has_a_source():
    data = passive_data()
    for name, table in data.items():
        if name == "sources":
            continue
        assert table["source"] in data["sources"], name
        assert table.get("note"), name
