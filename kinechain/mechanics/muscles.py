"""Muscle mechanics over a batch of postures: path lengths, moment arms, force–length curves.

Moment arms follow the tendon-excursion definition, ``r = −∂L/∂q``: positive when tension in
the muscle drives the coordinate in its positive direction (OpenSim's ``computeMomentArm``).

Force–length relations are the De Groote et al. (2016) curves of
:mod:`sympy.physics.biomechanics` (``FiberForceLengthActiveDeGroote2016``,
``FiberForceLengthPassiveDeGroote2016``), generated once into numpy code
(:func:`kinechain.body.symbolic.generate_curves_source`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .._compiled import enabled
from ..body.chain import Frames, cross
from ..body.musculature import MuscleSet
from ..body.topology import COORDINATES
from . import _generated_curves as curves
from . import _kernels


@dataclass(frozen=True)
class PathGeometry:
    """Muscle path geometry for a batch of postures.

    Attributes
    ----------
    length : ndarray (n, M)
        Musculotendon length (m).
    moment_arm : ndarray (n, M, n_q)
        ``−∂L/∂q`` (m per rad; per m for translations, which is zero).
    crossing : tuple of ndarray (C,) of int
        Body and muscle of every muscle crossing a body's joint
        (:attr:`~kinechain.body.musculature.MuscleSet.crossings`).
    crossing_moment : ndarray (n, C, 3)
        Moment about the body's origin (its joint centre) that a newton of the muscle's tension
        exerts on the body and everything distal to it (m).
    crossing_force : ndarray (n, C, 3)
        Force that a newton of the muscle's tension exerts on the body and everything distal to
        it (1).
    """

    length: np.ndarray
    moment_arm: np.ndarray
    crossing: tuple = field(metadata={"batch": False})
    crossing_moment: np.ndarray
    crossing_force: np.ndarray

    def distal_moment(self, bodies: list[int]) -> np.ndarray:
        """Moment (n, len(bodies), M, 3) about each body's origin that a newton of tension exerts
        on the body and everything distal to it (m); zero for muscles not crossing its joint."""
        return self._per_body(self.crossing_moment, bodies)

    def distal_force(self, bodies: list[int]) -> np.ndarray:
        """Force (n, len(bodies), M, 3) that a newton of tension exerts on each body and
        everything distal to it (1); zero for muscles not crossing its joint."""
        return self._per_body(self.crossing_force, bodies)

    def _per_body(self, values: np.ndarray, bodies: list[int]) -> np.ndarray:
        body, muscle = self.crossing
        out = np.zeros((values.shape[0], len(bodies), self.length.shape[1], 3))
        for i, b in enumerate(bodies):
            on = body == b
            out[:, i, muscle[on]] = values[:, on]
        return out


def path_geometry(muscles: MuscleSet, frames: Frames) -> PathGeometry:
    """Lengths and moment arms of every muscle over a batch of postures (no loop over poses);
    by a compiled kernel where the ``fast`` extra is installed (:mod:`kinechain._compiled`)."""
    if enabled():
        k, muscle, _, _ = muscles.crossings
        length, moment, torque, force = _kernels.path_geometry(
            frames.origins, frames.rotations, frames.joint_axes, *_kernel_tables(muscles), len(COORDINATES)
        )
        return PathGeometry(length, moment, (k, muscle), -torque, -force)
    return _path_geometry(muscles, frames)


@lru_cache(maxsize=8)
def _kernel_tables(muscles: MuscleSet) -> tuple[np.ndarray, ...]:
    """The muscle tables of the compiled path kernel: path points' bodies and positions, the number
    of points of each path, each crossing's body, muscle and distal points, and the terms of the
    moment-arm matrix."""
    k, muscle, slot, mask = muscles.crossings
    columns = [np.concatenate(parts) for parts in zip(*muscles.crossing_columns, strict=True)]
    n_points = (muscles.point_body >= 0).sum(axis=1)
    return (muscles.point_body, muscles.point_local, n_points, k, muscle, mask[muscle, slot], *columns)


def path_points(muscles: MuscleSet, frames: Frames) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Path points of every muscle over a batch of postures, and the length's gradient there.

    Returns
    -------
    points : ndarray (n, M, P, 3)
        Path points in ground (m); padded points repeat the insertion.
    grad : ndarray (n, M, P, 3)
        ``∂L/∂p_i``: unit vectors; the muscle pulls point ``i`` along ``−grad`` per newton of
        tension.
    length : ndarray (n, M)
        Musculotendon length (m).
    """
    n = frames.origins.shape[0]
    m, p = muscles.point_body.shape
    body = muscles.point_body.ravel()
    valid = body >= 0
    pts = np.empty((n, m * p, 3))
    for b in np.unique(body[valid]):  # every body's points at once, in ground
        on = body == b
        pts[:, on] = frames.origins[:, b, None] + muscles.point_local.reshape(-1, 3)[on] @ frames.rotations[
            :, b
        ].transpose(0, 2, 1)
    pts = pts.reshape(n, m, p, 3)
    last = valid.reshape(m, p).sum(axis=1) - 1
    padded = ~valid.reshape(m, p)  # padding repeats the insertion
    rows = np.nonzero(padded)[0]
    pts[:, padded] = pts[:, rows, last[rows]]
    seg = np.diff(pts, axis=2)  # (n, M, P-1, 3)
    seg_len = np.linalg.norm(seg, axis=-1)
    unit = np.divide(seg, seg_len[..., None], out=np.zeros_like(seg), where=seg_len[..., None] > 0)
    grad = np.zeros_like(pts)
    grad[:, :, :-1] -= unit
    grad[:, :, 1:] += unit
    return pts, grad, seg_len.sum(axis=-1)


def _path_geometry(muscles: MuscleSet, frames: Frames) -> PathGeometry:
    """:func:`path_geometry` in numpy."""
    n, m = frames.origins.shape[0], len(muscles)
    pts, grad, length = path_points(muscles, frames)
    # For every joint body k and muscle crossing it: Σ_i (p_i − o_k) × g_i over the path points
    # distal to it, as Σ p_i × g_i − o_k × Σ g_i (muscles not crossing the joint give zero).
    k, muscle, slot, mask = muscles.crossings
    force = (mask @ grad)[:, muscle, slot]  # (n, C, 3)
    torque = (mask @ cross(pts, grad))[:, muscle, slot] - cross(frames.origins[:, k], force)
    # moment arm about each axis of the crossed joint: −torque · axis
    along = np.einsum("nci,ncij->ncj", torque, frames.joint_axes[:, k])
    moment = np.zeros((n, m, len(COORDINATES)))
    for pair, axis, line, column in muscles.crossing_columns:
        moment[:, line, column] -= along[:, pair, axis]
    return PathGeometry(length, moment, (k, muscle), -torque, -force)


def force_length_active(normalized_length: np.ndarray) -> np.ndarray:
    """Active force–length factor (1) of De Groote et al. (2016) at normalized fibre length."""
    return curves.active(np.asarray(normalized_length, dtype=float))


def force_length_passive(normalized_length: np.ndarray) -> np.ndarray:
    """Passive fibre force (in units of maximum isometric force) of De Groote et al. (2016).

    The published curve dips slightly below zero under the slack length; a fibre cannot push,
    so it is clipped at zero.
    """
    return np.maximum(curves.passive(np.asarray(normalized_length, dtype=float)), 0.0)


def force_length_tendon(normalized_length: np.ndarray) -> np.ndarray:
    """Tendon force (in units of maximum isometric force) of De Groote et al. (2016) at normalized
    tendon length (4.9 % strain at maximum isometric force); clipped at zero below slack."""
    return np.maximum(curves.tendon(np.asarray(normalized_length, dtype=float)), 0.0)


#: Steps at most of the fibre–tendon equilibrium (:func:`_fibre_along_tendon`): on 26,000
#: stretched fibres of random postures (coordinates ±0.3 rad about neutral, tightness 0–0.3) every
#: one balanced within 12.
EQUILIBRIUM_STEPS = 60
#: The fibre–tendon equilibrium stops where the pulls differ by less than this share of the tendon
#: force (plus one maximum isometric force times it): the fibre length is then known to about
#: 1e-15 m.
EQUILIBRIUM_TOLERANCE = 1e-14
#: The compiled kernel balances at most this many stretched fibres (about ten per posture); numpy
#: balances more. One posture's took 4 µs compiled against 220 µs in numpy (whose cost there is
#: its calls), 1,000 fibres 0.31 against 0.43 ms; from about 3,000 numpy's vectorized exponential
#: and logarithm are faster (10,000: 2.2 against 3.2 ms).
KERNEL_FIBRES = 2_000


def normalized_fiber_length(muscles: MuscleSet, length: np.ndarray, tightness: np.ndarray) -> np.ndarray:
    """Normalized fibre length (1) at the passive equilibrium of fibre and tendon, at constant
    muscle thickness.

    A rigid tendon stays at its slack length and the fibre takes the whole musculotendon length
    ``length`` (n, M) beyond it. A compliant tendon (``muscles.compliant_tendon``) stretches until
    its force equals the fibre's passive force along it (De Groote et al. 2016 curves), found by
    regula falsi on the tendon force (by a compiled kernel for up to :data:`KERNEL_FIBRES` stretched
    fibres where the ``fast`` extra is installed): the stretched fibre's passive force is shared
    with the tendon, as in the source model at zero activation. The same fibre length sets the
    active force–length factor, so the further stretch of the tendon under active force is not
    modelled (the fibre would be shorter).
    ``tightness`` (n, M) shortens the tendon slack length by that many optimal fibre lengths; a
    tendon shortened to nothing is taken as rigid. Muscles without a modelled fibre length
    (``muscles.length_dependent`` false) are at 1.
    """
    lopt = muscles.optimal_fiber_length
    slack = muscles.tendon_slack_length - tightness * lopt
    height = lopt * np.sin(muscles.pennation)

    # fibre length along the tendon: all of the length beyond the slack tendon (rigid tendon)
    along = np.maximum(length - slack, 1e-6)
    # a compliant tendon stretches only under a stretched fibre's passive force (a tendon of no
    # slack length stays rigid); elsewhere the rigid length stands
    rigid = np.sqrt(along**2 + height**2) / lopt
    stretched = muscles.compliant_tendon & (slack > 0) & (force_length_passive(rigid) > 0)
    if stretched.any():
        index = np.nonzero(stretched)
        line = index[-1]
        total, tendon = length[index], np.broadcast_to(slack, length.shape)[index]
        width, optimal = height[line], lopt[line]
        along = along.copy()
        if enabled() and total.size <= KERNEL_FIBRES:
            stop = (EQUILIBRIUM_STEPS, EQUILIBRIUM_TOLERANCE)
            balanced = _kernels.fibre_along_tendon(total, tendon, width, optimal, *stop)
        else:
            balanced = _fibre_along_tendon(total, tendon, width, optimal)
        along[index] = np.maximum(balanced, 1e-6)
    return np.where(muscles.length_dependent, np.sqrt(along**2 + height**2) / lopt, 1.0)


def _fibre_along_tendon(total, tendon, width, optimal) -> np.ndarray:
    """Fibre length along the tendon (m) at which tendon and fibre pull equally.

    Solved for the tendon force ``F`` (in maximum isometric forces): the tendon's length follows
    from ``F`` by the inverted tendon curve, the fibre takes the rest, and ``F`` balances the
    fibre's passive pull along the tendon. That pull less ``F`` falls from positive at ``F = 0``
    to negative at the pull of the fibre behind a rigid tendon; the root between is found by the
    Illinois variant of regula falsi (an end kept twice in a row has its value halved).
    """

    def along(force):
        return total - tendon * curves.tendon_length(force)

    def excess(force):  # the fibre's pull along the tendon less the tendon's
        x = along(force)
        fibre = np.sqrt(x**2 + width**2)
        return force_length_passive(fibre / optimal) * np.maximum(x, 0.0) / fibre - force

    rigid = np.sqrt((total - tendon) ** 2 + width**2)
    low, high = np.zeros_like(total), force_length_passive(rigid / optimal) * (total - tendon) / rigid
    f_low, f_high = excess(low), excess(high)
    kept = np.zeros(low.shape, dtype=int)  # +1: the upper end moved last; -1: the lower end
    for _ in range(EQUILIBRIUM_STEPS):
        todo = (f_low > 0) & (f_high < 0)
        if not todo.any():
            break
        force = np.clip((low * f_high - high * f_low) / np.where(todo, f_high - f_low, -1.0), low, high)
        f = excess(force)
        upper, lower = todo & (f < 0), todo & (f >= 0)
        f_low = np.where(upper & (kept == 1), 0.5 * f_low, f_low)
        f_high = np.where(lower & (kept == -1), 0.5 * f_high, f_high)
        high, f_high = np.where(upper, force, high), np.where(upper, f, f_high)
        # a balance within rounding ends the element there
        found = lower & (f <= EQUILIBRIUM_TOLERANCE * (1.0 + force))
        low, f_low = np.where(lower, force, low), np.where(found, 0.0, np.where(lower, f, f_low))
        kept = np.where(upper, 1, np.where(lower, -1, kept))
    return along(np.where(f_low == 0, low, np.where(f_high == 0, high, 0.5 * (low + high))))


def pennation_cosine(muscles: MuscleSet, normalized_length: np.ndarray) -> np.ndarray:
    """Cosine of the pennation angle at a normalized fibre length (constant muscle thickness)."""
    return np.sqrt(np.maximum(1 - (np.sin(muscles.pennation) / normalized_length) ** 2, 0))
