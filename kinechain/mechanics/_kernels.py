"""Compiled kernels of the muscle mechanics (:mod:`kinechain._compiled`): the muscle path geometry
(:func:`kinechain.mechanics.muscles.path_geometry`), the fibre–tendon equilibrium
(:func:`kinechain.mechanics.muscles._fibre_along_tendon`) and the force sharing's active set
(:func:`kinechain.mechanics.sharing._active_set`).
"""

from __future__ import annotations

import numpy as np

from .._compiled import compiled
from . import _generated_curves as curves


def _path_geometry(
    origins, rotations, joint_axes, point_body, point_local, n_points, crossing_body, crossing_muscle,
    crossing_mask, column_crossing, column_axis, column_muscle, column_coordinate, n_coordinates,
):  # fmt: skip
    """Muscle paths of a batch (see :func:`kinechain.mechanics.muscles.path_geometry`).

    ``n_points`` (M,): each muscle's number of path points (the rest of its ``P`` slots repeat the
    insertion); ``crossing_mask`` (C, P): 1 for the path points distal to each crossing's joint;
    ``column_*`` (K,): each term of the moment-arm matrix (:attr:`MuscleSet.crossing_columns`).
    """
    n = origins.shape[0]
    m, p = point_body.shape
    c_count = crossing_body.shape[0]
    length = np.zeros((n, m))
    # one posture's path points and length gradients at a time (the batch's would not stay in cache)
    points = np.empty((m, p, 3))
    grad = np.empty((m, p, 3))
    torque = np.empty((n, c_count, 3))
    force = np.empty((n, c_count, 3))
    moment = np.zeros((n, m, n_coordinates))
    for e in range(n):
        grad[:] = 0.0
        for j in range(m):
            for i in range(p):
                k = min(i, n_points[j] - 1)  # padded slots repeat the insertion
                b = point_body[j, k]
                for a in range(3):
                    points[j, i, a] = (
                        origins[e, b, a]
                        + rotations[e, b, a, 0] * point_local[j, k, 0]
                        + rotations[e, b, a, 1] * point_local[j, k, 1]
                        + rotations[e, b, a, 2] * point_local[j, k, 2]
                    )
            for i in range(p - 1):
                d0 = points[j, i + 1, 0] - points[j, i, 0]
                d1 = points[j, i + 1, 1] - points[j, i, 1]
                d2 = points[j, i + 1, 2] - points[j, i, 2]
                s = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
                length[e, j] += s
                if s > 0:
                    grad[j, i, 0] -= d0 / s
                    grad[j, i, 1] -= d1 / s
                    grad[j, i, 2] -= d2 / s
                    grad[j, i + 1, 0] += d0 / s
                    grad[j, i + 1, 1] += d1 / s
                    grad[j, i + 1, 2] += d2 / s
        for c in range(c_count):
            j = crossing_muscle[c]
            f0 = f1 = f2 = t0 = t1 = t2 = 0.0
            for i in range(p):
                w = crossing_mask[c, i]
                if w != 0.0:
                    x0, x1, x2 = points[j, i, 0], points[j, i, 1], points[j, i, 2]
                    g0, g1, g2 = w * grad[j, i, 0], w * grad[j, i, 1], w * grad[j, i, 2]
                    f0 += g0
                    f1 += g1
                    f2 += g2
                    t0 += x1 * g2 - x2 * g1
                    t1 += x2 * g0 - x0 * g2
                    t2 += x0 * g1 - x1 * g0
            b = crossing_body[c]
            o0, o1, o2 = origins[e, b, 0], origins[e, b, 1], origins[e, b, 2]
            force[e, c, 0], force[e, c, 1], force[e, c, 2] = f0, f1, f2
            torque[e, c, 0] = t0 - (o1 * f2 - o2 * f1)
            torque[e, c, 1] = t1 - (o2 * f0 - o0 * f2)
            torque[e, c, 2] = t2 - (o0 * f1 - o1 * f0)
        for t in range(column_crossing.shape[0]):
            c, a = column_crossing[t], column_axis[t]
            k = crossing_body[c]
            along = (
                torque[e, c, 0] * joint_axes[e, k, 0, a]
                + torque[e, c, 1] * joint_axes[e, k, 1, a]
                + torque[e, c, 2] * joint_axes[e, k, 2, a]
            )
            moment[e, column_muscle[t], column_coordinate[t]] -= along
    return length, moment, torque, force


def _fibre_along_tendon(total, tendon, width, optimal, steps, tolerance):
    """Fibre length along the tendon (m) at which tendon and fibre pull equally, element by element
    (see :func:`kinechain.mechanics.muscles._fibre_along_tendon`: the same Illinois regula falsi on
    the tendon force, at most ``steps`` steps, ending where the pulls differ by ``tolerance``)."""
    out = np.empty(total.shape[0])
    for e in range(total.shape[0]):
        length, slack, w, lopt = total[e], tendon[e], width[e], optimal[e]
        rigid = np.sqrt((length - slack) ** 2 + w**2)
        low, high = 0.0, max(_passive(rigid / lopt), 0.0) * (length - slack) / rigid
        f_low, f_high = _excess(low, length, slack, w, lopt), _excess(high, length, slack, w, lopt)
        kept = 0  # +1: the upper end moved last; -1: the lower end
        for _ in range(steps):
            if not (f_low > 0 and f_high < 0):
                break
            force = min(max((low * f_high - high * f_low) / (f_high - f_low), low), high)
            f = _excess(force, length, slack, w, lopt)
            if f < 0:
                if kept == 1:
                    f_low = 0.5 * f_low
                high, f_high, kept = force, f, 1
            else:
                if kept == -1:
                    f_high = 0.5 * f_high
                # a balance within rounding ends the element there
                low, f_low, kept = force, 0.0 if f <= tolerance * (1.0 + force) else f, -1
        force = low if f_low == 0 else (high if f_high == 0 else 0.5 * (low + high))
        out[e] = length - slack * _tendon_length(force)
    return out


def _excess(force, total, tendon, width, optimal):
    """The fibre's passive pull along the tendon less the tendon's, at tendon force ``force``."""
    x = total - tendon * _tendon_length(force)
    fibre = np.sqrt(x**2 + width**2)
    return max(_passive(fibre / optimal), 0.0) * max(x, 0.0) / fibre - force


def _active_set(a_mat, tau, r2, tol, start, iterations):
    """The batched primal–dual active-set method of the quadratic force sharing, element by element
    (see :func:`kinechain.mechanics.sharing._active_set`; the same iterations and rules, each
    element's ``D × D`` system factorized once per iteration by Cholesky)."""
    n, d, m = a_mat.shape
    act = np.zeros((n, m))
    settled = np.zeros(n, dtype=np.bool_)
    system = np.empty((d, d))
    rhs = np.empty(d)
    reserve = np.empty(d)
    work = np.empty(d)
    a = np.empty(m)
    pulled = np.empty(m)
    for e in range(n):
        lower = start[e] <= tol
        upper = start[e] >= 1.0 - tol
        for _ in range(iterations):
            # the optimality conditions on the free set: a_F = A_Fᵀ ρ / R², ρ = τ − A_U 1 − A_F a_F
            for i in range(d):
                rhs[i] = tau[e, i]
                for k in range(d):
                    system[i, k] = r2 if i == k else 0.0
            for j in range(m):
                if upper[j]:
                    for i in range(d):
                        rhs[i] -= a_mat[e, i, j]
                elif not lower[j]:
                    for i in range(d):
                        aij = a_mat[e, i, j]
                        for k in range(i + 1):
                            system[i, k] += aij * a_mat[e, k, j]
            _cholesky(system)
            for i in range(d):
                work[i] = r2 * rhs[i]
            _cholesky_solve(system, work, reserve)
            # one step of iterative refinement
            for i in range(d):
                work[i] = rhs[i] - reserve[i]
            for j in range(m):
                if not (upper[j] or lower[j]):
                    s = 0.0
                    for i in range(d):
                        s += a_mat[e, i, j] * reserve[i]
                    s /= r2
                    for i in range(d):
                        work[i] -= a_mat[e, i, j] * s
            for i in range(d):
                work[i] *= r2
            _cholesky_solve(system, work, rhs)
            for i in range(d):
                reserve[i] += rhs[i]
            same = True
            for j in range(m):
                s = 0.0
                for i in range(d):
                    s += a_mat[e, i, j] * reserve[i]
                pulled[j] = s / r2
                free = not (lower[j] or upper[j])
                a[j] = pulled[j] if free else (1.0 if upper[j] else 0.0)
                multiplier = a[j] - pulled[j]
                new_lower = (free and a[j] < -tol) or (lower[j] and multiplier >= -tol)
                new_upper = (free and a[j] > 1.0 + tol) or (upper[j] and multiplier <= tol)
                if new_lower != lower[j] or new_upper != upper[j]:
                    same = False
                lower[j], upper[j] = new_lower, new_upper
            if same:
                for j in range(m):
                    act[e, j] = min(max(a[j], 0.0), 1.0)
                settled[e] = True
                break
    return act, settled


def _cholesky(matrix):
    """Cholesky factor in place, in the lower triangle (the upper one is left as it is)."""
    d = matrix.shape[0]
    for j in range(d):
        s = matrix[j, j]
        for k in range(j):
            s -= matrix[j, k] * matrix[j, k]
        matrix[j, j] = np.sqrt(s)
        for i in range(j + 1, d):
            s = matrix[i, j]
            for k in range(j):
                s -= matrix[i, k] * matrix[j, k]
            matrix[i, j] = s / matrix[j, j]


def _cholesky_solve(factor, rhs, out):
    """Solve ``L Lᵀ x = rhs`` into ``out`` with the lower factor ``L``."""
    d = factor.shape[0]
    for i in range(d):
        s = rhs[i]
        for k in range(i):
            s -= factor[i, k] * out[k]
        out[i] = s / factor[i, i]
    for i in range(d - 1, -1, -1):
        s = out[i]
        for k in range(i + 1, d):
            s -= factor[k, i] * out[k]
        out[i] = s / factor[i, i]


_cholesky, _cholesky_solve = compiled(_cholesky) or _cholesky, compiled(_cholesky_solve) or _cholesky_solve
_passive, _tendon_length = (compiled(f) or f for f in (curves.passive, curves.tendon_length))
_excess = compiled(_excess) or _excess
path_geometry, active_set = compiled(_path_geometry), compiled(_active_set)
fibre_along_tendon = compiled(_fibre_along_tendon)
