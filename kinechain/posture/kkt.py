"""The constrained minimization of the posture energy: constraints, their Jacobians, Newton–KKT.

Constraints of every task: each stance foot on its support — the forefoot planted, the
rearfoot (calcaneus) hinged to it at the midtarsal joint about the longitudinal midtarsal axis,
a rotation that the midtarsal stiffness resists (an energy term, :func:`foot_roll`) — the
gaze held (the thorax's anterior axis level and forward; its roll about that axis, the trunk's
frontal-plane lean, is free), in the bending tasks the thorax's orientation inclined by the task
and the lumbopelvic rhythm (lumbar flexion a given multiple of the pelvis's anterior tilt), the
whole-body centre of mass over the base of support, every prescribed clinical angle, and every
joint held at a limit of its range (the active set of :mod:`kinechain.posture.solver`). The
solver is a batched Newton method on the Karush–Kuhn–Tucker system ``[K Jᵀ; J 0]`` with exact
constraint Jacobians, each iteration on the elements not yet converged (no loop over postures).
Constraint rows have the same layout for every element of a batch; a row that does not apply to
an element (a limit not reached, a prescribed angle released at a limit) is inactive: its
Jacobian row is zero and its multiplier is held at zero.

The Hessian of each step is that of the Lagrangian: the muscle stiffness ``K``, the joints'
passive curvature, the midtarsal springs' full curvature, and ``Σᵢ λᵢ ∇²cᵢ`` of every constraint
row (:func:`curvature`; the held limits are linear) with the multipliers ``λ`` of the previous
iterate — none at the first step, which has no multipliers yet. The iteration then converges
quadratically. An element whose system with that curvature is singular, or whose step meets no
positive curvature along itself (far from the solution, with poor multipliers), takes the step
of the Hessian without the constraints' curvature.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

from .._compiled import compiled, enabled
from ..body.chain import Frames, SecondOrder, body_frames, cross
from ..body.rotations import relative_matrix, rotation_vector, zxy_angles
from ..body.topology import BODIES, COORDINATES, PARENTS, THORAX, joint_coordinates
from ..mechanics.clinical import CLINICAL_ANGLES, PROJECTION_ANGLES, angle_definition, clinical_angle_and_jacobian
from ..mechanics.external import PointLoads, centre_of_mass, external_loads, foot_centre, hand_load_jacobian
from ..mechanics.muscles import PathGeometry, path_geometry
from .conditions import Conditions
from .energy import passive_energy, stiffness, stiffness_data

#: Constraint tolerance as a fraction of the thigh length.
TOLERANCE = 1e-9
#: Newton steps smaller than this (rad, m) end the iterations of an element.
STEP_TOLERANCE = 1e-9
MAX_ITERATIONS = 100
#: Largest change of any coordinate in one Newton step (rad, m); longer steps are scaled down.
MAX_STEP = 0.25
#: Stiffness of the rearfoot's rotation on the forefoot about the midtarsal axis (N·m/rad),
#: ``data/stiffness.toml`` (assumed there, with the reason).
MIDTARSAL_STIFFNESS = float(stiffness_data()["foot"]["midtarsal"])
#: Regularization of the multiplier block when some element's constraints are dependent.
SINGULAR_REGULARIZATION = 1e-10
_UP = np.array([0.0, 1.0, 0.0])
#: Rows of the Jacobian of the coordinates themselves (the held limits').
_UNIT = np.eye(len(COORDINATES))
#: Projection on the ground plane.
_FLOOR = np.array([1.0, 0.0, 1.0])
#: The pelvis's rotation on the hips that the lumbopelvic rhythm of the bending tasks refers to.
PELVIS_TILT = "anterior_pelvic_tilt"
#: Below this rotation angle (rad) the SO(3) log-map Jacobian takes its series limit.
SMALL_ANGLE = 1e-6
#: Below this rotation angle (rad) the derivative of the log-map Jacobian takes its series (two
#: terms: truncation and rounding both below 1e-10 of the coefficients there).
SERIES_ANGLE = 0.05
#: ``ε_ijk``: ``[u]×`` of a vector ``u`` is ``ε_ijk u_j``; ``[eᵢ]×`` of a unit vector is ``−ε[i]``.
_LEVI_CIVITA = np.zeros((3, 3, 3))
_LEVI_CIVITA[[0, 1, 2, 0, 2, 1], [1, 2, 0, 2, 1, 0], [2, 0, 1, 1, 0, 2]] = [1, 1, 1, -1, -1, -1]


@dataclass(frozen=True)
class Problem:
    """Constraint targets and energy of a batch: everything the solver needs besides ``q``.

    Attributes
    ----------
    cond : Conditions
    stiffness : ndarray (n, n_coordinates, n_coordinates)
    feet : dict side → (position (n, 3), orientation (n, 3, 3))
        Where each foot's midtarsal joint centre is held and the calcaneus orientation about which
        it may only turn about the midtarsal axis (ground frame): the floor tilted by the wedge
        and the heel lift under that foot.
    gaze : ndarray (n, 2, 3)
        Two unit vectors (ground frame) orthogonal to the direction the thorax's anterior axis is
        held along (the gaze: forward and level, or pitched down by the task's trunk flexion):
        the first horizontal (heading), the second in the sagittal plane (inclination).
    com : ndarray (n, 2)
        Target x and z of the whole-body centre of mass (m).
    targets : dict clinical angle → ndarray (n,)
        Prescribed clinical angles (rad).
    released : ndarray (n, len(targets)) of bool
        Prescribed angles not held because a joint stopped at a limit of its range.
    limits : ndarray (n, n_coordinates)
        Value (rad) at which a coordinate is held at a limit of its range; NaN where free.
    """

    cond: Conditions
    stiffness: np.ndarray
    feet: dict
    gaze: np.ndarray
    com: np.ndarray
    targets: dict
    released: np.ndarray
    limits: np.ndarray

    def take(self, index: np.ndarray) -> Problem:
        """The same problem for the elements ``index``."""
        return replace(
            self,
            cond=self.cond.take(index),
            stiffness=self.stiffness[index],
            feet={s: (pos[index], rot[index]) for s, (pos, rot) in self.feet.items()},
            gaze=self.gaze[index],
            com=self.com[index],
            targets={k: v[index] for k, v in self.targets.items()},
            released=self.released[index],
            limits=self.limits[index],
        )

    def put(self, index: np.ndarray, part: Problem) -> Problem:
        """This problem with the targets, released inputs and held limits of the elements
        ``index`` taken from ``part`` (a problem of those elements with the same targets)."""
        targets = {k: v.copy() for k, v in self.targets.items()}
        released, limits = self.released.copy(), self.limits.copy()
        for k, v in targets.items():
            v[index] = part.targets[k]
        released[index], limits[index] = part.released, part.limits
        return replace(self, targets=targets, released=released, limits=limits)

    def prescribe(self, angles: dict) -> Problem:
        """The same problem with more clinical angles held (rad), after the existing ones."""
        new = np.zeros((self.released.shape[0], len(angles)), dtype=bool)
        return replace(self, targets={**self.targets, **angles}, released=np.concatenate([self.released, new], axis=1))

    @cached_property
    def limited(self) -> np.ndarray:
        """Indices of the coordinates held at a limit in some element (their rows follow the targets).

        Worked out once: a problem's arrays are not changed in place (:meth:`put` and the solver
        make new problems)."""
        return np.flatnonzero(~np.isnan(self.limits).all(axis=0))

    def inactive(self, m: int) -> np.ndarray:
        """Which of the ``m`` constraint rows (n, m) do not apply: released targets, limits not held.

        The task's rows come first, then the targets, then the limits (:func:`constraints`).
        """
        n = self.limits.shape[0]
        fixed = np.zeros((n, m - self.released.shape[1] - self.limited.size), dtype=bool)
        return np.concatenate([fixed, self.released, np.isnan(self.limits[:, self.limited])], axis=1)


def build_problem(cond: Conditions) -> Problem:
    """Targets and stiffness of a batch, from the neutral standing posture of its model."""
    model, task, n = cond.model, cond.task, cond.n
    neutral, geometry, com0 = _neutral_standing(model)
    feet = {s: support(cond, s) for s in "rl"}
    phi = np.radians(cond.trunk_flexion) if task.bends else np.zeros(n)
    # the gaze (the thorax's anterior axis) points along (cos φ, −sin φ, 0): held by two rows
    heading = np.broadcast_to([0.0, 0.0, 1.0], (n, 3))
    inclination = np.stack([np.sin(phi), np.cos(phi), np.zeros(n)], axis=1)
    gaze = np.stack([heading, inclination], axis=1)
    com = np.tile([com0[0], 0.0], (n, 1))
    if len(task.stance) == 1:
        com[:, 1] = foot_centre(model, neutral, task.stance[0])[0, 2]
    targets = {cond.input_angle(k): np.radians(v) for k, v in cond.inputs.items()}
    if task.squat_side:
        targets[f"knee_flexion_{task.squat_side}"] = np.radians(cond.knee_flexion)
    released = np.zeros((n, len(targets)), dtype=bool)
    limits = np.full((n, len(COORDINATES)), np.nan)
    return Problem(cond, stiffness(cond, geometry), feet, gaze, com, targets, released, limits)


@lru_cache(maxsize=8)
def _neutral_standing(model) -> tuple[Frames, PathGeometry, np.ndarray]:
    """Frames, muscle paths and whole-body centre of mass (m, (3,)) of a model's neutral posture,
    read-only: every problem of the model shares them."""
    neutral = body_frames(model.p, model.neutral()[None])
    geometry = path_geometry(model.muscles, neutral)
    com = centre_of_mass(external_loads(model, neutral))[0]
    for array in (neutral.origins, neutral.rotations, neutral.joint_axes, geometry.length, geometry.moment_arm, com):
        array.setflags(write=False)
    return neutral, geometry, com


def support(cond: Conditions, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Where a foot stands (n, 3) and how its calcaneus is oriented (n, 3, 3) on its support.

    From the neutral foot flat on the floor: a heel lift pitches the foot about the toe until the
    heel stands ``heel_lift`` (mm) higher; a wedge then tilts it about the foot's long axis on
    the floor (heel–toe line) by ``foot_wedge`` (degrees, positive raising the lateral border).
    """
    mid, heel, toe, r0 = _flat_foot(cond.model, side)
    length = np.linalg.norm(toe - heel)
    pitch = np.arcsin(np.clip(getattr(cond, f"heel_lift_{side}") / 1000.0 / length, 0.0, 1.0))
    axis = (toe - heel) / length
    # heel up: a toes-down pitch about the horizontal line through the toe across the foot
    lift = _turn(-pitch, cross(axis, _UP))
    lateral = 1.0 if side == "r" else -1.0  # +z is lateral on the right
    tilt = _turn(-lateral * np.radians(getattr(cond, f"foot_wedge_{side}")), axis)
    centre = 0.5 * (heel + toe)
    lifted = toe + lift @ (mid - toe)
    position = centre + (tilt @ (lifted - centre)[..., None])[..., 0]
    return position, tilt @ lift @ r0


@lru_cache(maxsize=16)
def _flat_foot(model, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A foot of the neutral posture, read-only: its midtarsal joint centre, heel and toe on the
    floor (m, (3,)) and its calcaneus's orientation (3, 3)."""
    neutral = _neutral_standing(model)[0]
    body = f"calcn_{side}"
    mid = neutral.point(body, model.landmarks[f"midtarsal_centre_{side}"][1])[0]
    heel, toe = (neutral.point(body, model.landmarks[f"{m}_{side}"][1])[0] for m in ("heel", "toe"))
    heel[1] = toe[1] = 0.0
    for array in (mid, heel, toe):
        array.setflags(write=False)
    return mid, heel, toe, neutral.rotations[0, BODIES.index(body)]


def _turn(angle: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Rotations (n, 3, 3) by ``angle`` (rad, (n,)) about the unit ``axis`` (3,) (Rodrigues)."""
    k = cross(np.eye(3), axis)  # [axis]×: row i is eᵢ × axis, so that k v = axis × v
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)


class FootRotation(NamedTuple):
    """A stance calcaneus's orientation on its support (the target ``T`` of :func:`support`).

    Attributes
    ----------
    vector : ndarray (n, 3)
        Rotation vector ``e`` (rad) of the calcaneus relative to ``T``, in ``T``'s frame.
    inverse : ndarray (n, 3, 3)
        Inverse left Jacobian ``J⁻¹(e)`` of SO(3) (:func:`_log_jacobian_inv`).
    turn : ndarray (n, 3, n_coordinates)
        ``Tᵀ ω``: the calcaneus's angular-velocity Jacobian in ``T``'s frame.
    jacobian : ndarray (n, 3, n_coordinates)
        ``∂e/∂q = J⁻¹(e) Tᵀ ω``.
    """

    vector: np.ndarray
    inverse: np.ndarray
    turn: np.ndarray
    jacobian: np.ndarray


def foot_rotations(problem: Problem, frames: Frames) -> dict[str, FootRotation]:
    """Each stance calcaneus's rotation on its support at ``frames``, by side."""
    out = {}
    for side in problem.cond.task.stance:
        body = f"calcn_{side}"
        target = problem.feet[side][1]
        e = rotation_vector(relative_matrix(target, frames.rotations[:, frames.index(body)]))
        turn = target.transpose(0, 2, 1) @ frames.angular_jacobian(body)
        inverse = _log_jacobian_inv(e)
        out[side] = FootRotation(e, inverse, turn, inverse @ turn)
    return out


def foot_roll(
    problem: Problem, frames: Frames, feet: dict[str, FootRotation] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rotation (rad, (n, k)) of each stance rearfoot on its forefoot about the midtarsal axis, and its Jacobian.

    The rotation is right-handed about the longitudinal midtarsal axis as given in the calcaneus
    frame (forward, up, medial): positive inverts the right rearfoot on its planted forefoot and,
    the left axis being the mirror image, everts the left one. The spring's energy is even in it.
    ``feet``: :func:`foot_rotations` at ``frames`` where already known.
    """
    model = problem.cond.model
    feet = foot_rotations(problem, frames) if feet is None else feet
    n = frames.origins.shape[0]
    if not feet:
        return np.zeros((n, 0)), np.zeros((n, 0, len(COORDINATES)))
    axes = np.stack([model.midtarsal_axis[side] for side in feet])  # (k, 3)
    rolls = np.stack([foot.vector for foot in feet.values()], axis=1)  # (n, k, 3)
    jacs = np.stack([foot.jacobian for foot in feet.values()], axis=1)  # (n, k, 3, n_q)
    return np.einsum("nki,ki->nk", rolls, axes), np.einsum("ki,nkic->nkc", axes, jacs)


@lru_cache(maxsize=16)
def _hinge_basis(model, side: str) -> np.ndarray:
    """Two unit vectors (2, 3), read-only, orthogonal to a foot's midtarsal axis and to each other."""
    axis = model.midtarsal_axis[side]
    u = cross(axis, _UP)
    u /= np.linalg.norm(u)
    basis = np.stack([u, cross(axis, u)])
    basis.setflags(write=False)
    return basis


def _log_jacobian_inv(e: np.ndarray) -> np.ndarray:
    """Inverse left Jacobian of SO(3) at rotation vectors ``e`` (n, 3): de = J⁻¹ δω (compiled
    with :func:`_log_jacobians` where the ``fast`` extra is installed)."""
    if enabled():
        return _LOG_JACOBIANS(np.ascontiguousarray(e), False)[:, 0]
    theta = np.linalg.norm(e, axis=1)
    k = np.zeros(e.shape[:1] + (3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -e[:, 2], e[:, 1], -e[:, 0]
    k = k - k.transpose(0, 2, 1)
    small = theta < SMALL_ANGLE
    th = np.where(small, 1.0, theta)
    coef = np.where(small, 1.0 / 12.0, 1.0 / th**2 - (1 + np.cos(th)) / (2 * th * np.sin(th)))
    return np.eye(3) - 0.5 * k + coef[:, None, None] * (k @ k)


def _log_jacobian_inv_derivative(e: np.ndarray) -> np.ndarray:
    """Derivatives (n, 3, 3, 3) of :func:`_log_jacobian_inv` with respect to each component ``eᵢ`` (first axis ``i``).

    With ``K = [e]×`` and ``J⁻¹ = I − K/2 + c(θ) K²``: ``∂J⁻¹/∂eᵢ = −Eᵢ/2 + (c′/θ) eᵢ K² + c (Eᵢ K + K Eᵢ)``,
    ``Eᵢ = [uᵢ]×``; below :data:`SERIES_ANGLE` ``c`` and ``c′/θ`` take their series. Compiled
    with :func:`_log_jacobians` where the ``fast`` extra is installed.
    """
    if enabled():
        return _LOG_JACOBIANS(np.ascontiguousarray(e), True)
    theta = np.linalg.norm(e, axis=1)
    k = np.einsum("ijk,nj->nik", _LEVI_CIVITA, e)  # K v = e × v
    small = theta < SERIES_ANGLE
    th = np.where(small, 1.0, theta)
    cot, csc2 = 1.0 / np.tan(th / 2), 1.0 / np.sin(th / 2) ** 2
    coef = np.where(small, 1 / 12 + theta**2 / 720, 1 / th**2 - cot / (2 * th))
    slope = np.where(small, 1 / 360 + theta**2 / 7560, (-2 / th**3 + csc2 / (4 * th) + cot / (2 * th**2)) / th)
    unit = -_LEVI_CIVITA  # unit[i] = [uᵢ]×
    kk = k @ k
    return (
        -0.5 * unit[None]
        + (slope[:, None] * e)[:, :, None, None] * kk[:, None]
        + coef[:, None, None, None] * (unit[None] @ k[:, None] + k[:, None] @ unit[None])
    )


def _log_jacobians(e: np.ndarray, derivative: bool) -> np.ndarray:
    """:func:`_log_jacobian_inv` (n, 1, 3, 3), or with ``derivative`` :func:`_log_jacobian_inv_derivative`
    (n, 3, 3, 3), one rotation vector at a time (the compiled kernel)."""
    n = e.shape[0]
    out = np.zeros((n, 3, 3, 3)) if derivative else np.zeros((n, 1, 3, 3))
    k, kk, unit = np.zeros((3, 3)), np.zeros((3, 3)), np.zeros((3, 3))
    for m in range(n):
        x, y, z = e[m, 0], e[m, 1], e[m, 2]
        theta = np.sqrt(x * x + y * y + z * z)
        k[0, 1], k[0, 2], k[1, 2] = -z, y, -x
        k[1, 0], k[2, 0], k[2, 1] = z, -y, x
        for a in range(3):
            for b in range(3):
                kk[a, b] = k[a, 0] * k[0, b] + k[a, 1] * k[1, b] + k[a, 2] * k[2, b]
        if not derivative:
            if theta < SMALL_ANGLE:
                coef = 1.0 / 12.0
            else:
                coef = 1.0 / theta**2 - (1 + np.cos(theta)) / (2 * theta * np.sin(theta))
            for a in range(3):
                for b in range(3):
                    out[m, 0, a, b] = (1.0 if a == b else 0.0) - 0.5 * k[a, b] + coef * kk[a, b]
            continue
        if theta < SERIES_ANGLE:
            coef, slope = 1 / 12 + theta**2 / 720, 1 / 360 + theta**2 / 7560
        else:
            cot, csc2 = 1.0 / np.tan(theta / 2), 1.0 / np.sin(theta / 2) ** 2
            coef = 1 / theta**2 - cot / (2 * theta)
            slope = (-2 / theta**3 + csc2 / (4 * theta) + cot / (2 * theta**2)) / theta
        for i in range(3):
            unit[:] = 0.0  # [uᵢ]×
            unit[(i + 2) % 3, (i + 1) % 3], unit[(i + 1) % 3, (i + 2) % 3] = 1.0, -1.0
            for a in range(3):
                for b in range(3):
                    turn = 0.0
                    for c in range(3):
                        turn += unit[a, c] * k[c, b] + k[a, c] * unit[c, b]
                    out[m, i, a, b] = -0.5 * unit[a, b] + slope * e[m, i] * kk[a, b] + coef * turn
    return out


#: The compiled kernel of the log-map Jacobians (None without it).
_LOG_JACOBIANS = compiled(_log_jacobians)


def _orientation_curvature(second: SecondOrder, body: str, target: np.ndarray, foot: FootRotation, lam: np.ndarray):
    """Add to ``second`` the second derivative of ``λ · e``, ``e`` the rotation vector of ``body``
    relative to ``target`` (:class:`FootRotation` ``foot``; ``lam`` (n, 3)).

    ``∂e/∂q_c = J⁻¹(e) Tᵀ ω_c``: its derivative is that of ``J⁻¹`` along ``∂e/∂q_d``, and the
    turning of ``ω_c`` (:meth:`SecondOrder.angular`) seen through ``ν = T J⁻ᵀ λ``.
    """
    e, inv, turn, jac = foot
    weighted = np.einsum("nj,nijk->nik", lam, _log_jacobian_inv_derivative(e))  # [i, k]: λ · ∂J⁻¹/∂eᵢ [:, k]
    second.angular(body, (target @ (inv.transpose(0, 2, 1) @ lam[..., None]))[..., 0])
    second.product(turn.transpose(0, 2, 1), weighted.transpose(0, 2, 1) @ jac)


def _centre_of_mass(cond: Conditions, frames: Frames, loads: PointLoads) -> tuple[np.ndarray, np.ndarray]:
    """Whole-body centre of mass (n, 3) and its Jacobian (n, 3, n_coordinates), ``loads`` the
    weights at ``frames`` (:func:`~kinechain.mechanics.external.external_loads`)."""
    com = centre_of_mass(loads)
    weights = -loads.force[..., 1]
    total = weights.sum(axis=1)
    # every weight but the last is fixed in its body; the last is the hand load (external_loads)
    share = weights / total[:, None]
    jac = frames.weighted_point_jacobian(loads.body[:-1], loads.point[:, :-1], share[:, :-1])
    held = np.flatnonzero(weights[:, -1])  # where a load is held
    if held.size:
        jac[held] += share[held, -1, None, None] * hand_load_jacobian(frames.take(held), cond.load_distance[held])
    return com, jac


#: Clinical angles that are a three-axis joint's own angles: its coordinates (up to sign), linear.
_JOINT_ANGLES = frozenset(
    name
    for name, (child, parent, *_) in CLINICAL_ANGLES.items()
    if PARENTS[child] == parent and len(joint_coordinates(child)) == 3
)


def _clinical_curvature(second: SecondOrder, name: str, lam: np.ndarray) -> None:
    """Add to ``second`` the second derivative of ``λ`` (n,) times a joint-coordinate-system clinical angle.

    The angle's rate is ``r(α, β) · Ω``, ``Ω = R_pᵀ (ω_child − ω_parent)`` (:func:`clinical_jacobian`):
    its derivative takes in the Z and X angles' rates through ``r``, the parent's turning of
    ``R_pᵀ`` and the turning of the joint axes (:meth:`SecondOrder.angular`).
    """
    frames = second.frames
    child, parent, k, scale = angle_definition(name)
    lam = lam * scale
    n = frames.origins.shape[0]
    rc = frames.rotations[:, frames.index(child)]
    omega = frames.angular_jacobian(child)
    if parent != "ground":
        rp = frames.rotations[:, frames.index(parent)]
        parent_omega = frames.angular_jacobian(parent)
        omega = omega - parent_omega
    else:
        rp = np.broadcast_to(np.eye(3), (n, 3, 3))
    local = rp.transpose(0, 2, 1) @ omega  # Ω (n, 3, n_q)
    alpha, beta = zxy_angles(relative_matrix(rp, rc))[:, :2].T
    ca, sa, cb, tb = np.cos(alpha), np.sin(alpha), np.cos(beta), np.tan(beta)
    zero, one = np.zeros(n), np.ones(n)
    # rate rows (Z, X, Y) and their derivatives along α and β, (n, 3)
    rows = {
        0: ((tb * sa, -tb * ca, one), (tb * ca, tb * sa, zero), (sa / cb**2, -ca / cb**2, zero)),
        1: ((ca, sa, zero), (-sa, ca, zero), (zero, zero, zero)),
        2: ((-sa / cb, ca / cb, zero), (-ca / cb, -sa / cb, zero), (-sa * tb / cb, ca * tb / cb, zero)),
    }
    rate, d_alpha, d_beta = (np.stack(v, axis=1)[:, None, :] for v in rows[k])
    z_rate, x_rate = (np.stack(rows[j][0], axis=1)[:, None, :] @ local for j in (0, 1))  # (n, 1, n_q)
    second.product(((lam[:, None, None] * d_alpha) @ local).transpose(0, 2, 1), z_rate)
    second.product(((lam[:, None, None] * d_beta) @ local).transpose(0, 2, 1), x_rate)
    nu = lam[:, None] * (rp @ rate.transpose(0, 2, 1))[..., 0]  # ground components
    second.angular(child, nu)
    if parent != "ground":
        # d(R_pᵀ v) = −R_pᵀ (ω_p × v): the entry [c, d] is −ν · (ω_p,d × Ω_c) with Ω_c in ground
        second.angular(parent, -nu)
        second.product(-cross(omega.transpose(0, 2, 1), nu[:, None, :]), parent_omega)


def _projection_curvature(second: SecondOrder, side: str, lam: np.ndarray) -> None:
    """Add to ``second`` the second derivative of ``λ`` (n,) times the knee frontal-plane projection angle.

    The angle is ``θ(u) − θ(t)`` (negated on the right), ``θ(v) = atan2(v_z, v_y)`` the direction of
    the projected thigh ``t`` (hip → knee) and shank ``u`` (knee → ankle):
    ``∇θ = (−v_z, v_y) / |v|²``, ``∇²θ = [[2 v_y v_z, v_z² − v_y²], [v_z² − v_y², −2 v_y v_z]] / |v|⁴``;
    the centres are the origins of the femur, tibia and talus.
    """
    frames = second.frames
    lam = -lam if side == "r" else lam
    bodies = [frames.index(f"{b}_{side}") for b in ("femur", "tibia", "talus")]
    centres = frames.origins[:, bodies]  # (n, 3, 3)
    jacs = [frames.point_jacobian(b, centres[:, k, None])[:, 0, 1:] for k, b in enumerate(BODIES[i] for i in bodies)]
    t, u = (centres[:, 1] - centres[:, 0])[:, 1:], (centres[:, 2] - centres[:, 1])[:, 1:]

    def slope(v):
        return np.stack([-v[:, 1], v[:, 0]], axis=1) / np.einsum("ni,ni->n", v, v)[:, None]

    def bend(v):
        y, z = v[:, 0], v[:, 1]
        off = z**2 - y**2
        return (
            np.stack([np.stack([2 * y * z, off], 1), np.stack([off, -2 * y * z], 1)], 1)
            / ((y**2 + z**2) ** 2)[:, None, None]
        )

    g_t, g_u = -slope(t), slope(u)
    pull = np.zeros((lam.shape[0], 3, 3))
    pull[:, :, 1:] = lam[:, None, None] * np.stack([-g_t, g_t - g_u, g_u], axis=1)
    second.points(np.array(bodies), centres, pull)
    j_t, j_u = jacs[1] - jacs[0], jacs[2] - jacs[1]
    for j, h in ((j_u, bend(u)), (j_t, -bend(t))):
        second.product(j.transpose(0, 2, 1), (lam[:, None, None] * h) @ j)


def _centre_of_mass_curvature(cond: Conditions, second: SecondOrder, loads: PointLoads, lam: np.ndarray) -> None:
    """Add to ``second`` the second derivative of ``λ`` (n, 3) times the whole-body centre of mass
    (``loads`` the weights at ``second.frames``).

    The segments' weights are points fixed in their bodies; the hand load (:func:`hand_load_jacobian`)
    moves with the L5/S1 disc centre and turns with the thorax's heading ``h = P a / |P a|``, whose
    curvature along ``λ`` is ``−(λhᵀ + hλᵀ + (λ·h)(I − 3hhᵀ)) / |P a|²`` on ``P da`` and
    ``(I − hhᵀ) λ / |P a|`` on ``P d²a``.
    """
    frames = second.frames
    weights = -loads.force[..., 1]
    share = weights / weights.sum(axis=1)[:, None]
    l5 = BODIES.index("L5")
    bodies, points = loads.body.copy(), loads.point.copy()  # the hand load's point moves with L5
    bodies[-1], points[:, -1] = l5, frames.origins[:, l5]
    second.points(bodies, points, share[:, :, None] * lam[:, None, :])
    hand = share[:, -1] * cond.load_distance  # (n,) m
    if not hand.any():
        return
    a = frames.axis(THORAX, 0)
    flat = a * _FLOOR
    norm = np.linalg.norm(flat, axis=1)
    h = flat / norm[:, None]
    lam_h = hand[:, None] * lam
    along = np.einsum("ni,ni->n", lam_h, h)
    tangent = (lam_h - along[:, None] * h) / norm[:, None]
    second.direction(THORAX, a, tangent * _FLOOR)
    da = cross(frames.angular_jacobian(THORAX).transpose(0, 2, 1), a[:, None, :]) * _FLOOR  # P (ω_c × a) (n, n_q, 3)
    outer = lam_h[:, :, None] * h[:, None, :]
    bend = -(outer + outer.transpose(0, 2, 1) + along[:, None, None] * (np.eye(3) - 3 * h[:, :, None] * h[:, None, :]))
    second.product(da, (bend / norm[:, None, None] ** 2) @ da.transpose(0, 2, 1))


def curvature(
    problem: Problem,
    frames: Frames,
    lam: np.ndarray,
    feet: dict[str, FootRotation] | None = None,
    loads: PointLoads | None = None,
) -> np.ndarray:
    """Curvature (n, n_q, n_q) of the constraints weighted by ``lam`` and of the midtarsal springs.

    ``Σᵢ λᵢ ∇²cᵢ`` over the rows of :func:`constraints` (same order), plus the springs'
    ``k·roll·∇²roll`` (the part of their Hessian :func:`foot_energy` leaves out); the held joint
    limits are linear. ``feet`` (:func:`foot_rotations`) and ``loads`` (the weights) at
    ``frames``: where already known.
    """
    cond = problem.cond
    model = cond.model
    n = lam.shape[0]
    feet = foot_rotations(problem, frames) if feet is None else feet
    loads = external_loads(model, frames, cond.load_mass, cond.load_distance) if loads is None else loads
    second = SecondOrder(frames)
    row = 0
    for side, foot in feet.items():
        body = f"calcn_{side}"
        mid = frames.point(body, model.landmarks[f"midtarsal_centre_{side}"][1])
        second.points(np.array([frames.index(body)]), mid[:, None], lam[:, None, row : row + 3])
        a = model.midtarsal_axis[side]
        spring = MIDTARSAL_STIFFNESS * (foot.vector @ a)[:, None] * a
        hinge = lam[:, row + 3 : row + 5] @ _hinge_basis(model, side)
        _orientation_curvature(second, body, problem.feet[side][1], foot, hinge + spring)
        row += 5
    gaze = (lam[:, None, row : row + 2] @ problem.gaze)[:, 0]
    second.direction(THORAX, frames.axis(THORAX, 0), gaze)
    row += 2
    if cond.task.bends:
        second.direction(THORAX, frames.axis(THORAX, 2), lam[:, row, None] * _UP)
        _clinical_curvature(second, "lumbar_flexion", lam[:, row + 1])  # the pelvis's tilt is a joint angle
        row += 2
    _centre_of_mass_curvature(cond, second, loads, np.stack([lam[:, row], np.zeros(n), lam[:, row + 1]], axis=1))
    row += 2
    for name in problem.targets:
        if name in PROJECTION_ANGLES:
            _projection_curvature(second, name[-1], lam[:, row])
        elif name not in _JOINT_ANGLES:
            _clinical_curvature(second, name, lam[:, row])
        row += 1
    return second.matrix()


def constraints(problem: Problem, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, Frames]:
    """Constraint residuals (n, m) and Jacobians (n, m, n_coordinates) at ``q``, and the frames there."""
    cond = problem.cond
    frames = body_frames(cond.model.p, q)
    loads = external_loads(cond.model, frames, cond.load_mass, cond.load_distance)
    c, jac, _ = _constraint_rows(problem, q, frames, foot_rotations(problem, frames), loads)
    return c, jac, frames


def _constraint_rows(
    problem: Problem, q: np.ndarray, frames: Frames, feet: dict[str, FootRotation], loads: PointLoads
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`constraints` at ``q`` given its frames, its stance feet's rotations and its weights,
    and which rows are inactive (:meth:`Problem.inactive`)."""
    cond = problem.cond
    res, jac = [], []
    for side, foot in feet.items():
        pos = problem.feet[side][0]
        body = f"calcn_{side}"
        mid = frames.point(body, cond.model.landmarks[f"midtarsal_centre_{side}"][1])
        res.append(mid - pos)
        jac.append(frames.point_jacobian(body, mid[:, None])[:, 0])
        # the calcaneus turns on the forefoot only about the midtarsal axis
        basis = _hinge_basis(cond.model, side)
        res.append(foot.vector @ basis.T)
        jac.append(np.einsum("ki,nic->nkc", basis, foot.jacobian))
    # the gaze: the thorax's anterior axis a along its target, d(a·u) = u·(ω × a) = (a × u)·ω
    a = frames.axis(THORAX, 0)
    res.append(np.einsum("nki,ni->nk", problem.gaze, a))
    jac.append(np.einsum("nki,nic->nkc", cross(a[:, None, :], problem.gaze), frames.angular_jacobian(THORAX)))
    if cond.task.bends:
        # a trunk pitched forward does not roll about the gaze (that roll would turn it about the
        # vertical): its lateral axis stays horizontal, d(z·y) = y·(ω × z) = (z × y)·ω
        z = frames.axis(THORAX, 2)
        res.append(z[:, 1:2])
        jac.append(np.einsum("ni,nic->nc", cross(z, _UP), frames.angular_jacobian(THORAX))[:, None, :])
        # the lumbopelvic rhythm: lumbar flexion = ratio × anterior pelvic tilt
        ratio = cond.lumbopelvic_ratio
        (lumbar, d_lumbar), (tilt, d_tilt) = (
            clinical_angle_and_jacobian(frames, k) for k in ("lumbar_flexion", PELVIS_TILT)
        )
        res.append((lumbar - ratio * tilt)[:, None])
        jac.append((d_lumbar - ratio[:, None] * d_tilt)[:, None, :])
    com, com_jac = _centre_of_mass(cond, frames, loads)
    res.append(com[:, [0, 2]] - problem.com)
    jac.append(com_jac[:, [0, 2]])
    for name, target in problem.targets.items():
        value, d_value = clinical_angle_and_jacobian(frames, name)
        res.append((value - target)[:, None])
        jac.append(d_value[:, None, :])
    limited = problem.limited
    if limited.size:
        held = problem.limits[:, limited]
        res.append(np.where(np.isnan(held), 0.0, q[:, limited] - held))
        jac.append(np.broadcast_to(_UNIT[limited], (q.shape[0], limited.size, q.shape[1])))
    c, j = np.concatenate(res, axis=1), np.concatenate(jac, axis=1)
    inactive = problem.inactive(c.shape[1])
    return np.where(inactive, 0.0, c), np.where(inactive[..., None], 0.0, j), inactive


def kkt_solve(hessian: np.ndarray, jac: np.ndarray, rhs: np.ndarray, inactive: np.ndarray | None = None) -> np.ndarray:
    """Solve ``[H Jᵀ; J 0] x = rhs`` for a batch.

    Parameters
    ----------
    hessian : ndarray (n, n_q, n_q)
    jac : ndarray (n, m, n_q)
        Zero rows where ``inactive``.
    rhs : ndarray (n, n_q + m, k)
    inactive : ndarray (n, m) of bool, optional
        Rows that do not apply: their multiplier is solved as zero (a unit on the diagonal).

    Returns
    -------
    ndarray (n, n_q + m, k)
        Coordinate part first, then the multipliers.
    """
    m, nq = jac.shape[1:]
    kkt = _kkt_matrix(hessian, jac, inactive)
    rows = nq + np.arange(m)
    try:
        return np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        # dependent constraints in some element (for instance a joint held at a limit that the
        # task's constraints also fix): regularize that element's multiplier block only, so that
        # no other element's result depends on it; the element then misses its constraints and
        # is reported as not converged
        singular = np.linalg.slogdet(kkt)[0] == 0
        kkt[np.ix_(singular, rows, rows)] -= SINGULAR_REGULARIZATION * np.eye(m)
        return np.linalg.solve(kkt, rhs)


def _kkt_matrix(hessian: np.ndarray, jac: np.ndarray, inactive: np.ndarray | None) -> np.ndarray:
    """``[H Jᵀ; J 0]`` (n, n_q + m, n_q + m), a unit on the diagonal of the ``inactive`` rows' multipliers."""
    n, m, nq = jac.shape
    kkt = np.zeros((n, nq + m, nq + m))
    kkt[:, :nq, :nq] = hessian
    kkt[:, :nq, nq:] = jac.transpose(0, 2, 1)
    kkt[:, nq:, :nq] = jac
    if inactive is not None:
        rows = nq + np.arange(m)
        kkt[:, rows, rows] = inactive
    return kkt


def foot_energy(
    problem: Problem, frames: Frames, feet: dict[str, FootRotation] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient (n, n_q) and Gauss–Newton Hessian (n, n_q, n_q) of the midtarsal springs' energy
    (``feet``: :func:`foot_rotations` at ``frames`` where already known)."""
    k = MIDTARSAL_STIFFNESS
    roll, jac = foot_roll(problem, frames, feet)
    return k * np.einsum("nk,nkc->nc", roll, jac), k * np.einsum("nkc,nkd->ncd", jac, jac)


def _newton_step(problem: Problem, q: np.ndarray, linear: np.ndarray, q0: np.ndarray, lam: np.ndarray | None = None):
    """One Newton–KKT step at ``q``; given the multipliers ``lam`` (n, m) of the previous iterate,
    the Hessian holds the Lagrangian's curvature weighted by them (:func:`curvature`)."""
    cond = problem.cond
    frames = body_frames(cond.model.p, q)
    feet = foot_rotations(problem, frames)
    loads = external_loads(cond.model, frames, cond.load_mass, cond.load_distance)
    c, jac, inactive = _constraint_rows(problem, q, frames, feet, loads)
    foot_grad, foot_hess = foot_energy(problem, frames, feet)
    passive_grad, passive_hess = passive_energy(cond, q)
    grad = np.einsum("nij,nj->ni", problem.stiffness, q - q0) + linear + foot_grad + passive_grad
    rhs = -np.concatenate([grad, c], axis=1)[..., None]
    hessian = problem.stiffness + foot_hess + passive_hess
    nq = q.shape[1]
    if lam is None:
        sol = kkt_solve(hessian, jac, rhs, inactive)[..., 0]
    else:
        curved = curvature(problem, frames, np.where(inactive, 0.0, lam), feet, loads)
        sol = _curved_solve(hessian, curved, jac, rhs[..., 0], inactive)
    return sol[:, :nq], sol[:, nq:], c, jac, frames


def _curved_solve(hessian, curved, jac, rhs, inactive) -> np.ndarray:
    """The KKT system (:func:`kkt_solve`) with the Hessian ``hessian + curved``; an element whose
    system is then singular, or whose step meets no positive curvature along itself, is solved
    with ``hessian`` alone (the energy's curvature without the constraints')."""
    n, m, nq = jac.shape
    kkt = _kkt_matrix(hessian, jac, inactive)
    full = kkt[:, :nq, :nq]
    full += curved
    try:
        sol = np.linalg.solve(kkt, rhs[..., None])[..., 0]
        poor = np.zeros(n, dtype=bool)
    except np.linalg.LinAlgError:
        poor = np.linalg.slogdet(kkt)[0] == 0
        sol = np.zeros((n, nq + m))
        sol[~poor] = np.linalg.solve(kkt[~poor], rhs[~poor, :, None])[..., 0]
    step = sol[:, :nq]
    along = np.einsum("ni,ni->n", (full @ step[..., None])[..., 0], step)  # the step's own curvature
    poor |= ~np.isfinite(sol).all(axis=1) | (along <= 0) & (np.abs(step).max(axis=1) > 0)
    if poor.any():
        sol[poor] = kkt_solve(hessian[poor], jac[poor], rhs[poor, :, None], inactive[poor])[..., 0]
    return sol


def constraint_tolerance(model) -> float:
    """Largest constraint residual (m, rad) of a solved posture: :data:`TOLERANCE` of the thigh length."""
    return TOLERANCE * model.subject.segments["thigh"].length


def minimize(problem: Problem, linear: np.ndarray, q_init: np.ndarray, todo: np.ndarray | None = None):
    """Batched Newton–KKT iterations on ``E(q) = V(q) + ½ΔqᵀKΔq + linearᵀΔq`` (and the midtarsal
    springs) under the constraints, ``V`` the joints' passive energy (:func:`passive_energy`).

    Only the elements ``todo`` (default: all) iterate; the others keep ``q_init``. An element stops
    at the iterate whose constraints are met and whose Newton step is below the tolerances (that
    last step is not taken: the iterate and its multipliers are the solution). Each step's
    Hessian holds the constraints' curvature weighted by the previous iterate's multipliers (none
    at the first). Returns the coordinates, the constraint multipliers, the constraint residuals
    and Jacobians, and the frames, all at the final iterate of every element.
    """
    model = problem.cond.model
    q0 = model.neutral()
    q = q_init.copy()
    tol = constraint_tolerance(model)
    todo = np.arange(q.shape[0]) if todo is None else todo
    result = _Iterates(problem)
    lam_all = None
    for _ in range(MAX_ITERATIONS):
        part = problem if todo.size == q.shape[0] else problem.take(todo)  # todo is sorted
        rows = None if lam_all is None else result.rows(part, lam_all.shape[1])
        lam_prev = None if lam_all is None else lam_all[todo[:, None], rows]
        step, lam, c, jac, frames = _newton_step(part, q[todo], linear[todo], q0, lam_prev)
        if lam_all is None:
            lam_all = np.zeros((q.shape[0], result.width(part, c.shape[1])))
            rows = result.rows(part, lam_all.shape[1])
        lam_all[todo[:, None], rows] = lam
        # a long step (far from the solution, e.g. after a joint was stopped at a limit) is shortened
        step *= np.minimum(1.0, MAX_STEP / np.maximum(np.abs(step).max(axis=1), 1e-300))[:, None]
        done = (np.abs(c).max(axis=1) < tol) & (np.abs(step).max(axis=1) < STEP_TOLERANCE)
        result.keep(part, todo[done], lam[done], c[done], jac[done], frames.take(done))
        todo, step = todo[~done], step[~done]
        q[todo] += step
        if todo.size == 0:
            break
    rest = np.flatnonzero(~result.kept)  # not iterated, or not converged: evaluated where they stand
    if rest.size:
        part = problem.take(rest)
        _, lam, c, jac, frames = _newton_step(part, q[rest], linear[rest], q0)
        result.keep(part, rest, lam, c, jac, frames)
    return q, result.lam, result.c, result.jac, result.frames


class _Iterates:
    """Multipliers, constraint residuals and Jacobians, and frames of a batch's final iterates,
    gathered from the iterations in which elements stop, in the whole problem's constraint rows."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.kept = np.zeros(problem.limits.shape[0], dtype=bool)
        self.lam = self.c = self.jac = self.frames = None

    def width(self, part: Problem, m: int) -> int:
        """The whole problem's number of constraint rows, from the ``m`` of ``part`` (a problem of
        some elements, whose held limits may be fewer)."""
        return m - part.limited.size + self.problem.limited.size

    def rows(self, part: Problem, m: int) -> np.ndarray:
        """Where the constraint rows of ``part`` (a problem of some elements) sit among the whole problem's ``m``."""
        fixed = m - self.problem.limited.size
        return np.concatenate([np.arange(fixed), fixed + np.searchsorted(self.problem.limited, part.limited)])

    def keep(self, part: Problem, index: np.ndarray, lam, c, jac, frames: Frames) -> None:
        """Store the values of the elements ``index`` (from the problem ``part`` of some elements,
        whose held limits, and so constraint rows, may be fewer)."""
        n = self.kept.size
        m = self.width(part, c.shape[1])
        rows = self.rows(part, m)
        if self.frames is None:
            self.lam, self.c, self.jac = np.zeros((n, m)), np.zeros((n, m)), np.zeros((n, m, jac.shape[2]))
            self.frames = Frames(
                *(np.zeros((n,) + a.shape[1:]) for a in (frames.origins, frames.rotations, frames.joint_axes))
            )
        self.lam[index[:, None], rows] = lam
        self.c[index[:, None], rows] = c
        self.jac[index[:, None], rows] = jac
        self.frames.put(index, frames)
        self.kept[index] = True
