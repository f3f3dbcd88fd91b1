"""Segment frames of a batch of postures: the chain composed down the tree, and its Jacobians.

The generated module :mod:`kinechain.body._generated_kinematics` (from
:mod:`kinechain.body.symbolic`) gives every joint's local transform and partial angular
velocities; :func:`body_frames` composes them down the tree, one body at a time for the whole
batch at once (no loop over postures).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._compiled import compiled, compiled_ufunc, enabled
from . import _generated_kinematics as generated
from .topology import BODIES, COORDINATES, PARENTS, TRANSLATIONS, joint_coordinates

_INDEX = {b: i for i, b in enumerate(BODIES)}
PARENT_INDEX = tuple(-1 if PARENTS[b] == "ground" else _INDEX[PARENTS[b]] for b in BODIES)
JOINT_COLUMNS = tuple(tuple(COORDINATES.index(c) for c in joint_coordinates(b)) for b in BODIES)
_TRANSLATION_COLUMNS = np.array([COORDINATES.index(c) for c in TRANSLATIONS])


def _ancestors(body: int) -> tuple[int, ...]:
    path = []
    while body >= 0:
        path.append(body)
        body = PARENT_INDEX[body]
    return tuple(reversed(path))


#: Bodies on the path from the pelvis to each body (inclusive), as indices.
ANCESTORS = tuple(_ancestors(b) for b in range(len(BODIES)))
#: ``MOVED_BY[b, k]``: whether the joint of body ``k`` moves body ``b`` (``k`` is among its ancestors).
MOVED_BY = np.array([[k in ANCESTORS[b] for k in range(len(BODIES))] for b in range(len(BODIES))])


def _placement() -> np.ndarray:
    place = np.zeros((len(BODIES), 3, len(COORDINATES)))
    for k, cols in enumerate(JOINT_COLUMNS):
        place[k, range(len(cols)), cols] = 1.0
    return place.reshape(3 * len(BODIES), len(COORDINATES))


#: ``PLACE[3k + j, c]``: 1 where the ``j``-th axis of body ``k``'s joint is coordinate ``c``.
PLACE = _placement()
#: Coordinate of each joint axis (the rows of :data:`PLACE`), −1 for the axes that do not exist.
_AXIS_COORDINATE = np.where(PLACE.any(axis=1), PLACE.argmax(axis=1), -1)
#: ``CARRIED[b]``: :data:`PLACE` restricted to the joints that move body ``b``.
CARRIED = np.repeat(MOVED_BY, 3, axis=1)[:, :, None] * PLACE[None]
#: Body whose joint each joint axis (the rows of :data:`PLACE`) belongs to.
AXIS_BODY = np.repeat(np.arange(len(BODIES)), 3)
#: ``TURNS[α, β]``: whether joint axis ``α`` turns axis ``β`` (and what ``β`` carries), or is ``β``:
#: ``α``'s joint moves ``β``'s body and comes first along the chain — an ancestor's joint, or the
#: same joint earlier in its intrinsic Z–X–Y sequence (:mod:`kinechain.body.symbolic`), which
#: is the order of the axes within a joint.
TURNS = MOVED_BY[AXIS_BODY][:, AXIS_BODY].T & (np.arange(AXIS_BODY.size)[:, None] <= np.arange(AXIS_BODY.size))


def _cross(a, b, out):
    """The cross product ``out = a × b`` of two vectors (the compiled generalized ufunc of :func:`cross`)."""
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]


#: :func:`_cross` compiled.
_COMPILED_CROSS = compiled_ufunc(_cross, "void(float64[:], float64[:], float64[:])", "(k),(k)->(k)")


def _point(origin, rotation, local, out):
    """``out = origin + rotation @ local`` for one point (the compiled generalized ufunc of :meth:`Frames.point`)."""
    for i in range(3):
        out[i] = origin[i] + (rotation[i, 0] * local[0] + rotation[i, 1] * local[1] + rotation[i, 2] * local[2])


#: :func:`_point` compiled.
_COMPILED_POINT = compiled_ufunc(
    _point, "void(float64[:], float64[:, :], float64[:], float64[:])", "(k),(k,k),(k)->(k)"
)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis of broadcastable arrays (``np.cross`` without its set-up cost)."""
    if enabled() and a.shape[-1] == b.shape[-1] == 3:  # numpy checks only that the two sizes agree
        return _COMPILED_CROSS(a, b)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


@dataclass(frozen=True)
class Frames:
    """Segment frames of a batch of postures, in ground (the output of :func:`body_frames`).

    Attributes
    ----------
    origins : ndarray, shape (n, n_bodies, 3)
        Body origins in ground (m).
    rotations : ndarray, shape (n, n_bodies, 3, 3)
        Orientation matrices; column ``k`` is the body's ``k``-th axis in ground.
    joint_axes : ndarray, shape (n, n_bodies, 3, 3)
        Column ``k`` is the ground-frame partial angular velocity of the body's own joint with
        respect to its ``k``-th coordinate (zero-padded), i.e. the joint axis scaled by the
        coordinate's share (lumbar levels).
    """

    origins: np.ndarray
    rotations: np.ndarray
    joint_axes: np.ndarray

    def take(self, index: np.ndarray) -> Frames:
        """The frames of the postures ``index``."""
        return Frames(self.origins[index], self.rotations[index], self.joint_axes[index])

    def put(self, index: np.ndarray, part: Frames) -> None:
        """Write the frames of ``part`` (postures of ``index``) into these frames, in place."""
        self.origins[index], self.rotations[index], self.joint_axes[index] = (
            part.origins,
            part.rotations,
            part.joint_axes,
        )

    def index(self, body: str) -> int:
        """Position of ``body`` in :data:`BODIES`."""
        try:
            return _INDEX[body]
        except KeyError:
            raise ValueError(f"body must be one of {list(BODIES)}; got {body!r}") from None

    def point(self, body: str, local: np.ndarray) -> np.ndarray:
        """Ground positions (n, ..., 3) of points given in ``body``'s frame (..., 3) (m)."""
        i = self.index(body)
        local = np.asarray(local, dtype=float)
        lead = (-1,) + (1,) * (local.ndim - 1)
        if enabled():
            return _COMPILED_POINT(
                self.origins[:, i].reshape(lead + (3,)), self.rotations[:, i].reshape(lead + (3, 3)), local
            )
        return self.origins[:, i].reshape(lead + (3,)) + np.einsum("nij,...j->n...i", self.rotations[:, i], local)

    def axis(self, body: str, k: int) -> np.ndarray:
        """Ground direction (n, 3) of ``body``'s axis ``k`` (0 = X anterior, 1 = Y superior, 2 = Z)."""
        return self.rotations[:, self.index(body), :, k]

    @cached_property
    def _axes_by_column(self) -> np.ndarray:
        """Joint axes (n, 3, 3 · n_bodies): ground components by (body, coordinate slot), the
        layout :data:`PLACE` maps onto the coordinates."""
        return self.joint_axes.transpose(0, 2, 1, 3).reshape(self.origins.shape[0], 3, -1)

    def point_jacobian(self, body: str, points: np.ndarray) -> np.ndarray:
        """Jacobian of ground points fixed in ``body`` with respect to the coordinates.

        Parameters
        ----------
        body : str
        points : ndarray, shape (n, m, 3)
            Ground positions of the points (from :meth:`point`).

        Returns
        -------
        ndarray, shape (n, m, 3, n_coordinates)
            ``∂x/∂q`` in metres per radian (per metre for the pelvis translations).
        """
        if enabled():
            moved = MOVED_BY[self.index(body)]
            return _COMPILED_JACOBIANS[0](
                self.joint_axes, self.origins, points, moved, _AXIS_COORDINATE, _TRANSLATION_COLUMNS, len(COORDINATES)
            )
        n, m = points.shape[:2]
        arm = points[:, :, None, :] - self.origins[:, None]  # (n, m, K, 3)
        turn = cross(self.joint_axes.transpose(0, 1, 3, 2)[:, None], arm[:, :, :, None, :])  # (n, m, K, j, 3)
        jac = turn.transpose(0, 1, 4, 2, 3).reshape(n, m, 3, -1) @ CARRIED[self.index(body)]
        jac[..., _TRANSLATION_COLUMNS] += np.eye(3)
        return jac

    def weighted_point_jacobian(self, bodies: np.ndarray, points: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Jacobian (n, 3, n_coordinates) of ``Σⱼ wⱼ xⱼ`` for ground points ``xⱼ`` fixed in ``bodies[j]``.

        One pass over the joints: a joint turning about axis ``a`` at ``o`` moves the weighted sum
        by ``a × Σ wⱼ (xⱼ − o)`` over the points it carries (for example the centre of mass, with
        the weights the segments' shares of the total weight).

        Parameters
        ----------
        bodies : ndarray (m,) of int
            Body index of each point.
        points : ndarray (n, m, 3)
            Ground positions of the points (m).
        weights : ndarray (n, m)
            Weight of each point (any unit; the Jacobian carries it).
        """
        if enabled():
            return _COMPILED_JACOBIANS[1](
                self.joint_axes,
                self.origins,
                MOVED_BY,
                bodies,
                points,
                weights,
                _AXIS_COORDINATE,
                _TRANSLATION_COLUMNS,
                len(COORDINATES),
            )
        n = points.shape[0]
        carried = MOVED_BY[np.asarray(bodies)].astype(float)  # (m, n_bodies)
        moment = ((weights[:, :, None] * points).transpose(0, 2, 1) @ carried).transpose(0, 2, 1)  # (n, K, 3)
        weight = weights @ carried  # (n, K)
        arm = moment - weight[..., None] * self.origins
        turn = cross(self.joint_axes.transpose(0, 1, 3, 2), arm[:, :, None, :])  # (n, K, j, 3)
        jac = turn.transpose(0, 3, 1, 2).reshape(n, 3, -1) @ PLACE
        jac[..., _TRANSLATION_COLUMNS] += weights.sum(axis=1)[:, None, None] * np.eye(3)
        return jac

    def angular_jacobian(self, body: str) -> np.ndarray:
        """Jacobian (n, 3, n_coordinates) of ``body``'s angular velocity (ground components)."""
        return self._axes_by_column @ CARRIED[self.index(body)]


def _point_jacobian(joint_axes, origins, points, moved, axis_coordinate, translations, n_coordinates):
    """:meth:`Frames.point_jacobian`, posture by posture (the compiled kernel): ``moved`` the row of
    :data:`MOVED_BY` of the points' body, ``axis_coordinate`` the coordinate of each joint axis
    (:data:`_AXIS_COORDINATE`), ``translations`` the pelvis translations' columns."""
    n, m = points.shape[:2]
    jac = np.zeros((n, m, 3, n_coordinates))
    for e in range(n):
        for p in range(m):
            for row in range(axis_coordinate.shape[0]):
                c, k, j = axis_coordinate[row], row // 3, row % 3
                if c < 0 or not moved[k]:
                    continue
                a0, a1, a2 = joint_axes[e, k, 0, j], joint_axes[e, k, 1, j], joint_axes[e, k, 2, j]
                r0, r1, r2 = (
                    points[e, p, 0] - origins[e, k, 0],
                    points[e, p, 1] - origins[e, k, 1],
                    points[e, p, 2] - origins[e, k, 2],
                )
                jac[e, p, 0, c] += a1 * r2 - a2 * r1
                jac[e, p, 1, c] += a2 * r0 - a0 * r2
                jac[e, p, 2, c] += a0 * r1 - a1 * r0
            for i in range(translations.shape[0]):
                jac[e, p, i, translations[i]] += 1.0
    return jac


def _weighted_point_jacobian(
    joint_axes, origins, moved_by, bodies, points, weights, axis_coordinate, translations, n_coordinates
):
    """:meth:`Frames.weighted_point_jacobian`, posture by posture (the compiled kernel); the
    arguments as in :func:`_point_jacobian`, ``moved_by`` all of :data:`MOVED_BY`."""
    n, n_bodies = origins.shape[:2]
    jac = np.zeros((n, 3, n_coordinates))
    moment = np.empty((n_bodies, 3))
    weight = np.empty(n_bodies)
    for e in range(n):
        moment[:] = 0.0
        weight[:] = 0.0
        total = 0.0
        for p in range(bodies.shape[0]):
            total += weights[e, p]
            for k in range(n_bodies):
                if moved_by[bodies[p], k]:
                    weight[k] += weights[e, p]
                    for i in range(3):
                        moment[k, i] += weights[e, p] * points[e, p, i]
        for row in range(axis_coordinate.shape[0]):
            c, k, j = axis_coordinate[row], row // 3, row % 3
            if c < 0:
                continue
            a0, a1, a2 = joint_axes[e, k, 0, j], joint_axes[e, k, 1, j], joint_axes[e, k, 2, j]
            r0 = moment[k, 0] - weight[k] * origins[e, k, 0]
            r1 = moment[k, 1] - weight[k] * origins[e, k, 1]
            r2 = moment[k, 2] - weight[k] * origins[e, k, 2]
            jac[e, 0, c] += a1 * r2 - a2 * r1
            jac[e, 1, c] += a2 * r0 - a0 * r2
            jac[e, 2, c] += a0 * r1 - a1 * r0
        for i in range(translations.shape[0]):
            jac[e, i, translations[i]] += total
    return jac


#: The compiled kernels of :meth:`Frames.point_jacobian` and :meth:`Frames.weighted_point_jacobian` (None without them).
_COMPILED_JACOBIANS = (compiled(_point_jacobian), compiled(_weighted_point_jacobian))


class SecondOrder:
    """Second derivatives of points, directions and angular velocities along the chain, gathered
    and summed in one pass (:meth:`matrix`).

    A turn ``q_α`` about axis ``a_α`` moves a point by ``a_α × (x − o_α)``; for two joint axes
    along the chain, ``α`` coming first (:data:`TURNS`, ``α = β`` included),
    ``∂²x/∂q_α∂q_β = a_α × (a_β × (x − o_β))``; a direction the same with ``d`` for ``x − o``;
    a joint axis turns with every axis before it, ``∂a_α/∂q_β = a_β × a_α``. The translations
    enter linearly.

    Parameters
    ----------
    frames : Frames
    """

    def __init__(self, frames: Frames) -> None:
        self.frames = frames
        self._points: list = []
        self._directions: dict = {}
        self._angular: dict = {}
        self._outer: tuple[list, list] = ([], [])

    def points(self, bodies: np.ndarray, points: np.ndarray, lam: np.ndarray) -> None:
        """Add the second derivative of ``Σⱼ λⱼ · xⱼ`` (``lam`` (n, m, 3)) for ground points
        ``xⱼ`` (n, m, 3) fixed in ``bodies[j]`` (m,)."""
        self._points.append((np.asarray(bodies), points, lam))

    def direction(self, body: str, direction: np.ndarray, lam: np.ndarray) -> None:
        """Add the second derivative of ``λ · d`` (``lam`` (n, 3)), ``d`` (n, 3) fixed in ``body``."""
        # (a × d) × λ = (d λᵀ − (d·λ) I) a
        turn = direction[:, :, None] * lam[:, None, :]
        turn -= np.einsum("ni,ni->n", direction, lam)[:, None, None] * np.eye(3)
        b = self.frames.index(body)
        self._directions[b] = self._directions.get(b, 0.0) + turn

    def angular(self, body: str, nu: np.ndarray) -> None:
        """Add the derivative of ``ν · ω_c`` (``ν`` (n, 3) held fixed) with respect to ``q_d``
        (entry ``[c, d]``), ``ω_c`` the column ``c`` of :meth:`Frames.angular_jacobian`."""
        b = self.frames.index(body)
        self._angular[b] = self._angular.get(b, 0.0) + nu

    def product(self, left: np.ndarray, right: np.ndarray) -> None:
        """Add ``left @ right`` ((n, n_coordinates, k) and (n, k, n_coordinates))."""
        self._outer[0].append(left)
        self._outer[1].append(right)

    def _gathered_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The points added, in one array each: bodies (m,), ground positions (n, m, 3) and multipliers (n, m, 3)."""
        return tuple(np.concatenate(a, axis=int(k > 0)) for k, a in enumerate(zip(*self._points, strict=True)))

    def _pairs(self, u: np.ndarray) -> np.ndarray:
        """``Σ (a_β × arm_β) × λ`` (n, V, 3) over the points and directions added: the pair
        ``[α, β]`` is ``(λ × a_α)·(a_β × arm_β) = a_α · that``.

        Points are gathered per joint as in :meth:`Frames.weighted_point_jacobian`:
        ``Σⱼ (a × (xⱼ − o)) × λⱼ = (S − tr S) a`` with ``S = Σⱼ (xⱼ − o) λⱼᵀ`` over the points
        the joint carries.
        """
        n = u.shape[0]
        s = np.zeros((n, len(BODIES), 3, 3))
        if self._points:
            bodies, points, lam = self._gathered_points()
            carried = MOVED_BY[bodies].astype(float)  # (m, n_bodies)
            outer = (points[:, :, :, None] * lam[:, :, None, :]).reshape(n, -1, 9)
            s += (outer.transpose(0, 2, 1) @ carried).transpose(0, 2, 1).reshape(n, -1, 3, 3)  # Σ xⱼ λⱼᵀ
            pull = (lam.transpose(0, 2, 1) @ carried).transpose(0, 2, 1)  # Σ λⱼ per joint (n, K, 3)
            s -= self.frames.origins[:, :, :, None] * pull[:, :, None, :]
            s -= (s[..., 0, 0] + s[..., 1, 1] + s[..., 2, 2])[..., None, None] * np.eye(3)
        for b, turn in self._directions.items():
            s += MOVED_BY[b][None, :, None, None] * turn[:, None]
        s = s[:, AXIS_BODY[_ACTIVE]]
        return s[..., 0] * u[..., 0, None] + s[..., 1] * u[..., 1, None] + s[..., 2] * u[..., 2, None]

    def matrix(self) -> np.ndarray:
        """The symmetric part (n, n_coordinates, n_coordinates) of the sum of everything added.

        The entry ``[c, d]`` of what is added is the derivative along ``q_d`` of a gradient's
        ``c``; of a second derivative, the symmetric part is all.
        """
        if enabled():
            return self._compiled_matrix()
        u = self.frames._axes_by_column.transpose(0, 2, 1)[:, _ACTIVE]  # (n, V, 3)
        pairs = self._pairs(u)
        nu = np.zeros((u.shape[0], len(BODIES), 3))
        for b, v in self._angular.items():
            nu += MOVED_BY[b][None, :, None] * v[:, None, :]
        turned = cross(u, nu[:, AXIS_BODY[_ACTIVE]])  # a_α × ν, over the bodies α carries
        # pairs [α, β] = a_α · ((a_β × arm_β) × λ) and, with half the weight, the turning
        # [β, α] = ν·(a_β × a_α) = (a_α × ν)·a_β transposed, both for α before β; summed over
        # the axes of each coordinate where the order is the same for all of them
        right = pairs + 0.5 * turned
        along = np.einsum("nai,nai->na", u, pairs)  # α = β
        lc, rc = (a.transpose(0, 2, 1) @ _PLACE_ACTIVE for a in (u, right))  # (n, 3, n_q)
        out = lc.transpose(0, 2, 1) @ rc
        out *= _COORDINATE_ORDER
        if self._outer[0]:
            out += 0.5 * (np.concatenate(self._outer[0], axis=2) @ np.concatenate(self._outer[1], axis=1))
        out += out.transpose(0, 2, 1).copy()
        n, q = out.shape[:2]
        out.reshape(n, q * q)[:, :: q + 1] += (along @ _PLACE_ACTIVE) * _SINGLE
        # coordinates driving several joints (the lumbar levels, contiguous): their block axis by axis
        block = u[:, _SHARED] @ right[:, _SHARED].transpose(0, 2, 1)
        block *= _SHARED_ORDER
        block += block.transpose(0, 2, 1).copy()
        k = _SHARED.size
        block.reshape(n, k * k)[:, :: k + 1] += along[:, _SHARED]
        out[:, _SHARED_COORDINATES, _SHARED_COORDINATES] += _SHARED_PLACE.T @ block @ _SHARED_PLACE
        return out

    def _compiled_matrix(self) -> np.ndarray:
        """:meth:`matrix` by the compiled kernel :func:`_second_order_matrix`."""
        frames = self.frames
        n = frames.origins.shape[0]
        if self._points:
            bodies, points, lam = self._gathered_points()
        else:
            bodies, points, lam = np.zeros(0, dtype=np.intp), np.zeros((n, 0, 3)), np.zeros((n, 0, 3))
        directions, angular = (
            (
                np.array(list(added), dtype=np.intp),
                np.stack(list(added.values()), axis=1).reshape(n, -1, width) if added else np.zeros((n, 0, width)),
            )
            for added, width in ((self._directions, 9), (self._angular, 3))
        )
        left, right = (
            (np.concatenate(self._outer[0], axis=2), np.concatenate(self._outer[1], axis=1))
            if self._outer[0]
            else (np.zeros((n, len(COORDINATES), 0)), np.zeros((n, 0, len(COORDINATES))))
        )
        return _COMPILED_SECOND_ORDER(
            frames.joint_axes, frames.origins, MOVED_BY, _ACTIVE, _AXIS_COORDINATE, _ORDERED, _SHARED_ORDERED,
            len(COORDINATES), bodies, points, lam, *directions, *angular, left, right,
        )  # fmt: skip


def _orders():
    """Which coordinates come before which along the chain, for :meth:`SecondOrder.matrix`."""
    active = np.flatnonzero(PLACE.any(axis=1))
    place = PLACE[active]
    strict = TURNS[np.ix_(active, active)] & ~np.eye(active.size, dtype=bool)
    count = place.sum(axis=0)
    single = count == 1
    shared = count > 1
    # coordinate c before d: every axis of c before every axis of d (pairs of shared ones aside)
    order = ((place.T @ strict @ place) == np.outer(count, count)) & (count > 0)[:, None] & (count > 0)
    order &= ~np.outer(shared, shared)
    shared_axes = np.flatnonzero(place[:, shared].any(axis=1))
    shared_coordinates = np.flatnonzero(shared)
    if np.any(np.diff(shared_coordinates) != 1):
        raise AssertionError("the coordinates driving several joints are expected in one run")
    return (
        active,
        np.ascontiguousarray(place),
        order.astype(float),
        single.astype(float),
        shared_axes,
        slice(shared_coordinates[0], shared_coordinates[-1] + 1),
        np.ascontiguousarray(place[np.ix_(shared_axes, shared_coordinates)]),
        strict[np.ix_(shared_axes, shared_axes)].astype(float),
    )


#: Joint axes that exist (rows of :data:`PLACE` mapped onto a coordinate) and their placement;
#: coordinate pairs in chain order; coordinates of one axis; the axes, coordinates, placement
#: and order of the coordinates that drive several joints (the lumbar levels).
(_ACTIVE, _PLACE_ACTIVE, _COORDINATE_ORDER, _SINGLE, _SHARED, _SHARED_COORDINATES, _SHARED_PLACE, _SHARED_ORDER) = (
    _orders()
)
#: The coordinate pairs ``(c, d)`` with ``c`` before ``d`` along the chain (the entries of :data:`_COORDINATE_ORDER`).
_ORDERED = np.argwhere(_COORDINATE_ORDER)
#: The pairs ``(α, β)`` of axes of the coordinates that drive several joints with ``α`` before ``β``
#: along the chain, as indices into :data:`_ACTIVE`.
_SHARED_ORDERED = _SHARED[np.argwhere(_SHARED_ORDER)]


def _second_order_matrix(
    joint_axes, origins, moved_by, active, axis_coordinate, ordered, shared_ordered, n_coordinates,
    point_bodies, points, point_lam, direction_bodies, turns, angular_bodies, nus, outer_left, outer_right,
):  # fmt: skip
    """:meth:`SecondOrder.matrix`, posture by posture (the compiled kernel).

    ``moved_by`` is :data:`MOVED_BY`; ``active`` the joint axes that exist (rows of :data:`PLACE`:
    body ``row // 3``, slot ``row % 3``), ``axis_coordinate`` the axes' coordinates
    (:data:`_AXIS_COORDINATE`), ``ordered`` and ``shared_ordered`` the pairs in chain order
    (:data:`_ORDERED`, :data:`_SHARED_ORDERED`). What was added: the points (bodies (m,),
    positions and multipliers (n, m, 3)), the directions' turns (bodies (k,), (n, k, 9): 3 × 3 row by row), the
    angular velocities' multipliers (bodies (l,), (n, l, 3)) and the products (``outer_left``
    (n, n_q, j) and ``outer_right`` (n, j, n_q)).
    """
    n, n_bodies = origins.shape[:2]
    n_q = n_coordinates
    n_axes = active.shape[0]
    out = np.empty((n, n_q, n_q))
    s = np.empty((n_bodies, 3, 3))
    pull = np.empty((n_bodies, 3))
    nu = np.empty((n_bodies, 3))
    u = np.empty((n_axes, 3))
    right = np.empty((n_axes, 3))  # pairs plus half the turning, as in SecondOrder.matrix
    along = np.empty(n_axes)
    lc = np.empty((3, n_q))
    rc = np.empty((3, n_q))
    half = np.empty((n_q, n_q))
    for e in range(n):
        s[:] = 0.0
        pull[:] = 0.0
        nu[:] = 0.0
        for j in range(point_bodies.shape[0]):
            b = point_bodies[j]
            for k in range(n_bodies):
                if moved_by[b, k]:
                    for i in range(3):
                        pull[k, i] += point_lam[e, j, i]
                        for l in range(3):
                            s[k, i, l] += points[e, j, i] * point_lam[e, j, l]
        for k in range(n_bodies):
            for i in range(3):
                for l in range(3):
                    s[k, i, l] -= origins[e, k, i] * pull[k, l]
            trace = s[k, 0, 0] + s[k, 1, 1] + s[k, 2, 2]
            for i in range(3):
                s[k, i, i] -= trace
        _CARRIED(direction_bodies, turns[e], moved_by, s.reshape((n_bodies, 9)))
        _CARRIED(angular_bodies, nus[e], moved_by, nu)
        lc[:] = 0.0
        rc[:] = 0.0
        for v in range(n_axes):
            row = active[v]
            k, c = row // 3, axis_coordinate[row]
            for i in range(3):
                u[v, i] = joint_axes[e, k, i, row % 3]
            along[v] = 0.0
            for i in range(3):
                pair = s[k, i, 0] * u[v, 0] + s[k, i, 1] * u[v, 1] + s[k, i, 2] * u[v, 2]
                along[v] += u[v, i] * pair
                i1, i2 = (i + 1) % 3, (i + 2) % 3
                right[v, i] = pair + 0.5 * (u[v, i1] * nu[k, i2] - u[v, i2] * nu[k, i1])
                lc[i, c] += u[v, i]
                rc[i, c] += right[v, i]
        half[:] = 0.0
        for c in range(n_q):
            for j in range(outer_left.shape[2]):
                x = 0.5 * outer_left[e, c, j]
                for d in range(n_q):
                    half[c, d] += x * outer_right[e, j, d]
        for p in range(ordered.shape[0]):
            c, d = ordered[p, 0], ordered[p, 1]
            half[c, d] += lc[0, c] * rc[0, d] + lc[1, c] * rc[1, d] + lc[2, c] * rc[2, d]
        for c in range(n_q):
            for d in range(n_q):
                out[e, c, d] = half[c, d] + half[d, c]
        for v in range(n_axes):  # α = β
            c = axis_coordinate[active[v]]
            out[e, c, c] += along[v]
        # the pairs of axes of the coordinates that drive several joints, in chain order
        for p in range(shared_ordered.shape[0]):
            va, vb = shared_ordered[p, 0], shared_ordered[p, 1]
            ca, cb = axis_coordinate[active[va]], axis_coordinate[active[vb]]
            x = u[va, 0] * right[vb, 0] + u[va, 1] * right[vb, 1] + u[va, 2] * right[vb, 2]
            out[e, ca, cb] += x
            out[e, cb, ca] += x
    return out


def _carried(bodies: np.ndarray, values: np.ndarray, moved_by: np.ndarray, target: np.ndarray) -> None:
    """Add each ``values[d]`` (k, w) to the rows of ``target`` (n_bodies, w) of the joints that
    move its body ``bodies[d]`` (part of the kernel :func:`_second_order_matrix`)."""
    for d in range(bodies.shape[0]):
        for k in range(target.shape[0]):
            if moved_by[bodies[d], k]:
                for i in range(target.shape[1]):
                    target[k, i] += values[d, i]


#: The compiled kernel of :meth:`SecondOrder.matrix` and its part :func:`_carried` (None without them).
_CARRIED = compiled(_carried)
_COMPILED_SECOND_ORDER = compiled(_second_order_matrix)


def _compose_frames(local: np.ndarray, parent: np.ndarray):
    """:func:`body_frames`' composition down the tree, posture by posture (the compiled kernel):
    ``local`` (n, n_bodies, 21) from the generated local joints, ``parent`` each body's parent
    index (−1 for the root). Returns origins, rotations and joint axes."""
    n, n_bodies, _ = local.shape
    origins = np.empty((n, n_bodies, 3))
    rotations = np.empty((n, n_bodies, 3, 3))
    joint_axes = np.empty((n, n_bodies, 3, 3))
    for e in range(n):
        for b in range(n_bodies):
            up = parent[b]
            for i in range(3):
                for j in range(3):
                    if up < 0:
                        rotations[e, b, i, j] = local[e, b, 3 * i + j]
                        joint_axes[e, b, i, j] = local[e, b, 12 + 3 * i + j]
                        continue
                    turned = axis = 0.0
                    for k in range(3):
                        turned += rotations[e, up, i, k] * local[e, b, 3 * k + j]
                        axis += rotations[e, up, i, k] * local[e, b, 12 + 3 * k + j]
                    rotations[e, b, i, j], joint_axes[e, b, i, j] = turned, axis
                origins[e, b, i] = local[e, b, 9 + i]
                if up >= 0:
                    origins[e, b, i] = origins[e, up, i]
                    for k in range(3):
                        origins[e, b, i] += rotations[e, up, i, k] * local[e, b, 9 + k]
    return origins, rotations, joint_axes


#: The compiled kernels of :func:`body_frames` (None without them): the generated local joints
#: and the composition.
_COMPILED = (compiled(generated.local_joints), compiled(_compose_frames))
_PARENT_ARRAY = np.array(PARENT_INDEX)


def body_frames(p: np.ndarray, q: np.ndarray) -> Frames:
    """Compose the local joint transforms down the tree.

    Parameters
    ----------
    p : ndarray, shape (n_parameters,)
        Geometric parameters (``Model.p``).
    q : ndarray, shape (n, n_coordinates)
        Coordinates in radians and metres.

    Returns
    -------
    Frames
    """
    q = np.ascontiguousarray(q, dtype=float).reshape(-1, len(COORDINATES))
    local_joints = _COMPILED[0] if enabled() else generated.local_joints
    # one posture: the generated expressions on scalars, a fraction of their cost on (1,) arrays (compiled or not)
    local = local_joints(q[0], p)[None] if q.shape[0] == 1 else local_joints(q, p)  # (n, b, 21)
    if enabled():
        return Frames(*_COMPILED[1](local, _PARENT_ARRAY))
    rot_local = local[..., :9].reshape(q.shape[0], len(BODIES), 3, 3)
    trans_local = local[..., 9:12]
    axes_local = local[..., 12:21].reshape(q.shape[0], len(BODIES), 3, 3)
    origins = np.empty((q.shape[0], len(BODIES), 3))
    rotations = np.empty((q.shape[0], len(BODIES), 3, 3))
    joint_axes = np.empty_like(rotations)
    for b, parent in enumerate(PARENT_INDEX):
        if parent < 0:
            origins[:, b] = trans_local[:, b]
            rotations[:, b] = rot_local[:, b]
            joint_axes[:, b] = axes_local[:, b]
            continue
        rp = rotations[:, parent]
        origins[:, b] = origins[:, parent] + np.einsum("nij,nj->ni", rp, trans_local[:, b])
        rotations[:, b] = rp @ rot_local[:, b]
        joint_axes[:, b] = rp @ axes_local[:, b]
    return Frames(origins, rotations, joint_axes)
