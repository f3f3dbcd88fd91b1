"""The posture energy: joint stiffness ``K`` and the generalized force ``d`` the muscles cannot supply.

For every batch element the posture minimizes ``E(q) = ½ (q − q₀)ᵀ K (q − q₀) + dᵀ (q − q₀)``
(see :mod:`kinechain.posture.solver`). ``K`` is passive joint stiffness plus the short-range
stiffness of the muscles holding the posture; ``d`` is the holding deficit: the reserve moments
of the static force sharing at the posture (non-zero only where weak muscles run out of
capacity) minus the extra passive pull of tight muscles. Constants and their sources are in
``data/stiffness.toml``.
"""

from __future__ import annotations

import numpy as np

from .._data import read_toml
from ..body.anthropometry import GRAVITY
from ..body.chain import Frames
from ..body.topology import BODIES, COORDINATES, LUMBAR_LEVELS, TRANSLATIONS, joint_coordinates
from ..mechanics.external import EQUILIBRIUM, JOINTS, equilibrium_axes
from ..mechanics.muscles import PathGeometry, force_length_passive, normalized_fiber_length, pennation_cosine
from ..mechanics.sharing import muscle_equilibrium
from .conditions import Conditions

#: Stiffness of the pelvis's six free coordinates (N·m/rad, N/m): regularization of a free body,
#: small enough to change no solved posture.
FREE_BODY_STIFFNESS = 1e-6
#: Lumbar stiffness keys of ``data/stiffness.toml`` → (coordinate, share of the level parameters).
_LUMBAR = (
    ("flexion", "lumbar_extension", "extension"),
    ("bending", "lumbar_bending", "bending"),
    ("rotation", "lumbar_rotation", "rotation"),
)


def stiffness_data() -> dict:
    """Stiffness constants and their sources (``data/stiffness.toml``)."""
    return read_toml("stiffness.toml")


def stiffness(cond: Conditions, neutral: Frames, geometry: PathGeometry, com: np.ndarray) -> np.ndarray:
    """``K`` (n, 25, 25): passive joint stiffness plus muscle short-range stiffness.

    Parameters
    ----------
    cond : Conditions
        Strengths of the batch (muscle stiffness scales with strength).
    neutral, geometry : Frames, PathGeometry
        Frames and muscle paths of the neutral posture (one posture).
    com : ndarray (3,)
        Whole-body centre of mass of the neutral posture (m).
    """
    model = cond.model
    data = stiffness_data()
    passive = np.zeros(len(COORDINATES))
    for i, name in enumerate(COORDINATES):
        base = name[:-2] if name[-2:] in ("_r", "_l") else name
        passive[i] = data["passive"].get(base, 0.0)
    # lumbar levels in series, each turning by its share f of the coordinate: K = k Σ f²
    for key, coord, share in _LUMBAR:
        fractions = np.array([model.parameters[f"{level}_{share}_fraction"] for level in LUMBAR_LEVELS])
        passive[COORDINATES.index(coord)] = data["passive"][f"lumbar_{key}_per_level"] * np.sum(fractions**2)
    # Both ankles together carry a fraction of m·g·h (Loram & Lakie 2002).
    mgh = model.subject.mass * GRAVITY * (com[1] - neutral.origins[0, BODIES.index("talus_r"), 1])
    for side in "rl":
        passive[COORDINATES.index(f"ankle_angle_{side}")] = 0.5 * data["ankle"]["fraction_of_mgh"] * mgh
    for name in (*TRANSLATIONS, *joint_coordinates("pelvis")):
        passive[COORDINATES.index(name)] = FREE_BODY_STIFFNESS
    muscles = model.muscles
    k_muscle = (
        data["muscle"]["short_range_gamma"]
        * data["muscle"]["postural_activation"]
        * cond.strength
        * muscles.max_isometric_force
        / muscles.optimal_fiber_length
    )  # (n, M) N/m
    r = geometry.moment_arm[0]  # (M, 25) at the neutral posture
    return np.diag(passive) + np.einsum("nm,mi,mj->nij", k_muscle, r, r)


def holding_deficit(cond: Conditions, frames: Frames) -> np.ndarray:
    """Generalized force (n, 25) the muscles cannot supply at the postures ``frames``.

    The holding pattern is that of typical (not tight) muscles: reserves of the force sharing
    with the user's strengths, mapped onto the coordinates, minus the extra passive pull of
    tight muscles.
    """
    model = cond.model
    muscles = model.muscles
    typical = np.zeros_like(cond.tightness)
    sharing = muscle_equilibrium(
        model, frames, cond.task.stance, cond.strength, typical, cond.load_mass, cond.load_distance
    )
    axes = equilibrium_axes(frames)
    deficit = np.zeros((cond.n, len(COORDINATES)))
    for row, (joint, name) in enumerate(EQUILIBRIUM):
        if name in COORDINATES:
            deficit[:, COORDINATES.index(name)] += sharing.reserve[:, row]
            continue
        body = JOINTS[joint]
        b = BODIES.index(body)
        for j, coord in enumerate(joint_coordinates(body)):
            along = np.einsum("ni,ni->n", frames.joint_axes[:, b, :, j], axes[:, row])
            deficit[:, COORDINATES.index(coord)] += sharing.reserve[:, row] * along
    length = sharing.geometry.length
    tight = normalized_fiber_length(muscles, length, cond.tightness)
    loose = normalized_fiber_length(muscles, length, typical)
    extra = (
        muscles.max_isometric_force
        * (force_length_passive(tight) - force_length_passive(loose))
        * pennation_cosine(muscles, loose)
    )
    return deficit - np.einsum("nm,nmi->ni", extra, sharing.geometry.moment_arm)
