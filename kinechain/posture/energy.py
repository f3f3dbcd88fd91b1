"""The posture energy: the joints' passive energy ``V``, muscle stiffness ``K`` and the
generalized force ``d`` the muscles cannot supply.

For every batch element the posture minimizes
``E(q) = V(q) + ½ (q − q₀)ᵀ K (q − q₀) + dᵀ (q − q₀)`` (see :mod:`kinechain.posture.solver`).
``V`` is the passive elastic energy of the joints (:mod:`kinechain.mechanics.passive`, the same
passive moments the statics subtracts from the net joint moments); ``K`` is the short-range
stiffness of the muscles holding the posture; ``d`` is the holding deficit: the reserve moments
of the static force sharing at the posture (non-zero only where weak muscles run out of
capacity) minus the extra passive pull of tight muscles. Constants and their sources are in
``data/passive.toml`` and ``data/stiffness.toml``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._data import read_toml
from ..body.chain import Frames
from ..body.topology import BODIES, COORDINATES, TRANSLATIONS, joint_coordinates
from ..mechanics.external import COORDINATE_ROWS, EQUILIBRIUM, JOINTS, ROW_COORDINATES
from ..mechanics.muscles import PathGeometry, force_length_passive, normalized_fiber_length, pennation_cosine
from ..mechanics.passive import passive_joints
from ..mechanics.sharing import RESERVE_SCALE, Sharing, muscle_equilibrium
from .conditions import Conditions

#: Stiffness of the pelvis's six free coordinates (N·m/rad, N/m): regularization of a free body,
#: small enough to change no solved posture.
FREE_BODY_STIFFNESS = 1e-6
#: Reserve moments up to this (N·m) are the force sharing's leakage, not a deficit. Where the
#: muscles can hold a posture, the quadratic penalty still lets reserves of about ``R² a / |A|``
#: through (1e-6 to 5e-5 N·m in single and double stance, single-leg squats and lifts at
#: R = 0.01 N·m); they would move the posture by about 1e-8 to 1e-7 rad. A posture the muscles
#: hold has no deficit.
RESERVE_LEAKAGE = 1e-4


#: The regularization of the free pelvis (n_q, n_q): :data:`FREE_BODY_STIFFNESS` on the diagonal
#: at the translations and the pelvis's rotations.
_FREE_BODY = np.diag(
    [FREE_BODY_STIFFNESS if c in (*TRANSLATIONS, *joint_coordinates("pelvis")) else 0.0 for c in COORDINATES]
)


def stiffness_data() -> dict:
    """Stiffness constants and their sources (``data/stiffness.toml``)."""
    return read_toml("stiffness.toml")


def stiffness(cond: Conditions, geometry: PathGeometry) -> np.ndarray:
    """``K`` (n, n_q, n_q): muscle short-range stiffness, and a regularization of the free pelvis.

    The joints' passive stiffness is not in ``K``: it is the curvature of the passive energy at
    each iterate (:func:`passive_energy`).

    Parameters
    ----------
    cond : Conditions
        Strengths of the batch (muscle stiffness scales with strength).
    geometry : PathGeometry
        Muscle paths of the neutral posture (one posture).
    """
    data = stiffness_data()
    muscles = cond.model.muscles
    k_muscle = (
        data["muscle"]["short_range_gamma"]
        * data["muscle"]["postural_activation"]
        * cond.strength
        * muscles.max_isometric_force
        / muscles.optimal_fiber_length
    )  # (n, M) N/m
    r = geometry.moment_arm[0]  # (M, n_q) at the neutral posture
    # Σ_m k_m r_m r_mᵀ for the whole batch as one matrix product, over the coordinates some muscle crosses
    spanned = np.flatnonzero(r.any(axis=0))
    r = r[:, spanned]
    k = len(spanned)
    block = (k_muscle @ (r[:, :, None] * r[:, None, :]).reshape(-1, k * k)).reshape(-1, k, k)
    out = np.zeros((cond.n, len(COORDINATES), len(COORDINATES)))
    out[:, spanned[:, None], spanned] = block
    out += _FREE_BODY
    return out


def passive_energy(cond: Conditions, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient (n, n_q) and Hessian (n, n_q, n_q) of the joints' passive energy ``V`` at ``q``.

    The gradient is minus the passive moments the statics uses
    (:meth:`kinechain.mechanics.passive.PassiveJoints.moment`); the Hessian is diagonal.
    """
    moment, k = passive_joints(cond.model).moment_and_stiffness(q)
    hess = np.zeros(k.shape + k.shape[-1:])
    hess.reshape(k.shape[0], -1)[:, :: k.shape[1] + 1] = k
    return -moment, hess


#: Row, joint body, joint axis and coordinate of every term mapping a reserve about a lumbar level's
#: disc axis onto the level's coordinates.
_LEVEL_TERMS = tuple(
    np.array(column)
    for column in zip(
        *(
            (row, BODIES.index(JOINTS[joint]), j, COORDINATES.index(coordinate))
            for row, (joint, name) in enumerate(EQUILIBRIUM)
            if name not in COORDINATES
            for j, coordinate in enumerate(joint_coordinates(JOINTS[joint]))
        ),
        strict=True,
    )
)


class Holding(NamedTuple):
    """What holding a batch of postures takes (:func:`holding`).

    Attributes
    ----------
    deficit : ndarray (n, n_q)
        Generalized force the muscles cannot supply (N·m, N): the sharing's reserves beyond
        :data:`RESERVE_LEAKAGE` mapped onto the coordinates, minus the extra passive pull of tight
        muscles; zero where typical-tightness muscles hold the posture.
    effort : ndarray (n,)
        The sharing's objective at its solution, ``Σ a² + Σ (ρ/R)²`` (1).
    converged : ndarray (n,) of bool
        Whether the sharing converged.
    sharing : Sharing
        The force sharing itself.
    """

    deficit: np.ndarray
    effort: np.ndarray
    converged: np.ndarray
    sharing: Sharing


def holding(cond: Conditions, q: np.ndarray, frames: Frames) -> Holding:
    """Holding deficit and muscular effort at the postures ``q`` (frames ``frames``).

    The holding pattern is that of typical (not tight) muscles: the force sharing, quadratic cost,
    with the user's strengths (after the joints' passive moments, as in the statics).
    """
    model = cond.model
    muscles = model.muscles
    typical = np.zeros_like(cond.tightness)
    sharing = muscle_equilibrium(
        model, q, frames, cond.task.stance, cond.strength, typical, cond.load_mass, cond.load_distance
    )
    reserve = np.where(np.abs(sharing.reserve) > RESERVE_LEAKAGE, sharing.reserve, 0.0)
    deficit = np.zeros((cond.n, len(COORDINATES)))
    # a reserve at a coordinate's own axis is that coordinate's; one about a disc axis acts on each
    # coordinate of the level along that coordinate's joint axis
    deficit[:, ROW_COORDINATES] += reserve[:, COORDINATE_ROWS]
    row, body, axis, coordinate = _LEVEL_TERMS
    along = np.einsum("nti,nti->nt", frames.joint_axes.transpose(0, 1, 3, 2)[:, body, axis], sharing.axes[:, row])
    np.add.at(deficit, (slice(None), coordinate), reserve[:, row] * along)
    # the extra pull of tight muscles, where some are tight
    tight = np.flatnonzero(cond.tightness.any(axis=1))
    if tight.size:
        length = sharing.geometry.length[tight]
        short = normalized_fiber_length(muscles, length, cond.tightness[tight])
        loose = normalized_fiber_length(muscles, length, typical[tight])
        extra = (
            muscles.max_isometric_force
            * (force_length_passive(short) - force_length_passive(loose))
            * pennation_cosine(muscles, loose)
        )
        deficit[tight] -= np.einsum("nm,nmi->ni", extra, sharing.geometry.moment_arm[tight])
    effort = np.sum(sharing.activation**2, axis=1) + np.sum((sharing.reserve / RESERVE_SCALE) ** 2, axis=1)
    return Holding(deficit, effort, sharing.converged, sharing)
