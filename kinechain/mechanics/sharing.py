"""Muscle force sharing: static optimization over a batch, and the muscle equilibrium of postures.

Minimize ``Σ aᵖ + Σ (ρ/R)²`` subject to moment equilibrium at every :data:`EQUILIBRIUM` axis and
``0 ≤ a ≤ 1``; reserve actuators ``ρ`` take what the muscles cannot and are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..body.chain import Frames
from .external import (
    EQUILIBRIUM,
    GroundReaction,
    equilibrium_axes,
    external_loads,
    ground_reaction,
    joint_loads,
    muscle_joint_moments,
)
from .muscles import (
    PathGeometry,
    force_length_active,
    force_length_passive,
    normalized_fiber_length,
    path_geometry,
    pennation_cosine,
)

#: The cubic cost's floored slope can stall the line search short of the quadratic cost's
#: tolerance; its equilibrium is accepted at this fraction of the largest demand (well under
#: 1 mN·m for joint moments of ~100 N·m).
CUBIC_TOLERANCE = 1e-5
#: Smallest activation at which the cubic cost's activation slope ``1/(6a)`` is evaluated.
CUBIC_SLOPE_FLOOR = 1e-3
#: Step halvings of the line search before an iteration gives up on sufficient decrease.
LINE_SEARCH_HALVINGS = 40

#: Reserve actuator scale R (N·m) of the force sharing: cost (ρ/R)², heavily penalized.
RESERVE_SCALE = 0.01
#: Reserve moments above this (N·m) mark a result infeasible: the muscles cannot hold it.
RESERVE_LIMIT = 0.5


def share_forces(
    moment_per_activation: np.ndarray,
    demand: np.ndarray,
    reserve_scale: float = 1.0,
    exponent: int = 2,
    tol: float = 1e-9,
    max_iter: int = 500,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Static optimization over a batch: ``min Σ aᵖ + Σ (ρ/R)²`` with ``A a + ρ = τ``, ``0 ≤ a ≤ 1``.

    Solved through the dual by a batched (semismooth) Newton method: for multipliers ``λ`` the
    optimal activations are ``a(λ) = clip((Aᵀλ / p)^{1/(p−1)}, 0, 1)`` and reserves
    ``ρ(λ) = R² λ / 2``; Newton's method drives ``A a(λ) + ρ(λ) − τ`` to zero with a backtracking
    line search on the convex dual objective. For ``p = 3`` the slope of ``a(λ)`` is unbounded at
    zero activation and is floored, which keeps a descent direction but slows convergence.
    No optimizer is called per pose.

    Parameters
    ----------
    moment_per_activation : ndarray (n, D, M)
        ``A``: joint moment of each muscle at full activation (N·m).
    demand : ndarray (n, D)
        ``τ``: net joint moments the muscles must supply (N·m).
    reserve_scale : float
        ``R`` (N·m): reserve actuators cost ``(ρ/R)²``; small ``R`` = heavily penalized.
    exponent : {2, 3}
        ``p``: the activation cost exponent.

    Returns
    -------
    activation : ndarray (n, M)
    reserve : ndarray (n, D)
        Reserve moments (N·m).
    converged : ndarray (n,) of bool
    """
    if exponent not in (2, 3):
        raise ValueError(f"exponent must be 2 or 3; got {exponent!r}")
    a_mat = np.asarray(moment_per_activation, dtype=float)
    tau = np.asarray(demand, dtype=float)
    r2 = reserve_scale**2
    tol = tol if exponent == 2 else max(tol, CUBIC_TOLERANCE)
    act, lam, converged = _dual_newton(a_mat, tau, r2, exponent, tol, max_iter)
    return act, r2 * lam / 2.0, converged


def _dual_newton(a_mat, tau, r2, p, tol, max_iter):
    """``min Σ aᵖ + Σ ρ²/R²`` for a batch, by (semismooth) Newton on the dual (see share_forces)."""
    n, d, _ = a_mat.shape
    lam = np.zeros((n, d))

    def activation(a_mat, lam):
        z = (lam[:, None, :] @ a_mat)[:, 0]
        if p == 2:
            act = np.clip(z / 2.0, 0.0, 1.0)
            slope = np.where((z > 0) & (z < 2.0), 0.5, 0.0)
        else:  # a = clip(√(z/3)); its slope 1/(6a) is floored near a = 0 (a descent direction still)
            act = np.clip(np.sqrt(np.maximum(z, 0.0) / 3.0), 0.0, 1.0)
            slope = np.where((z > 0) & (act < 1.0), 1.0 / (6.0 * np.maximum(act, CUBIC_SLOPE_FLOOR)), 0.0)
        return z, act, slope

    def dual(lam, tau, z, act):
        # θ(λ) = Σ_m [z a − aᵖ] + Σ_d R²λ²/4 − τ·λ: convex, with gradient A a + ρ − τ
        return np.sum(z * act - act**p, axis=1) + r2 * np.sum(lam**2, axis=1) / 4.0 - np.sum(tau * lam, axis=1)

    scale = 1.0 + np.abs(tau).max(axis=1)
    converged = np.zeros(n, dtype=bool)
    act = np.zeros((n, a_mat.shape[2]))
    todo = np.arange(n)
    for _ in range(max_iter):
        am, tm, lm = a_mat[todo], tau[todo], lam[todo]
        z, at, slope = activation(am, lm)
        resid = (am @ at[..., None])[..., 0] + r2 * lm / 2.0 - tm
        done = np.abs(resid).max(axis=1) <= tol * scale[todo]
        act[todo] = at
        converged[todo[done]] = True
        keep = ~done
        todo, am, tm, lm = todo[keep], am[keep], tm[keep], lm[keep]
        if todo.size == 0:
            break
        z, at, slope, resid = z[keep], at[keep], slope[keep], resid[keep]
        value = dual(lm, tm, z, at)
        hess = (am * slope[:, None, :]) @ am.transpose(0, 2, 1) + (r2 / 2.0) * np.eye(d)
        step = -np.linalg.solve(hess, resid[..., None])[..., 0]
        t = np.ones(todo.size)
        for _ls in range(LINE_SEARCH_HALVINGS):
            trial = lm + t[:, None] * step
            zt, att, _ = activation(am, trial)
            ok = dual(trial, tm, zt, att) <= value + 1e-4 * t * np.sum(resid * step, axis=1)
            if ok.all():
                break
            t = np.where(ok, t, 0.5 * t)
        lam[todo] = lm + t[:, None] * step
    return act, lam, converged


@dataclass(frozen=True)
class Sharing:
    """Net joint loads of a batch of postures and the muscle forces that balance them.

    Attributes
    ----------
    grf : GroundReaction
    joints : dict
        Net joint loads (:func:`joint_loads`).
    geometry : PathGeometry
        Muscle paths at the postures.
    activation : ndarray (n, M)
    reserve : ndarray (n, D)
        Reserve moments at :data:`EQUILIBRIUM` (N·m).
    tension : ndarray (n, M)
        Active plus passive tendon force (N).
    converged : ndarray (n,) of bool
    """

    grf: GroundReaction
    joints: dict
    geometry: PathGeometry
    activation: np.ndarray
    reserve: np.ndarray
    tension: np.ndarray
    converged: np.ndarray


def muscle_equilibrium(
    model,
    frames: Frames,
    stance: tuple[str, ...],
    strength: np.ndarray,
    tightness: np.ndarray,
    load_mass: np.ndarray,
    load_distance: np.ndarray,
    exponent: int = 2,
) -> Sharing:
    """Inverse statics and force sharing at the postures ``frames``.

    Parameters
    ----------
    model : Model
    frames : Frames
        Segment frames of the n postures.
    stance : tuple of str
        Sides whose foot is on the ground.
    strength, tightness : ndarray (n, M)
        Strength factor (1) and tendon slack shortening (optimal fibre lengths) of every line.
    load_mass, load_distance : ndarray (n,)
        Mass held in the hands (kg) and its distance in front of L5/S1 (m).
    exponent : {2, 3}
        Activation cost exponent (:func:`share_forces`).
    """
    muscles = model.muscles
    loads = external_loads(model, frames, load_mass, load_distance)
    grf = ground_reaction(model, frames, stance, loads)
    joints = joint_loads(frames, loads, grf)
    geometry = path_geometry(muscles, frames)
    axes = equilibrium_axes(frames)
    demand = np.stack(
        [np.einsum("ni,ni->n", joints[j][1], axes[:, row]) for row, (j, _) in enumerate(EQUILIBRIUM)], axis=1
    )
    per_newton = muscle_joint_moments(geometry, frames)
    length = normalized_fiber_length(muscles, geometry.length, tightness)
    cos_penn = pennation_cosine(muscles, length)
    capacity = strength * muscles.max_isometric_force * force_length_active(length) * cos_penn
    passive = muscles.max_isometric_force * force_length_passive(length) * cos_penn
    act, reserve, converged = share_forces(
        per_newton * capacity[:, None, :],
        demand - np.einsum("ndm,nm->nd", per_newton, passive),
        reserve_scale=RESERVE_SCALE,
        exponent=exponent,
    )
    return Sharing(grf, joints, geometry, act, reserve, act * capacity + passive, converged)
