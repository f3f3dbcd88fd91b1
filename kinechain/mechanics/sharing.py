"""Muscle force sharing: static optimization over a batch, and the muscle equilibrium of postures.

Minimize ``Σ aᵖ + Σ (ρ/R)²`` subject to moment equilibrium at every :data:`EQUILIBRIUM` axis and
``0 ≤ a ≤ 1``; reserve actuators ``ρ`` take what the muscles cannot and are reported. At every
axis, muscle + passive + reserve moment = net joint moment: the passive elastic moments of the
joints (:mod:`kinechain.mechanics.passive`) carry their part first.
"""

from __future__ import annotations

from dataclasses import dataclass

import daqp
import numpy as np

from .._compiled import enabled
from ..body.chain import Frames
from . import _kernels
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
from .passive import equilibrium_moments, passive_joints

#: Interior-point iterations at most (cubic cost): every model problem tried needed at most 31
#: (2,000 single-stance postures at R = 0.01 N·m); the count does not grow as R shrinks.
MAX_INTERIOR_ITERATIONS = 60
#: The interior point of the cubic cost stops when its optimality residual and complementarity gap
#: (in units of the activation cost's gradient, beyond what rounding of the gradient leaves) are
#: below this.
INTERIOR_TOLERANCE = 1e-10
#: Share of the distance to a bound an interior-point step may take.
FRACTION_TO_BOUNDARY = 0.995
#: Newton steps of the cubic cost's finish, over activations farther than ACTIVE_BOUND from 0 and 1.
MAX_CUBIC_NEWTON_ITERATIONS = 8
ACTIVE_BOUND = 1e-7
#: Relative rounding of a double (about 2.2e-16) times a safety factor: an equilibrium residual
#: within that share of ``|A| |A|ᵀ |λ|`` is as small as floating-point arithmetic can make it.
ROUNDING = 16 * np.finfo(float).eps
#: Batched active-set iterations of the quadratic cost; an element whose active set has not settled
#: by then is solved on its own by the dual active-set method (``daqp``). On the model's problems
#: (single stance, double stance, single-leg squat at R = 0.01 N·m) every double-stance element
#: settled within 10, and about half of the single-stance ones, whose heavily used reserves make
#: the batched iteration cycle.
MAX_ACTIVE_SET_ITERATIONS = 10
#: Iterations at most of the batched active-set method from the active set ``daqp`` found: one or
#: two where ``daqp`` solved the problem with the reserves as variables; up to about 20 from the
#: eliminated form at penalties 100 times the model's (R = 1e-4 N·m).
POLISH_ITERATIONS = 20
#: Primal feasibility tolerance of ``daqp`` (its default, 1e-6, leaves activations wrong by ~1e-9).
DAQP_PRIMAL_TOLERANCE = 1e-12
#: ``daqp``'s constraint sense of an equality, and its exit flag of a solved problem.
DAQP_EQUALITY = 5
DAQP_OPTIMAL = 1

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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Static optimization over a batch: ``min Σ aᵖ + Σ (ρ/R)²`` with ``A a + ρ = τ``, ``0 ≤ a ≤ 1``.

    Quadratic cost (``p = 2``), exactly, in two stages:

    1. A batched primal–dual active-set method on the activations (reserves eliminated,
       ``ρ = τ − A a``): each iteration solves, for every element at once, the optimality
       conditions with the activations of its active set held at 0 or 1, through the ``D × D``
       system ``(R² I + A_F A_Fᵀ) ρ = R² (τ − A_U 1)`` (``F`` free, ``U`` at 1; one step of
       iterative refinement), and moves to the bounds the activations that cross them and off
       them those whose multipliers have the wrong sign. An element is solved when its active set
       repeats: the point is then the exact optimum.
    2. Elements still changing after :data:`MAX_ACTIVE_SET_ITERATIONS` (the batched iteration can
       cycle where reserves carry much) are solved one by one by ``daqp``'s dual active-set method
       (finite), and the batched method then finishes each on the active set ``daqp`` found, for
       at most :data:`POLISH_ITERATIONS`.

    Cubic cost (``p = 3``): a batched primal–dual interior-point method (reserves eliminated;
    Newton systems through the ``D × D`` matrix ``I + A E⁻¹ Aᵀ``, ``E`` diagonal), then Newton
    steps over the activations strictly inside their bounds.

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
    tol : float
        ``p = 2``: how far (activation, unitless) an activation may lie outside ``[0, 1]``, and a
        bound's multiplier (half the cost's gradient, same unit) on its wrong side, before the
        active set changes; the activations returned are clipped to ``[0, 1]``.

    Returns
    -------
    activation : ndarray (n, M)
    reserve : ndarray (n, D)
        Reserve moments (N·m): ``τ − A a``.
    converged : ndarray (n,) of bool
    """
    if exponent not in (2, 3):
        raise ValueError(f"exponent must be 2 or 3; got {exponent!r}")
    a_mat = np.asarray(moment_per_activation, dtype=float)
    tau = np.asarray(demand, dtype=float)
    r2 = reserve_scale**2
    if exponent == 3:
        start, solved = _interior_point(a_mat, tau, r2, exponent)
        act = _cubic_finish(a_mat, tau, r2, start)
    else:
        n, _, m = a_mat.shape
        active_set = _kernels.active_set if enabled() else _active_set
        act, solved = active_set(a_mat, tau, r2, tol, np.zeros((n, m)), MAX_ACTIVE_SET_ITERATIONS)
        rest = np.flatnonzero(~solved)
        if rest.size:
            guess = np.array([_dual_active_set(a_mat[i], tau[i], reserve_scale) for i in rest])
            polished, solved[rest] = active_set(a_mat[rest], tau[rest], r2, tol, guess, POLISH_ITERATIONS)
            # an element whose finish does not settle keeps daqp's activations (and is not converged)
            act[rest] = np.where(solved[rest, None], polished, guess)
    return act, tau - _product(a_mat, act), solved


def _product(a_mat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``A x`` for a batch: (n, D, M) × (n, M) → (n, D)."""
    return (a_mat @ x[..., None])[..., 0]


def _transposed_product(a_mat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``Aᵀ y`` for a batch: (n, D, M) × (n, D) → (n, M)."""
    return (y[:, None, :] @ a_mat)[:, 0]


def _largest_step(x: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Largest ``t`` (n,) keeping ``x + t dx ≥ 0`` element-wise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dx < 0, -x / dx, np.inf).min(axis=1)


def _interior_point(a_mat: np.ndarray, tau: np.ndarray, r2: float, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Activations (n, M) at the optimum, by a primal–dual interior-point method, and whether
    each element reached :data:`INTERIOR_TOLERANCE` (n,) beyond the rounding of its gradient.

    Minimizes ``F(a) = c Σ aᵖ + ½ |τ − A a|²`` (the objective times ``c = R²/2``) subject to
    ``0 ≤ a ≤ 1``, with bound multipliers ``z_lo, z_hi``; convergence is measured in units of
    ``c`` (the activation cost's own scale) so that it means the same whatever ``R``.
    """
    n, d, m = a_mat.shape
    c = r2 / 2.0
    # the distances to both bounds are iterated separately: 1 − a would round to zero near 1
    a, slack = np.full((n, m), 0.5), np.full((n, m), 0.5)

    def gradient(a):
        return c * p * a ** (p - 1) - _transposed_product(a_mat, tau - _product(a_mat, a))

    g = gradient(a)
    z_lo, z_hi = np.maximum(g, 0.0) + c, np.maximum(-g, 0.0) + c
    todo = np.ones(n, dtype=bool)
    eye = np.eye(d)
    magnitude = np.abs(a_mat)
    tol = INTERIOR_TOLERANCE
    for _ in range(MAX_INTERIOR_ITERATIONS):
        g = gradient(a)
        # rounding of Aᵀ(τ − A a), in units of c: the floor of what the residual can reach
        floor = ROUNDING * _transposed_product(magnitude, np.abs(tau) + _product(magnitude, a)).max(axis=1) / c
        residual = np.abs(g - z_lo + z_hi).max(axis=1) / c
        gap = (a * z_lo + slack * z_hi).sum(axis=1) / (2 * m * c)
        todo &= (residual > tol + floor) | (gap > tol + floor)
        if not todo.any():
            break
        target = (np.where(gap > 1e-2, 0.2, 0.05) * gap * c)[:, None]  # centring: a z → target
        curvature = c * p * (p - 1) * a ** (p - 2)
        e_inv = 1.0 / (curvature + z_lo / a + z_hi / slack)
        rhs = target / a - target / slack - g
        # (E + AᵀA) Δa = rhs through the D × D system (I + A E⁻¹ Aᵀ) y = A E⁻¹ rhs
        scaled = a_mat * e_inv[:, None, :]
        y = np.linalg.solve(eye + scaled @ a_mat.transpose(0, 2, 1), _product(scaled, rhs)[..., None])[..., 0]
        da = e_inv * (rhs - _transposed_product(a_mat, y))
        dz_lo = (target - a * z_lo - z_lo * da) / a
        dz_hi = (target - slack * z_hi + z_hi * da) / slack
        steps = [
            _largest_step(a, da),
            _largest_step(slack, -da),
            _largest_step(z_lo, dz_lo),
            _largest_step(z_hi, dz_hi),
        ]
        t = np.where(todo, np.minimum(1.0, FRACTION_TO_BOUNDARY * np.minimum.reduce(steps)), 0.0)[:, None]
        a, slack, z_lo, z_hi = a + t * da, slack - t * da, z_lo + t * dz_lo, z_hi + t * dz_hi
    return a, ~todo


def _cubic_finish(a_mat: np.ndarray, tau: np.ndarray, r2: float, act: np.ndarray) -> np.ndarray:
    """Newton steps on ``Σ a³ + |τ − A a|²/R²`` over the activations strictly inside their bounds,
    keeping for each element the lowest cost reached (n, M)."""
    d = a_mat.shape[1]
    c = r2 / 2.0

    def cost(a):
        return c * np.sum(a**3, axis=1) + 0.5 * np.sum((tau - _product(a_mat, a)) ** 2, axis=1)

    best, best_cost = act, cost(act)
    for _ in range(MAX_CUBIC_NEWTON_ITERATIONS):
        free = (act > ACTIVE_BOUND) & (act < 1.0 - ACTIVE_BOUND)
        grad = np.where(free, 3 * c * act**2 - _transposed_product(a_mat, tau - _product(a_mat, act)), 0.0)
        e_inv = np.where(free, 1.0 / (6 * c * np.maximum(act, ACTIVE_BOUND)), 0.0)
        on = a_mat * free[:, None, :]
        scaled = on * e_inv[:, None, :]
        y = np.linalg.solve(np.eye(d) + scaled @ on.transpose(0, 2, 1), -_product(scaled, grad)[..., None])[..., 0]
        act = np.clip(act - e_inv * (grad + _transposed_product(on, y)), 0.0, 1.0)
        value = cost(act)
        better = value < best_cost
        best, best_cost = np.where(better[:, None], act, best), np.where(better, value, best_cost)
    return best


def _active_set(
    a_mat: np.ndarray, tau: np.ndarray, r2: float, tol: float, start: np.ndarray, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Activations (n, M) of ``min Σ a² + |τ − A a|²/R²``, ``0 ≤ a ≤ 1``, by a batched primal–dual
    active-set method whose first active set is the bounds ``start`` (n, M) lies on, and whether
    each element's active set settled within ``iterations`` (n,): its activations are then the
    exact optimum, to rounding."""
    n, d, m = a_mat.shape
    eye = r2 * np.eye(d)
    act = np.zeros((n, m))
    settled = np.zeros(n, dtype=bool)
    todo = np.arange(n)
    am, tm = a_mat, tau
    lower, upper = start <= tol, start >= 1.0 - tol
    for _ in range(iterations):
        free = ~(lower | upper)
        on = am * free[:, None, :]
        # the optimality conditions on the free set: a_F = A_Fᵀ ρ / R², ρ = τ − A_U 1 − A_F a_F
        rhs = tm - _product(am, upper.astype(float))
        system = eye + on @ on.transpose(0, 2, 1)
        reserve = np.linalg.solve(system, r2 * rhs[..., None])[..., 0]
        correction = rhs - _product(on, _transposed_product(on, reserve) / r2) - reserve
        reserve = reserve + np.linalg.solve(system, r2 * correction[..., None])[..., 0]
        pulled = _transposed_product(am, reserve) / r2  # what the reserves' price asks of each muscle
        a = np.where(free, pulled, upper.astype(float))
        # half the cost's gradient a − Aᵀρ/R²: a bound's multiplier (≥ 0 at 0, ≤ 0 at 1)
        multiplier = a - pulled
        new_lower = (free & (a < -tol)) | (lower & (multiplier >= -tol))
        new_upper = (free & (a > 1.0 + tol)) | (upper & (multiplier <= tol))
        done = (new_lower == lower).all(axis=1) & (new_upper == upper).all(axis=1)
        act[todo[done]] = np.clip(a[done], 0.0, 1.0)
        settled[todo[done]] = True
        keep = ~done
        todo, am, tm, lower, upper = todo[keep], am[keep], tm[keep], new_lower[keep], new_upper[keep]
        if todo.size == 0:
            break
    return act, settled


def _dual_active_set(a_mat: np.ndarray, tau: np.ndarray, reserve_scale: float) -> np.ndarray:
    """Activations (M,) of one element by ``daqp``: with the reserves as variables (``min |a|² +
    |ρ/R|²``, ``A a + ρ = τ``), or, where ``daqp`` finds that form infeasible (it can when the
    reserves are penalized far beyond the model's scale), with the reserves eliminated. Either is
    exact on its active set only to the conditioning of ``daqp``'s factorizations; the caller
    finishes on that active set."""
    d, m = a_mat.shape
    weights = np.r_[np.ones(m), np.full(d, 1.0 / reserve_scale**2)]
    sense = np.r_[np.zeros(m, dtype=np.int32), np.full(d, DAQP_EQUALITY, dtype=np.int32)]
    x, _, exitflag, _ = daqp.solve(
        np.diag(weights),
        np.zeros(m + d),
        np.hstack([a_mat, np.eye(d)]),
        np.r_[np.ones(m), tau],
        np.r_[np.zeros(m), tau],
        sense,
        primal_tol=DAQP_PRIMAL_TOLERANCE,
    )
    if exitflag != DAQP_OPTIMAL:
        hessian = np.eye(m) + a_mat.T @ a_mat / reserve_scale**2
        x, *_ = daqp.solve(
            hessian, -a_mat.T @ tau / reserve_scale**2, np.zeros((0, m)), np.ones(m), np.zeros(m), sense[:m]
        )
    return x[:m]


@dataclass(frozen=True)
class Sharing:
    """Net joint loads of a batch of postures and the muscle forces that balance them.

    Moments at :data:`EQUILIBRIUM` (n, D), N·m, projected on
    :func:`~kinechain.mechanics.external.equilibrium_axes`: ``muscle + passive + reserve = net``.

    Attributes
    ----------
    grf : GroundReaction
    joints : dict
        Net joint loads (:func:`joint_loads`).
    geometry : PathGeometry
        Muscle paths at the postures.
    activation : ndarray (n, M)
    tension : ndarray (n, M)
        Active plus passive tendon force (N).
    net : ndarray (n, D)
        Net joint moments (from the external loads).
    passive : ndarray (n, D)
        Passive elastic moments of the joints (:func:`~kinechain.mechanics.passive.equilibrium_moments`).
    muscle : ndarray (n, D)
        Moments of the muscle tensions.
    reserve : ndarray (n, D)
        Reserve moments: what neither the passive structures nor the muscles supply.
    converged : ndarray (n,) of bool
    axes : ndarray (n, D, 3)
        The axes the moments are projected on (:func:`~kinechain.mechanics.external.equilibrium_axes`).
    """

    grf: GroundReaction
    joints: dict
    geometry: PathGeometry
    activation: np.ndarray
    tension: np.ndarray
    net: np.ndarray
    passive: np.ndarray
    muscle: np.ndarray
    reserve: np.ndarray
    converged: np.ndarray
    axes: np.ndarray


def muscle_equilibrium(
    model,
    q: np.ndarray,
    frames: Frames,
    stance: tuple[str, ...],
    strength: np.ndarray,
    tightness: np.ndarray,
    load_mass: np.ndarray,
    load_distance: np.ndarray,
    exponent: int = 2,
) -> Sharing:
    """Inverse statics and force sharing at the postures ``q``: the muscles balance the net joint
    moments less the joints' passive elastic moments.

    Parameters
    ----------
    model : Model
    q : ndarray (n, n_q)
        Coordinates of the n postures (rad, m).
    frames : Frames
        Segment frames at ``q``.
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
    demand = np.einsum("ndi,ndi->nd", np.stack([joints[j][1] for j, _ in EQUILIBRIUM], axis=1), axes)
    elastic = equilibrium_moments(passive_joints(model), q, frames, axes)
    per_newton = muscle_joint_moments(geometry, axes)
    length = normalized_fiber_length(muscles, geometry.length, tightness)
    cos_penn = pennation_cosine(muscles, length)
    capacity = strength * muscles.max_isometric_force * force_length_active(length) * cos_penn
    stretched = muscles.max_isometric_force * force_length_passive(length) * cos_penn
    act, reserve, converged = share_forces(
        per_newton * capacity[:, None, :],
        demand - elastic - np.einsum("ndm,nm->nd", per_newton, stretched),
        reserve_scale=RESERVE_SCALE,
        exponent=exponent,
    )
    tension = act * capacity + stretched
    muscle = np.einsum("ndm,nm->nd", per_newton, tension)
    return Sharing(grf, joints, geometry, act, tension, demand, elastic, muscle, reserve, converged, axes)
