"""Inverse statics: ground reaction, net joint loads, muscle force sharing, lumbar loads.

Everything is vectorized over a leading batch of postures ``n``; forces are in newtons, moments
in newton-metres, positions in metres, all in the ground frame unless a disc frame is named.

Joint loads are the force and moment that the proximal segment exerts on the distal part of the
chain at the joint centre. For the legs the distal part contains the foot and its ground
reaction, so they are computed from the ground up; for the lumbar levels the distal part is the
trunk above the level, so they are computed from the trunk down. The pelvis closes the two: its
own weight and the reactions of both hips and of L5/S1 are in equilibrium (a tested property).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .anthropometry import GRAVITY
from .kinematics import _ANCESTORS, Frames
from .topology import BODIES

_UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class PointLoads:
    """External forces on the chain (gravity, hand load), as point forces.

    Attributes
    ----------
    body : ndarray (k,) of int
        Body each force acts on.
    point : ndarray (n, k, 3)
        Points of application in ground (m).
    force : ndarray (n, k, 3)
        Forces (N).
    """

    body: np.ndarray
    point: np.ndarray
    force: np.ndarray

    @property
    def total_mass_weight(self) -> np.ndarray:
        """Total external force (n, 3) (N)."""
        return self.force.sum(axis=1)


def hand_load_point(frames: Frames, load_distance: np.ndarray) -> np.ndarray:
    """Where the hands hold the load: ``load_distance`` in front of the L5/S1 disc centre (n, 3)."""
    heading = frames.axis("L1", 0).copy()
    heading[:, 1] = 0.0
    heading /= np.linalg.norm(heading, axis=1, keepdims=True)
    return frames.origins[:, BODIES.index("L5")] + np.asarray(load_distance)[:, None] * heading


def external_loads(model, frames: Frames, load_mass=0.0, load_distance=0.0) -> PointLoads:
    """Segment weights (de Leva 1996 masses) and the load held in the hands (carried by L1).

    Parameters
    ----------
    load_mass : array_like (n,) or scalar
        Mass held in both hands (kg).
    load_distance : array_like (n,) or scalar
        Horizontal distance of the hands in front of the L5/S1 disc centre (m).
    """
    n = frames.origins.shape[0]
    bodies = [BODIES.index(m.body) for m in model.masses]
    points = np.stack([frames.point(m.body, np.asarray(m.com)) for m in model.masses], axis=1)
    forces = np.broadcast_to(
        -GRAVITY * np.array([m.mass for m in model.masses])[None, :, None] * _UP, points.shape
    ).copy()
    load_mass = np.broadcast_to(np.asarray(load_mass, dtype=float), (n,))
    load_distance = np.broadcast_to(np.asarray(load_distance, dtype=float), (n,))
    hand = hand_load_point(frames, load_distance)
    bodies.append(BODIES.index("L1"))
    points = np.concatenate([points, hand[:, None]], axis=1)
    forces = np.concatenate([forces, (-GRAVITY * load_mass)[:, None, None] * _UP], axis=1)
    return PointLoads(np.array(bodies), points, forces)


def centre_of_mass(loads: PointLoads) -> np.ndarray:
    """Centre of mass (n, 3) of the weights in ``loads`` (the hand load included) (m)."""
    w = -loads.force[..., 1]
    return np.einsum("nk,nki->ni", w, loads.point) / w.sum(axis=1, keepdims=True)


def foot_centre(model, frames: Frames, side: str) -> np.ndarray:
    """Midpoint of heel and toe projected on the ground plane (n, 3) (m)."""
    c = 0.5 * (
        frames.point(f"calcn_{side}", model.landmarks[f"heel_{side}"][1])
        + frames.point(f"calcn_{side}", model.landmarks[f"toe_{side}"][1])
    )
    c[:, 1] = 0.0
    return c


@dataclass(frozen=True)
class GroundReaction:
    """Ground reaction under each stance foot.

    Attributes
    ----------
    force, moment : dict side → ndarray (n, 3)
        Force (N) and moment (N·m) about ``point``, applied by the ground to the foot.
    point : dict side → ndarray (n, 3)
        Foot centre on the ground (m).
    cop : dict side → ndarray (n, 3)
        Centre of pressure on the ground plane (m); NaN-free, meaningful where the vertical
        force is positive.
    """

    force: dict
    moment: dict
    point: dict
    cop: dict


def ground_reaction(model, frames: Frames, stance: tuple[str, ...], loads: PointLoads) -> GroundReaction:
    """Ground reaction that holds the whole body in static equilibrium.

    Single stance: the stance foot carries the whole external wrench. Double stance (statically
    indeterminate): of all foot wrenches that balance the body, the one with the least
    ``Σ |F|² + |M|²/ℓ²`` (moments about each foot centre, ℓ = foot length) — a symmetric,
    mirror-equivariant split that shares the weight by the lever rule and keeps the free
    moments small.
    """
    n = frames.origins.shape[0]
    total_force = loads.force.sum(axis=1)
    total_moment = np.cross(loads.point, loads.force).sum(axis=1)  # about the ground origin
    centres = {s: foot_centre(model, frames, s) for s in stance}
    if len(stance) == 1:
        s = stance[0]
        force = {s: -total_force}
        moment = {s: -total_moment - np.cross(centres[s], force[s])}
    else:
        length = model.subject.segments["foot"].length
        # unknown x = [F_r, M_r/ℓ, F_l, M_l/ℓ]; rows: force balance, moment balance about origin
        a = np.zeros((n, 6, 12))
        for j, s in enumerate(stance):
            a[:, :3, 6 * j : 6 * j + 3] = np.eye(3)
            a[:, 3:, 6 * j : 6 * j + 3] = _skew(centres[s])
            a[:, 3:, 6 * j + 3 : 6 * j + 6] = length * np.eye(3)
        b = -np.concatenate([total_force, total_moment], axis=1)
        x = np.einsum("nji,nj->ni", a, np.linalg.solve(a @ a.transpose(0, 2, 1), b[..., None])[..., 0])
        force = {s: x[:, 6 * j : 6 * j + 3] for j, s in enumerate(stance)}
        moment = {s: length * x[:, 6 * j + 3 : 6 * j + 6] for j, s in enumerate(stance)}
    cop = {}
    for s in stance:
        f, m, c = force[s], moment[s], centres[s]
        fy = np.where(np.abs(f[:, 1]) > 1e-9, f[:, 1], 1e-9)
        # moment about the COP has no horizontal component: r × F + M = 0 for r in the ground plane
        cop[s] = c + np.stack([m[:, 2] / fy, np.zeros(n), -m[:, 0] / fy], axis=1)
    return GroundReaction(force, moment, centres, cop)


def _skew(v: np.ndarray) -> np.ndarray:
    out = np.zeros(v.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2] = -v[..., 2], v[..., 1]
    out[..., 1, 0], out[..., 1, 2] = v[..., 2], -v[..., 0]
    out[..., 2, 0], out[..., 2, 1] = -v[..., 1], v[..., 0]
    return out


#: Joints whose net loads are reported: name → distal body (the joint centre is its origin).
JOINTS = {
    "l5s1": "L5",
    "l4l5": "L4",
    **{f"{j}_{s}": f"{b}_{s}" for s in "rl" for j, b in (("hip", "femur"), ("knee", "tibia"), ("ankle", "talus"))},
}


def joint_loads(frames: Frames, loads: PointLoads, grf: GroundReaction) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Net force and moment (n, 3) the proximal segment exerts on the distal chain at each joint.

    Returns
    -------
    dict
        Joint name (:data:`JOINTS`) → (force (N), moment about the joint centre (N·m)), ground
        frame. Legs from the ground up, lumbar levels from the trunk down.
    """
    out = {}
    for joint, body in JOINTS.items():
        k = BODIES.index(body)
        centre = frames.origins[:, k]
        inside = np.array([k in _ANCESTORS[b] for b in loads.body])
        f = loads.force[:, inside]
        force = -f.sum(axis=1)
        moment = -np.cross(loads.point[:, inside] - centre[:, None], f).sum(axis=1)
        for side in grf.force:
            if k in _ANCESTORS[BODIES.index(f"calcn_{side}")]:
                force = force - grf.force[side]
                moment = moment - np.cross(grf.point[side] - centre, grf.force[side]) - grf.moment[side]
        out[joint] = (force, moment)
    return out


def pelvis_residual(model, frames: Frames, loads: PointLoads, joints: dict) -> tuple[np.ndarray, np.ndarray]:
    """Force and moment (about the pelvis origin) left over on the pelvis: zero in equilibrium."""
    o = frames.origins[:, 0]
    own = loads.body == 0
    force = loads.force[:, own].sum(axis=1)
    moment = np.cross(loads.point[:, own] - o[:, None], loads.force[:, own]).sum(axis=1)
    for joint in ("hip_r", "hip_l", "l5s1"):
        f, m = joints[joint]
        centre = frames.origins[:, BODIES.index(JOINTS[joint])]
        force = force - f
        moment = moment - m - np.cross(centre - o, f)
    return force, moment


#: Coordinates at which muscle forces must balance the net joint moment (force sharing), by
#: joint. Hips: the three hip coordinates; knees: flexion; lumbar levels: the three axes of the
#: disc frame (the superior endplate frame of the vertebra below).
EQUILIBRIUM = (
    ("hip_r", "hip_flexion_r"),
    ("hip_r", "hip_adduction_r"),
    ("hip_r", "hip_rotation_r"),
    ("hip_l", "hip_flexion_l"),
    ("hip_l", "hip_adduction_l"),
    ("hip_l", "hip_rotation_l"),
    ("knee_r", "knee_angle_r"),
    ("knee_l", "knee_angle_l"),
    ("l5s1", "lateral_bending"),
    ("l5s1", "axial_torsion"),
    ("l5s1", "flexion_extension"),
    ("l4l5", "lateral_bending"),
    ("l4l5", "axial_torsion"),
    ("l4l5", "flexion_extension"),
)
#: Body whose frame gives each lumbar level's disc axes (X anterior, Y endplate normal, Z right).
DISC_FRAME = {"l5s1": "sacrum", "l4l5": "L5"}


def equilibrium_axes(frames: Frames) -> np.ndarray:
    """Unit-free axes (n, D, 3) onto which joint moments are projected for :data:`EQUILIBRIUM`.

    Hip and knee rows are the coordinates' partial angular velocities (so the projections are
    generalized forces); lumbar rows are the disc-frame axes.
    """
    from .topology import joint_coordinates

    rows = []
    for joint, name in EQUILIBRIUM:
        if joint in DISC_FRAME:
            k = ("lateral_bending", "axial_torsion", "flexion_extension").index(name)
            rows.append(frames.axis(DISC_FRAME[joint], k))
        else:
            body = JOINTS[joint]
            k = joint_coordinates(body).index(name)
            rows.append(frames.joint_axes[:, BODIES.index(body), :, k])
    return np.stack(rows, axis=1)


def muscle_joint_moments(geometry, frames: Frames) -> np.ndarray:
    """Moment (n, D, M) each muscle exerts per newton of tension on the distal side of each
    equilibrium joint, projected on :func:`equilibrium_axes` (m)."""
    axes = equilibrium_axes(frames)
    rows = [BODIES.index(JOINTS[joint]) for joint, _ in EQUILIBRIUM]
    return np.einsum("ndmi,ndi->ndm", geometry.distal_moment[:, rows], axes)


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
    # The cubic map's floored slope can stall the line search short of 1e-9: its equilibrium is
    # accepted at 1e-5 of the largest demand (well under 1 mN·m for joint moments of ~100 N·m).
    act, lam, converged = _dual_newton(a_mat, tau, r2, exponent, tol if exponent == 2 else max(tol, 1e-5), max_iter)
    return act, r2 * lam / 2.0, converged


def _dual_newton(a_mat, tau, r2, p, tol, max_iter):
    """``min Σ aᵖ + Σ ρ²/R²`` for a batch, by (semismooth) Newton on the dual (see share_forces)."""
    n, d, _ = a_mat.shape
    lam = np.zeros((n, d))

    def activation(a_mat, lam, w=None):
        z = (lam[:, None, :] @ a_mat)[:, 0]
        if p == 2:
            act = np.clip(z / 2.0, 0.0, 1.0)
            slope = np.where((z > 0) & (z < 2.0), 0.5, 0.0)
        else:  # a = clip(√(z/3)); its slope 1/(6a) is floored near a = 0 (a descent direction still)
            act = np.clip(np.sqrt(np.maximum(z, 0.0) / 3.0), 0.0, 1.0)
            slope = np.where((z > 0) & (act < 1.0), 1.0 / (6.0 * np.maximum(act, 1e-3)), 0.0)
        return z, act, slope

    def dual(lam, tau, z, act, w=None):
        # θ(λ) = Σ_m [z a − aᵖ] + Σ_d R²λ²/4 − τ·λ: convex, with gradient A a + ρ − τ
        return np.sum(z * act - act**p, axis=1) + r2 * np.sum(lam**2, axis=1) / 4.0 - np.sum(tau * lam, axis=1)

    scale = 1.0 + np.abs(tau).max(axis=1)
    converged = np.zeros(n, dtype=bool)
    act = np.zeros((n, a_mat.shape[2]))
    todo = np.arange(n)
    for _ in range(max_iter):
        am, tm, lm, wm = a_mat[todo], tau[todo], lam[todo], None
        z, at, slope = activation(am, lm, wm)
        resid = (am @ at[..., None])[..., 0] + r2 * lm / 2.0 - tm
        done = np.abs(resid).max(axis=1) <= tol * scale[todo]
        act[todo] = at
        converged[todo[done]] = True
        keep = ~done
        todo, am, tm, lm = todo[keep], am[keep], tm[keep], lm[keep]
        if todo.size == 0:
            break
        z, at, slope, resid = z[keep], at[keep], slope[keep], resid[keep]
        value = dual(lm, tm, z, at, wm)
        hess = (am * slope[:, None, :]) @ am.transpose(0, 2, 1) + (r2 / 2.0) * np.eye(d)
        step = -np.linalg.solve(hess, resid[..., None])[..., 0]
        t = np.ones(todo.size)
        for _ls in range(40):
            trial = lm + t[:, None] * step
            zt, att, _ = activation(am, trial, wm)
            ok = dual(trial, tm, zt, att, wm) <= value + 1e-4 * t * np.sum(resid * step, axis=1)
            if ok.all():
                break
            t = np.where(ok, t, 0.5 * t)
        lam[todo] = lm + t[:, None] * step
    return act, lam, converged


#: Reserve actuator scale R (N·m) of the force sharing: cost (ρ/R)², heavily penalized.
RESERVE_SCALE = 0.01
#: Reserve moments above this (N·m) mark a result infeasible: the muscles cannot hold it.
RESERVE_LIMIT = 0.5


@dataclass(frozen=True)
class Loads:
    """Loads of a batch of solved postures (the result of :func:`statics`); arrays are (n, ...).

    Attributes
    ----------
    lumbar : dict
        ``{level}_{compression, shear_ap, shear_lateral, torsion_moment}`` for ``l5s1`` and
        ``l4l5``: the joint reaction (all external forces above the level plus every muscle
        crossing it) on the disc, in the frame of the endplate below. Compression (N) positive
        when the disc is pressed; ``shear_ap`` (N) positive when the upper body is pushed
        anteriorly; ``shear_lateral`` (N) positive to the right; ``torsion_moment`` (N·m): the
        net axial moment the level resists, positive turning the upper body to the left.
    joint_moments : dict
        ``hip_moment_{flexion,adduction,rotation}_{r,l}``, ``knee_moment_{...}_{r,l}``: net
        internal joint moment (N·m) projected on the joint's coordinate axes, positive in the
        coordinate's positive direction (flexion, adduction, internal rotation).
    hip_contact_force : dict
        ``hip_contact_force_{r,l}``: magnitude of the hip joint reaction including muscle forces (N).
    muscle_force, muscle_activation : ndarray (n, M)
        Tendon force (N) and activation (1).
    reserve_moment : ndarray (n, D)
        Reserve actuator moments at :data:`EQUILIBRIUM` (N·m).
    ground_reaction_force : ndarray (n, 3)
        Sum of the ground reactions (N).
    feasible : ndarray (n,) of bool
        Force sharing converged, reserves within :data:`RESERVE_LIMIT` and every centre of
        pressure under its foot.
    """

    lumbar: dict
    joint_moments: dict
    hip_contact_force: dict
    muscle_force: np.ndarray
    muscle_activation: np.ndarray
    reserve_moment: np.ndarray
    ground_reaction_force: np.ndarray
    feasible: np.ndarray


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
    geometry: object
    activation: np.ndarray
    reserve: np.ndarray
    tension: np.ndarray
    converged: np.ndarray


def muscle_equilibrium(model, frames: Frames, task, cond, tightness: np.ndarray, exponent: int = 2) -> Sharing:
    """Inverse statics and force sharing at the postures ``frames``.

    Parameters
    ----------
    task : Task
        Which feet stand on the ground.
    cond : Conditions
        Hand load and muscle strengths of the batch.
    tightness : ndarray (n, M)
        Tendon slack shortening used for the passive forces (optimal fibre lengths).
    """
    from .muscles import (
        force_length_active,
        force_length_passive,
        normalized_fiber_length,
        path_geometry,
        pennation_cosine,
    )

    muscles = model.muscles
    loads = external_loads(model, frames, cond.load_mass, cond.load_distance)
    grf = ground_reaction(model, frames, task.stance, loads)
    joints = joint_loads(frames, loads, grf)
    geometry = path_geometry(muscles, frames)
    axes = equilibrium_axes(frames)
    demand = np.stack(
        [np.einsum("ni,ni->n", joints[j][1], axes[:, row]) for row, (j, _) in enumerate(EQUILIBRIUM)], axis=1
    )
    per_newton = muscle_joint_moments(geometry, frames)
    length = normalized_fiber_length(muscles, geometry.length, tightness)
    cos_penn = pennation_cosine(muscles, length)
    capacity = cond.strength * muscles.max_isometric_force * force_length_active(length) * cos_penn
    passive = muscles.max_isometric_force * force_length_passive(length) * cos_penn
    act, reserve, converged = share_forces(
        per_newton * capacity[:, None, :],
        demand - np.einsum("ndm,nm->nd", per_newton, passive),
        reserve_scale=RESERVE_SCALE,
        exponent=exponent,
    )
    return Sharing(grf, joints, geometry, act, reserve, act * capacity + passive, converged)


def statics(model, pose, exponent: int = 2) -> Loads:
    """Inverse statics, force sharing and lumbar loads at solved postures.

    Parameters
    ----------
    model : Model
    pose : Pose
        From :func:`kinechain.propagate`; carries the task, the load and the muscle parameters.
    exponent : {2, 3}
        Exponent of the activation cost (see :func:`share_forces`).
    """
    from .model import require_model
    from .posture import Pose
    from .tasks import get_task

    require_model(model)
    if not isinstance(pose, Pose):
        raise ValueError(f"pose must be a kinechain.Pose (from kinechain.propagate); got {type(pose).__name__}")
    cond, frames = pose.conditions, pose.frames
    task = get_task(cond.task)
    sharing = muscle_equilibrium(model, frames, task, cond, cond.tightness, exponent)
    joints, geometry, tension, reserve = sharing.joints, sharing.geometry, sharing.tension, sharing.reserve
    act, shared, grf = sharing.activation, sharing.converged, sharing.grf

    lumbar = {}
    for level in ("l5s1", "l4l5"):
        body = JOINTS[level]
        k = BODIES.index(body)
        force, moment = joints[level]
        pull = geometry.distal_force[:, k]  # per newton of tension
        contact = force - np.einsum("nm,nmi->ni", tension, pull)  # proximal on distal
        disc = frames.rotations[:, BODIES.index(DISC_FRAME[level])]
        local = np.einsum("nji,nj->ni", disc, contact)
        lumbar[f"{level}_compression"] = local[:, 1]
        lumbar[f"{level}_shear_ap"] = -local[:, 0]
        lumbar[f"{level}_shear_lateral"] = -local[:, 2]
        lumbar[f"{level}_torsion_moment"] = np.einsum("ni,ni->n", moment, disc[:, :, 1])

    joint_moments, hip_contact = {}, {}
    for side in "rl":
        for joint, body in (("hip", f"femur_{side}"), ("knee", f"tibia_{side}")):
            b = BODIES.index(body)
            moment = joints[f"{joint}_{side}"][1]
            for j, axis in enumerate(("flexion", "adduction", "rotation")):
                value = np.einsum("ni,ni->n", moment, frames.joint_axes[:, b, :, j])
                joint_moments[f"{joint}_moment_{axis}_{side}"] = value
        k = BODIES.index(f"femur_{side}")
        pull = geometry.distal_force[:, k]
        contact = joints[f"hip_{side}"][0] - np.einsum("nm,nmi->ni", tension, pull)
        hip_contact[f"hip_contact_force_{side}"] = np.linalg.norm(contact, axis=1)

    feasible = shared & (np.abs(reserve).max(axis=1) <= RESERVE_LIMIT)
    for side in task.stance:
        feasible &= _cop_under_foot(model, frames, grf.cop[side], side)
    total_grf = sum(grf.force.values())
    return Loads(lumbar, joint_moments, hip_contact, tension, act, reserve, total_grf, feasible)


def _cop_under_foot(model, frames: Frames, cop: np.ndarray, side: str) -> np.ndarray:
    """Whether the centre of pressure lies within the foot's rectangle (heel to toe, foot width)."""
    body = f"calcn_{side}"
    heel = frames.point(body, model.landmarks[f"heel_{side}"][1])
    toe = frames.point(body, model.landmarks[f"toe_{side}"][1])
    axis = toe - heel
    axis[:, 1] = 0.0
    length = np.linalg.norm(axis, axis=1)
    axis /= length[:, None]
    rel = cop - heel
    along = np.einsum("ni,ni->n", rel, axis)
    across = np.abs(rel[:, 0] * axis[:, 2] - rel[:, 2] * axis[:, 0])
    half_width = 0.5 * 0.055 * model.subject.height  # foot width 0.055 H (Winter 2009, Drillis & Contini)
    return (along >= 0) & (along <= length) & (across <= half_width)
