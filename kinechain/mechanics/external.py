"""External loads and net joint loads: segment weights, ground reaction, inverse statics.

Shared by the posture solver (the centre of mass, what the muscles must hold) and the statics.
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
from functools import lru_cache

import numpy as np

from ..body.anthropometry import GRAVITY
from ..body.chain import MOVED_BY, Frames, cross
from ..body.topology import BODIES, COORDINATES, THORAX, joint_coordinates

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


def hand_load_point(frames: Frames, load_distance: np.ndarray) -> np.ndarray:
    """Where the hands hold the load: ``load_distance`` in front of the L5/S1 disc centre (n, 3)."""
    heading = frames.axis(THORAX, 0).copy()
    heading[:, 1] = 0.0
    heading /= np.linalg.norm(heading, axis=1, keepdims=True)
    return frames.origins[:, BODIES.index("L5")] + np.asarray(load_distance)[:, None] * heading


def hand_load_jacobian(frames: Frames, load_distance: np.ndarray) -> np.ndarray:
    """Jacobian (n, 3, n_coordinates) of :func:`hand_load_point`.

    The hands move with the L5/S1 disc centre and turn with the thorax's horizontal heading
    ``h = P a / |P a|`` (``a`` the thorax's anterior axis, ``P`` the projection on the ground
    plane): ``dh = (I − h hᵀ) P (ω × a) / |P a|`` with ``ω`` the thorax's angular velocity.
    """
    a = frames.axis(THORAX, 0)
    flat = a * np.array([1.0, 0.0, 1.0])
    norm = np.linalg.norm(flat, axis=1)
    h = flat / norm[:, None]
    da = -cross(a[:, None, :], frames.angular_jacobian(THORAX).transpose(0, 2, 1)).transpose(0, 2, 1)  # ω × a = −a × ω
    da[:, 1] = 0.0
    dh = (da - h[:, :, None] * np.einsum("ni,nij->nj", h, da)[:, None, :]) / norm[:, None, None]
    origin = frames.origins[:, BODIES.index("L5")]
    return frames.point_jacobian("L5", origin[:, None])[:, 0] + np.asarray(load_distance)[:, None, None] * dh


def external_loads(model, frames: Frames, load_mass=0.0, load_distance=0.0) -> PointLoads:
    """Segment weights (de Leva 1996 masses) and the load held in the hands (carried by the thorax).

    Parameters
    ----------
    load_mass : array_like (n,) or scalar
        Mass held in both hands (kg).
    load_distance : array_like (n,) or scalar
        Horizontal distance of the hands in front of the L5/S1 disc centre (m).
    """
    n = frames.origins.shape[0]
    bodies, mass, com = _segment_masses(model)
    points = frames.origins[:, bodies[:-1]] + np.einsum("nkij,kj->nki", frames.rotations[:, bodies[:-1]], com)
    load_mass = np.broadcast_to(np.asarray(load_mass, dtype=float), (n,))
    load_distance = np.broadcast_to(np.asarray(load_distance, dtype=float), (n,))
    points = np.concatenate([points, hand_load_point(frames, load_distance)[:, None]], axis=1)
    forces = np.zeros_like(points)
    forces[:, :-1, 1] = -GRAVITY * mass
    forces[:, -1, 1] = -GRAVITY * load_mass
    return PointLoads(bodies, points, forces)


@lru_cache(maxsize=16)
def _segment_masses(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A model's weights as :func:`external_loads` lists them, read-only: the body of each
    (k + 1,) (the segments, then the thorax for the hand load), the segments' masses (k,) (kg)
    and centres of mass in their bodies' frames (k, 3) (m)."""
    bodies = np.array([BODIES.index(m.body) for m in model.masses] + [BODIES.index(THORAX)])
    mass = np.array([m.mass for m in model.masses])
    com = np.array([m.com for m in model.masses], dtype=float)
    for array in (bodies, mass, com):
        array.setflags(write=False)
    return bodies, mass, com


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
    total_moment = cross(loads.point, loads.force).sum(axis=1)  # about the ground origin
    centres = {s: foot_centre(model, frames, s) for s in stance}
    if len(stance) == 1:
        s = stance[0]
        force = {s: -total_force}
        moment = {s: -total_moment - cross(centres[s], force[s])}
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
    carried = MOVED_BY[loads.body][:, _DISTAL].T.astype(float)  # (joint, load): beyond the joint
    centre = frames.origins[:, _DISTAL]  # (n, J, 3)
    force = -(carried @ loads.force)
    moment = -(carried @ cross(loads.point, loads.force)) - cross(centre, force)  # about the joint centre
    for side in grf.force:
        under = MOVED_BY[BODIES.index(f"calcn_{side}"), _DISTAL]  # the joints this foot is beyond
        f = grf.force[side][:, None]
        force[:, under] -= f
        moment[:, under] -= cross(grf.point[side][:, None] - centre[:, under], f) + grf.moment[side][:, None]
    return {joint: (force[:, j], moment[:, j]) for j, joint in enumerate(JOINTS)}


#: The body distal to each joint of :data:`JOINTS`.
_DISTAL = np.array([BODIES.index(body) for body in JOINTS.values()])


def pelvis_residual(model, frames: Frames, loads: PointLoads, joints: dict) -> tuple[np.ndarray, np.ndarray]:
    """Force and moment (about the pelvis origin) left over on the pelvis: zero in equilibrium."""
    o = frames.origins[:, 0]
    own = loads.body == 0
    force = loads.force[:, own].sum(axis=1)
    moment = cross(loads.point[:, own] - o[:, None], loads.force[:, own]).sum(axis=1)
    for joint in ("hip_r", "hip_l", "l5s1"):
        f, m = joints[joint]
        centre = frames.origins[:, BODIES.index(JOINTS[joint])]
        force = force - f
        moment = moment - m - cross(centre - o, f)
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
    out = np.empty((frames.origins.shape[0], len(EQUILIBRIUM), 3))
    out[:, DISC_ROWS] = frames.rotations.transpose(0, 1, 3, 2)[:, _DISC_BODIES, _DISC_AXES]
    out[:, COORDINATE_ROWS] = frames.joint_axes.transpose(0, 1, 3, 2)[:, _COORDINATE_BODIES, _COORDINATE_AXES]
    return out


#: The rows of :data:`EQUILIBRIUM` about a disc frame's axes, and those about a coordinate's own
#: joint axis with that coordinate's index in :data:`~kinechain.body.topology.COORDINATES`.
DISC_ROWS = np.array([row for row, (joint, _) in enumerate(EQUILIBRIUM) if joint in DISC_FRAME])
COORDINATE_ROWS = np.array([row for row, (joint, _) in enumerate(EQUILIBRIUM) if joint not in DISC_FRAME])
ROW_COORDINATES = np.array([COORDINATES.index(EQUILIBRIUM[row][1]) for row in COORDINATE_ROWS])
#: The body and the column of its rotation (disc rows) or joint axes (coordinate rows) of each row.
_DISC_BODIES = np.array([BODIES.index(DISC_FRAME[EQUILIBRIUM[row][0]]) for row in DISC_ROWS])
_DISC_AXES = np.array(
    [("lateral_bending", "axial_torsion", "flexion_extension").index(EQUILIBRIUM[row][1]) for row in DISC_ROWS]
)
_COORDINATE_BODIES = np.array([BODIES.index(JOINTS[EQUILIBRIUM[row][0]]) for row in COORDINATE_ROWS])
_COORDINATE_AXES = np.array(
    [joint_coordinates(JOINTS[EQUILIBRIUM[row][0]]).index(EQUILIBRIUM[row][1]) for row in COORDINATE_ROWS]
)
#: The body distal to each row's joint (:data:`EQUILIBRIUM`).
_ROW_BODIES = np.array([BODIES.index(JOINTS[joint]) for joint, _ in EQUILIBRIUM])


def muscle_joint_moments(geometry, axes: np.ndarray) -> np.ndarray:
    """Moment (n, D, M) each muscle exerts per newton of tension on the distal side of each
    equilibrium joint, projected on the rows' ``axes`` (n, D, 3) (:func:`equilibrium_axes`) (m);
    zero for muscles not crossing it."""
    body, muscle = geometry.crossing
    row, crossing = np.nonzero(_ROW_BODIES[:, None] == np.asarray(body)[None, :])
    out = np.zeros((axes.shape[0], len(EQUILIBRIUM), geometry.length.shape[1]))
    out[:, row, np.asarray(muscle)[crossing]] = np.einsum(
        "nti,nti->nt", geometry.crossing_moment[:, crossing], axes[:, row]
    )
    return out
