"""Compiled kernels (numba), used where the ``fast`` extra is installed.

Each kernel does the arithmetic of a numpy function of this package in one pass per batch
element, without the batch-sized intermediate arrays numpy needs; the numpy function stays the
reference, and the tests hold the two to agree. ``KINECHAIN_COMPILED=0`` in the environment turns
the kernels off.
"""

from __future__ import annotations

import os

import numpy as np

try:
    import numba
except ImportError:  # the fast extra is not installed
    numba = None

#: Whether the compiled kernels are in use.
ENABLED = numba is not None and os.environ.get("KINECHAIN_COMPILED", "1") != "0"


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
    points = np.empty((n, m, p, 3))
    grad = np.zeros((n, m, p, 3))
    torque = np.empty((n, c_count, 3))
    force = np.empty((n, c_count, 3))
    moment = np.zeros((n, m, n_coordinates))
    for e in range(n):
        for j in range(m):
            for i in range(p):
                k = min(i, n_points[j] - 1)  # padded slots repeat the insertion
                b = point_body[j, k]
                for a in range(3):
                    points[e, j, i, a] = (
                        origins[e, b, a]
                        + rotations[e, b, a, 0] * point_local[j, k, 0]
                        + rotations[e, b, a, 1] * point_local[j, k, 1]
                        + rotations[e, b, a, 2] * point_local[j, k, 2]
                    )
            for i in range(p - 1):
                d0 = points[e, j, i + 1, 0] - points[e, j, i, 0]
                d1 = points[e, j, i + 1, 1] - points[e, j, i, 1]
                d2 = points[e, j, i + 1, 2] - points[e, j, i, 2]
                s = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
                length[e, j] += s
                if s > 0:
                    grad[e, j, i, 0] -= d0 / s
                    grad[e, j, i, 1] -= d1 / s
                    grad[e, j, i, 2] -= d2 / s
                    grad[e, j, i + 1, 0] += d0 / s
                    grad[e, j, i + 1, 1] += d1 / s
                    grad[e, j, i + 1, 2] += d2 / s
        for c in range(c_count):
            j = crossing_muscle[c]
            f0 = f1 = f2 = t0 = t1 = t2 = 0.0
            for i in range(p):
                w = crossing_mask[c, i]
                if w != 0.0:
                    x0, x1, x2 = points[e, j, i, 0], points[e, j, i, 1], points[e, j, i, 2]
                    g0, g1, g2 = w * grad[e, j, i, 0], w * grad[e, j, i, 1], w * grad[e, j, i, 2]
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
    return length, moment, points, grad, torque, force


path_geometry = numba.njit(cache=True, nogil=True)(_path_geometry) if ENABLED else None
