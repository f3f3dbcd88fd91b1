"""The posture solver: knee valgus and femoral rotation propagated up the closed chain.

``propagate`` finds, for every element of a batch, the posture that minimizes the
stiffness-weighted joint deviation from the neutral standing posture ``q₀``::

    E(q) = ½ (q − q₀)ᵀ K (q − q₀) + dᵀ (q − q₀)

subject to the task's constraints — stance feet fixed to the ground, the thorax held upright
and facing forward (or inclined by the task), the whole-body centre of mass over the base of
support — and to every prescribed clinical input (valgus, femoral internal rotation, rearfoot
eversion, the task's knee flexion).

``K`` is passive joint stiffness plus the short-range stiffness of the muscles holding the
posture (scaling with each muscle's strength and the square of its moment arm); ``d`` is the
generalized force the muscles cannot supply: the reserve moments of the static force sharing at
the posture (non-zero only where weak muscles run out of capacity) minus the extra passive pull
of tight muscles. The solver is a batched Newton method on the Karush–Kuhn–Tucker system with
exact constraint Jacobians, no loop over postures; see ``docs/model.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from ._data import read_toml
from ._validation import as_finite_array, check_choice
from .anthropometry import GRAVITY
from .clinical import CLINICAL_ANGLES, PROJECTION_ANGLES, clinical_angle, clinical_angles, clinical_jacobian
from .kinematics import Frames, body_frames
from .model import COORDINATE_RANGES, TRANSLATIONS, Model, require_model
from .muscles import (
    STRENGTH_RANGE,
    TIGHTNESS_RANGE,
    force_length_passive,
    group_factors,
    normalized_fiber_length,
    path_geometry,
    pennation_cosine,
)
from .statics import (
    EQUILIBRIUM,
    JOINTS,
    centre_of_mass,
    equilibrium_axes,
    external_loads,
    foot_centre,
    muscle_equilibrium,
)
from .tasks import (
    KNEE_FLEXION_RANGE,
    LOAD_DISTANCE_RANGE,
    LOAD_MASS_RANGE,
    TRUNK_FLEXION_RANGE,
    get_task,
)
from .topology import BODIES, COORDINATES, LUMBAR_LEVELS, joint_coordinates

#: Clinical inputs (degrees), their accepted range and the clinical angle they prescribe.
INPUTS = {
    "knee_valgus_r": (-45.0, 45.0),
    "knee_valgus_l": (-45.0, 45.0),
    "femoral_ir_r": (-45.0, 45.0),
    "femoral_ir_l": (-45.0, 45.0),
    "rearfoot_eversion_r": (-30.0, 30.0),
    "rearfoot_eversion_l": (-30.0, 30.0),
}
_INPUT_ANGLE = {
    "knee_valgus_r": "knee_valgus_r",
    "knee_valgus_l": "knee_valgus_l",
    "femoral_ir_r": "hip_internal_rotation_r",
    "femoral_ir_l": "hip_internal_rotation_l",
    "rearfoot_eversion_r": "rearfoot_eversion_r",
    "rearfoot_eversion_l": "rearfoot_eversion_l",
}

#: How a prescribed knee valgus is measured: the tibiofemoral joint-coordinate-system angle
#: (``"jcs"``, Grood & Suntay 1983) or the 2-D frontal-plane projection angle (``"fppa"``).
VALGUS_MEASURES = ("jcs", "fppa")


def _input_angle(name: str, valgus_measure: str) -> str:
    """The clinical angle an input prescribes."""
    if name.startswith("knee_valgus") and valgus_measure == "fppa":
        return f"knee_fppa_{name[-1]}"
    return _INPUT_ANGLE[name]


#: Clinical outputs of a posture (degrees).
OUTPUTS = (
    "anterior_pelvic_tilt",
    "pelvic_obliquity",
    "pelvic_rotation",
    "lumbar_flexion",
    "lumbar_lateral_bending",
    "lumbar_torsion",
    *(
        f"{name}_{s}"
        for name in (
            "hip_adduction",
            "hip_internal_rotation",
            "knee_valgus",
            "knee_fppa",
            "rearfoot_eversion",
            "tibial_internal_rotation",
        )
        for s in "rl"
    ),
)

#: Constraint tolerance as a fraction of the thigh length, and the iteration limit.
TOLERANCE = 1e-9
#: Largest number of postures solved at once; larger batches are solved in chunks.
CHUNK = 5000
#: Newton steps smaller than this (rad, m) end the iterations of an element.
STEP_TOLERANCE = 1e-9
MAX_ITERATIONS = 40


def stiffness_data() -> dict:
    """Stiffness constants and their sources (``data/stiffness.toml``)."""
    return read_toml("stiffness.toml")


@dataclass(frozen=True)
class Conditions:
    """Validated, flattened inputs of a batch (n elements)."""

    task: str
    n: int
    shape: tuple[int, ...]
    inputs: dict  # name -> (n,) degrees, prescribed inputs only
    knee_flexion: np.ndarray
    trunk_flexion: np.ndarray
    load_mass: np.ndarray
    load_distance: np.ndarray
    strength: np.ndarray  # (n, M)
    tightness: np.ndarray  # (n, M)
    valgus_measure: str = "jcs"


def conditions(
    model: Model,
    task: str,
    inputs: Mapping[str, object],
    knee_flexion=None,
    trunk_flexion=None,
    load_mass=None,
    load_distance=None,
    strength: Mapping[str, object] | None = None,
    tightness: Mapping[str, object] | None = None,
    valgus_measure: str = "jcs",
) -> Conditions:
    """Validate every input and broadcast them over one batch."""
    spec = get_task(task)
    check_choice("valgus_measure", valgus_measure, VALGUS_MEASURES)
    for name, value, used in (
        ("knee_flexion", knee_flexion, spec.squat_side is not None),
        ("trunk_flexion", trunk_flexion, spec.bends),
        ("load_mass", load_mass, spec.lifts),
        ("load_distance", load_distance, spec.lifts),
    ):
        if value is not None and not used:
            raise ValueError(f"{name} does not apply to task {task!r}; leave it None")
    knee_flexion = 60.0 if knee_flexion is None else knee_flexion
    trunk_flexion = 0.0 if trunk_flexion is None else trunk_flexion
    load_mass = 0.0 if load_mass is None else load_mass
    load_distance = 0.3 if load_distance is None else load_distance
    arrays = {}
    for name, value in inputs.items():
        if name not in INPUTS:
            raise ValueError(f"unknown input {name!r}; known inputs are {list(INPUTS)}")
        if value is not None:
            arrays[name] = as_finite_array(name, value, *INPUTS[name], "degrees")
    task_values = {
        "knee_flexion": as_finite_array("knee_flexion", knee_flexion, *KNEE_FLEXION_RANGE, "degrees"),
        "trunk_flexion": as_finite_array("trunk_flexion", trunk_flexion, *TRUNK_FLEXION_RANGE, "degrees"),
        "load_mass": as_finite_array("load_mass", load_mass, *LOAD_MASS_RANGE, "kg"),
        "load_distance": as_finite_array("load_distance", load_distance, *LOAD_DISTANCE_RANGE, "m"),
    }
    s_arrays, s_assign = group_factors(model.muscles, strength, "strength", STRENGTH_RANGE)
    t_arrays, t_assign = group_factors(model.muscles, tightness, "tightness", TIGHTNESS_RANGE)
    try:
        shape = np.broadcast_shapes(
            *(a.shape for a in (*arrays.values(), *task_values.values(), *s_arrays.values(), *t_arrays.values()))
        )
    except ValueError:
        raise ValueError(
            "array inputs must broadcast to one batch shape; got shapes "
            + ", ".join(f"{k}{np.shape(v)}" for k, v in {**arrays, **task_values}.items())
        ) from None
    n = int(np.prod(shape)) if shape else 1

    def flat(a):
        return np.broadcast_to(a, shape).reshape(n)

    def per_muscle(assignments, default):
        out = np.full((n, len(model.muscles)), default)
        for idx, arr in assignments:
            out[:, idx] = flat(arr)[:, None]
        return out

    return Conditions(
        task=task,
        n=n,
        shape=shape,
        inputs={k: flat(v) for k, v in arrays.items()},
        strength=per_muscle(s_assign, 1.0),
        tightness=per_muscle(t_assign, 0.0),
        valgus_measure=valgus_measure,
        **{k: flat(v) for k, v in task_values.items()},
    )


@dataclass(frozen=True)
class _Problem:
    """Constraint targets and energy terms of one batch."""

    model: Model
    cond: Conditions
    stiffness: np.ndarray  # (n, 25, 25)
    foot_targets: dict  # side -> (position (3,), rotation (3, 3))
    trunk_target: np.ndarray  # (n, 3, 3)
    com_target: np.ndarray  # (n, 2): x, z
    extra: dict = field(default_factory=dict)  # clinical angle name -> (n,) radians target


def _log_jacobian_inv(e: np.ndarray) -> np.ndarray:
    """Inverse left Jacobian of SO(3) at rotation vectors ``e`` (n, 3): de = J⁻¹ δω."""
    theta = np.linalg.norm(e, axis=1)
    k = np.zeros(e.shape[:1] + (3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -e[:, 2], e[:, 1], -e[:, 0]
    k = k - k.transpose(0, 2, 1)
    small = theta < 1e-6
    th = np.where(small, 1.0, theta)
    coef = np.where(small, 1.0 / 12.0, 1.0 / th**2 - (1 + np.cos(th)) / (2 * th * np.sin(th)))
    return np.eye(3) - 0.5 * k + coef[:, None, None] * (k @ k)


def _orientation_constraint(frames: Frames, body: str, target: np.ndarray):
    r = frames.rotations[:, frames.index(body)]
    e = Rotation.from_matrix(np.einsum("nji,njk->nik", target, r)).as_rotvec()
    jac = _log_jacobian_inv(e) @ np.einsum("nji,njc->nic", target, frames.angular_jacobian(body))
    return e, jac


def _constraints(problem: _Problem, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, Frames]:
    """Constraint residuals (n, m) and Jacobians (n, m, 25) at ``q``."""
    model, cond = problem.model, problem.cond
    task = get_task(cond.task)
    frames = body_frames(model.p, q)
    res, jac = [], []
    for side in task.stance:
        pos, rot = problem.foot_targets[side]
        body = f"calcn_{side}"
        origin = frames.origins[:, frames.index(body)]
        res.append(origin - pos)
        jac.append(frames.point_jacobian(body, origin[:, None])[:, 0])
        e, j = _orientation_constraint(frames, body, np.broadcast_to(rot, (q.shape[0], 3, 3)))
        res.append(e)
        jac.append(j)
    e, j = _orientation_constraint(frames, "L1", problem.trunk_target)
    res.append(e)
    jac.append(j)
    com, com_jac = _centre_of_mass(model, frames, cond)
    res.append(com[:, [0, 2]] - problem.com_target)
    jac.append(com_jac[:, [0, 2]])
    for name, target in problem.extra.items():
        value = clinical_angle(frames, name)
        res.append((value - target)[:, None])
        jac.append(clinical_jacobian(frames, name)[:, None, :])
    return np.concatenate(res, axis=1), np.concatenate(jac, axis=1), frames


def _centre_of_mass(model: Model, frames: Frames, cond: Conditions):
    loads = external_loads(model, frames, cond.load_mass, cond.load_distance)
    com = centre_of_mass(loads)
    weights = -loads.force[..., 1]
    total = weights.sum(axis=1)
    jac = np.zeros((frames.origins.shape[0], 3, len(COORDINATES)))
    for j, body in enumerate(loads.body):
        name = BODIES[body]
        jac += (weights[:, j] / total)[:, None, None] * frames.point_jacobian(name, loads.point[:, j : j + 1])[:, 0]
    return com, jac


def _stiffness(model: Model, cond: Conditions, frames: Frames, geometry, com: np.ndarray) -> np.ndarray:
    """``K`` (n, 25, 25): passive joint stiffness plus muscle short-range stiffness.

    ``frames``, ``geometry`` and ``com`` (the whole-body centre of mass) are of the neutral posture.
    """
    data = stiffness_data()
    passive = np.zeros(len(COORDINATES))
    for i, name in enumerate(COORDINATES):
        base = name[:-2] if name[-2:] in ("_r", "_l") else name
        passive[i] = data["passive"].get(base, 0.0)
    # lumbar levels in series, each turning by its share f of the coordinate: K = k Σ f²
    for key, coord, share in (
        ("flexion", "lumbar_extension", "extension"),
        ("bending", "lumbar_bending", "bending"),
        ("rotation", "lumbar_rotation", "rotation"),
    ):
        fractions = np.array([model.parameters[f"{level}_{share}_fraction"] for level in LUMBAR_LEVELS])
        passive[COORDINATES.index(coord)] = data["passive"][f"lumbar_{key}_per_level"] * np.sum(fractions**2)
    # Both ankles together carry a fraction of m·g·h (Loram & Lakie 2002).
    mgh = model.subject.mass * GRAVITY * (com[1] - frames.origins[0, BODIES.index("talus_r"), 1])
    for side in "rl":
        passive[COORDINATES.index(f"ankle_angle_{side}")] = 0.5 * data["ankle"]["fraction_of_mgh"] * mgh
    for name in TRANSLATIONS + ("pelvis_tilt", "pelvis_list", "pelvis_rotation"):
        passive[COORDINATES.index(name)] = 1e-6  # a free body: regularization only
    muscles = model.muscles
    k_muscle = (
        data["muscle"]["short_range_gamma"]
        * data["muscle"]["postural_activation"]
        * cond.strength
        * muscles.max_isometric_force
        / muscles.optimal_fiber_length
    )  # (n, M) N/m
    r = geometry.moment_arm[0]  # (M, 25) at the neutral posture
    return np.diag(passive) + np.einsum("nm,mi,mj->nij", k_muscle, r, r)


def _subset_conditions(cond: Conditions, idx: np.ndarray) -> Conditions:
    """The batch elements ``idx`` of ``cond``, as a flat batch."""
    return Conditions(
        cond.task,
        idx.size,
        (idx.size,),
        {k: v[idx] for k, v in cond.inputs.items()},
        cond.knee_flexion[idx],
        cond.trunk_flexion[idx],
        cond.load_mass[idx],
        cond.load_distance[idx],
        cond.strength[idx],
        cond.tightness[idx],
        cond.valgus_measure,
    )


def _subset(problem: _Problem, idx: np.ndarray) -> _Problem:
    """The same problem restricted to the batch elements ``idx``."""
    sub = _subset_conditions(problem.cond, idx)
    return _Problem(
        problem.model,
        sub,
        problem.stiffness[idx],
        problem.foot_targets,
        problem.trunk_target[idx],
        problem.com_target[idx],
        {k: v[idx] for k, v in problem.extra.items()},
    )


def _solve(problem: _Problem, linear: np.ndarray, q_init: np.ndarray):
    """Batched Newton–KKT iterations, each on the elements not yet converged.

    Returns the coordinates, the constraint multipliers, the constraint residuals and
    Jacobians, and the frames, all at the final iterate.
    """
    q0 = problem.model.neutral()
    q = q_init.copy()
    tol = TOLERANCE * problem.model.subject.segments["thigh"].length
    todo = np.arange(q.shape[0])
    for _ in range(MAX_ITERATIONS):
        sub = _subset(problem, todo)
        c, jac, _ = _constraints(sub, q[todo])
        grad = np.einsum("nij,nj->ni", sub.stiffness, q[todo] - q0) + linear[todo]
        step = _kkt_solve(sub.stiffness, jac, grad, c)[0]
        q[todo] += step
        done = (np.abs(c).max(axis=1) < tol) & (np.abs(step).max(axis=1) < STEP_TOLERANCE)
        todo = todo[~done]
        if todo.size == 0:
            break
    c, jac, frames = _constraints(problem, q)
    grad = np.einsum("nij,nj->ni", problem.stiffness, q - q0) + linear
    lam = _kkt_solve(problem.stiffness, jac, grad, c)[1]
    return q, lam, c, jac, frames


def _kkt_solve(stiffness, jac, grad, c):
    """Newton step and multipliers from ``[K Jᵀ; J 0] [Δq; λ] = −[∇E; c]`` (batched)."""
    n, m = c.shape
    nq = len(COORDINATES)
    kkt = np.zeros((n, nq + m, nq + m))
    kkt[:, :nq, :nq] = stiffness
    kkt[:, :nq, nq:] = jac.transpose(0, 2, 1)
    kkt[:, nq:, :nq] = jac
    rhs = -np.concatenate([grad, c], axis=1)
    sol = np.linalg.solve(kkt, rhs[..., None])[..., 0]
    return sol[:, :nq], sol[:, nq:]


def _holding_deficit(problem: _Problem, frames: Frames) -> np.ndarray:
    """Generalized force (n, 25) the muscles cannot supply at the postures ``frames``.

    The holding pattern is that of typical (not tight) muscles: reserves of the force sharing
    with the user's strengths, mapped onto the coordinates, minus the extra passive pull of
    tight muscles.
    """
    model, cond = problem.model, problem.cond
    muscles = model.muscles
    typical = np.zeros_like(cond.tightness)
    sharing = muscle_equilibrium(model, frames, get_task(cond.task), cond, typical)
    axes = equilibrium_axes(frames)
    deficit = np.zeros((cond.n, len(COORDINATES)))
    for row, (joint, name) in enumerate(EQUILIBRIUM):
        if name in COORDINATES:
            deficit[:, COORDINATES.index(name)] += sharing.reserve[:, row]
            continue
        body = JOINTS[joint]
        b = BODIES.index(body)
        for j, coord in enumerate(joint_coordinates(body)):
            along = np.einsum("ni,ni->n", frames.joint_axes[:, b, :, j], axes[:, row])
            deficit[:, COORDINATES.index(coord)] += sharing.reserve[:, row] * along
    length = sharing.geometry.length
    tight = normalized_fiber_length(muscles, length, cond.tightness)
    loose = normalized_fiber_length(muscles, length, typical)
    extra = (
        muscles.max_isometric_force
        * (force_length_passive(tight) - force_length_passive(loose))
        * pennation_cosine(muscles, loose)
    )
    return deficit - np.einsum("nm,nmi->ni", extra, sharing.geometry.moment_arm)


@dataclass(frozen=True)
class Pose:
    """Solved postures of a batch (the result of :func:`propagate`).

    Attributes
    ----------
    model : Model
    task : str
    shape : tuple of int
        Batch shape of the broadcast inputs; arrays below are flattened to ``n``.
    q : ndarray (n, 25)
        Coordinates (radians, metres), in :data:`kinechain.topology.COORDINATES` order.
    frames : Frames
        Segment frames in ground.
    angles : dict of str to ndarray (n,)
        Every clinical angle (degrees); :data:`OUTPUTS` are the ones reported.
    converged : ndarray (n,) of bool
        Whether the element satisfied its constraints within tolerance and every coordinate
        stayed within its range.
    reason : ndarray (n,) of str
        Empty where converged; otherwise why not.
    """

    model: Model
    task: str
    shape: tuple[int, ...]
    q: np.ndarray
    frames: Frames
    angles: dict
    converged: np.ndarray
    reason: np.ndarray
    conditions: Conditions = field(repr=False)
    multipliers: np.ndarray = field(repr=False)
    linear: np.ndarray = field(repr=False)
    problem: _Problem = field(repr=False)

    def __getitem__(self, name: str) -> np.ndarray:
        """A clinical output (degrees) or a coordinate (degrees, metres), in the batch shape."""
        if name in self.angles:
            return self.angles[name].reshape(self.shape)
        if name in COORDINATES:
            i = COORDINATES.index(name)
            value = self.q[:, i] if name in TRANSLATIONS else np.degrees(self.q[:, i])
            return value.reshape(self.shape)
        raise KeyError(f"{name!r} is neither a clinical output nor a coordinate")

    def __repr__(self) -> str:
        ok = f"{int(self.converged.sum())}/{self.converged.size}"
        return f"Pose(task={self.task!r}, shape={self.shape}, converged={ok})"


def propagate(
    model: Model,
    knee_valgus_r=0.0,
    knee_valgus_l=0.0,
    femoral_ir_r=0.0,
    femoral_ir_l=0.0,
    rearfoot_eversion_r=None,
    rearfoot_eversion_l=None,
    *,
    task: str = "double_stance",
    knee_flexion=None,
    trunk_flexion=None,
    load_mass=None,
    load_distance=None,
    strength: Mapping[str, object] | None = None,
    tightness: Mapping[str, object] | None = None,
    valgus_measure: str = "jcs",
) -> Pose:
    """Closed-chain posture for a batch of clinical inputs.

    Parameters
    ----------
    model : Model
    knee_valgus_r, knee_valgus_l : float, array_like or None
        Knee valgus (degrees, positive = valgus; tibia relative to femur), within [−45, 45];
        ``None`` leaves it free to settle.
    femoral_ir_r, femoral_ir_l : float, array_like or None
        Femoral internal rotation relative to the pelvis (degrees, positive = internal),
        within [−45, 45]; ``None`` leaves it free.
    rearfoot_eversion_r, rearfoot_eversion_l : float, array_like or None
        Rearfoot (calcaneus on tibia) eversion (degrees, positive = eversion/pronation),
        within [−30, 30]: a pronated foot, or the correction of an orthotic or a wedge.
        ``None`` (default) leaves it free.
    task : str
        One of :data:`kinechain.tasks.TASKS`.
    knee_flexion : float or array_like, optional
        Stance-knee flexion of ``single_leg_squat_*`` only (degrees), [0, 100]; default 60.
    trunk_flexion : float or array_like, optional
        Forward inclination of the thorax in ``forward_bend`` and ``lift`` only (degrees),
        [−30, 90]; default 0.
    load_mass, load_distance : float or array_like, optional
        The load held in ``lift`` only (kg, [0, 50]; default 0) and its horizontal distance in
        front of L5/S1 (m, [0, 0.8]; default 0.3). A task parameter given to a task that does
        not use it is an error.
    strength, tightness : mapping of muscle group to float or array_like, optional
        See :mod:`kinechain.muscles`.
    valgus_measure : {"jcs", "fppa"}
        What a prescribed knee valgus fixes: the tibiofemoral joint-coordinate-system angle
        (default; output ``knee_valgus_*``) or the frontal-plane projection angle that
        single-leg-squat studies report (output ``knee_fppa_*``).

    Returns
    -------
    Pose
        Array inputs broadcast to one batch (``Pose.shape``); ``pose["lumbar_torsion"]`` has
        that shape.

    Examples
    --------
    >>> import kinechain as kc
    >>> pose = kc.propagate(kc.Model.default(), knee_valgus_r=[0.0, 10.0])
    >>> bool(pose.converged.all())
    True
    """
    require_model(model)
    inputs = {
        "knee_valgus_r": knee_valgus_r,
        "knee_valgus_l": knee_valgus_l,
        "femoral_ir_r": femoral_ir_r,
        "femoral_ir_l": femoral_ir_l,
        "rearfoot_eversion_r": rearfoot_eversion_r,
        "rearfoot_eversion_l": rearfoot_eversion_l,
    }
    cond = conditions(
        model, task, inputs, knee_flexion, trunk_flexion, load_mass, load_distance, strength, tightness, valgus_measure
    )
    return solve(model, cond)


def solve(model: Model, cond: Conditions) -> Pose:
    """Solve the posture problem for validated :class:`Conditions` (see :func:`propagate`).

    Batches larger than :data:`CHUNK` are solved chunk by chunk (the results do not depend on
    the chunking), which bounds memory at about 0.13 MB per posture of a chunk.
    """
    if cond.n <= CHUNK:
        return _solve_batch(model, cond)
    chunks = np.array_split(np.arange(cond.n), -(-cond.n // CHUNK))
    return _concatenate(model, cond, [_solve_batch(model, _subset_conditions(cond, idx)) for idx in chunks])


def _concatenate(model: Model, cond: Conditions, parts: list[Pose]) -> Pose:
    """One Pose from the poses of consecutive chunks of ``cond``."""

    def cat(get):
        return np.concatenate([get(part) for part in parts])

    frames = Frames(
        cat(lambda x: x.frames.origins), cat(lambda x: x.frames.rotations), cat(lambda x: x.frames.joint_axes)
    )
    first = parts[0].problem
    problem = _Problem(
        model,
        cond,
        cat(lambda x: x.problem.stiffness),
        first.foot_targets,
        cat(lambda x: x.problem.trunk_target),
        cat(lambda x: x.problem.com_target),
        {k: cat(lambda x, k=k: x.problem.extra[k]) for k in first.extra},
    )
    return Pose(
        model,
        cond.task,
        cond.shape,
        cat(lambda x: x.q),
        frames,
        {k: cat(lambda x, k=k: x.angles[k]) for k in parts[0].angles},
        cat(lambda x: x.converged),
        cat(lambda x: x.reason),
        cond,
        cat(lambda x: x.multipliers),
        cat(lambda x: x.linear),
        problem,
    )


def _solve_batch(model: Model, cond: Conditions) -> Pose:
    """Solve one batch (see :func:`solve`)."""
    task = get_task(cond.task)
    n = cond.n
    q0 = np.broadcast_to(model.neutral(), (n, len(COORDINATES))).copy()
    neutral = body_frames(model.p, q0[:1])
    geometry = path_geometry(model.muscles, neutral)
    com0 = centre_of_mass(external_loads(model, neutral))[0]
    stiffness = _stiffness(model, cond, neutral, geometry, com0)
    feet = {
        s: (neutral.origins[0, BODIES.index(f"calcn_{s}")], neutral.rotations[0, BODIES.index(f"calcn_{s}")])
        for s in "rl"
    }
    phi = np.radians(cond.trunk_flexion) if task.bends else np.zeros(n)
    trunk = Rotation.from_rotvec(np.outer(-phi, [0.0, 0.0, 1.0])).as_matrix()
    com_target = np.tile([com0[0], 0.0], (n, 1))
    if len(task.stance) == 1:
        com_target[:, 1] = foot_centre(model, neutral, task.stance[0])[0, 2]
    extra = {_input_angle(k, cond.valgus_measure): np.radians(v) for k, v in cond.inputs.items()}
    if task.squat_side:
        extra[f"knee_flexion_{task.squat_side}"] = np.radians(cond.knee_flexion)
    problem = _Problem(model, cond, stiffness, feet, trunk, com_target, extra)

    zero = np.zeros((n, len(COORDINATES)))
    q, lam, c, jac, frames = _solve(problem, zero, q0)
    deficit = _holding_deficit(problem, frames)
    q, lam, c, jac, frames = _solve(problem, deficit, q)

    scale = model.subject.segments["thigh"].length
    converged = np.isfinite(q).all(axis=1) & (np.abs(c).max(axis=1) < TOLERANCE * scale)
    reason = np.where(converged, "", "constraints not satisfied (the prescribed inputs are not reachable)")
    for i, name in enumerate(COORDINATES):
        if name in TRANSLATIONS:
            continue
        lo, hi = COORDINATE_RANGES[name]
        deg = np.degrees(q[:, i])
        out = converged & ((deg < lo - 1e-9) | (deg > hi + 1e-9))
        reason = np.where(out, f"{name} beyond its range [{lo:g}, {hi:g}] degrees", reason)
        converged &= ~out
    angles = {k: np.degrees(v) for k, v in clinical_angles(frames).items()}
    return Pose(model, cond.task, cond.shape, q, frames, angles, converged, reason, cond, lam, deficit, problem)


def coupling(model: Model, pose: Pose, inputs=None, outputs=None):
    """Coupling ratios: the Jacobian of clinical outputs with respect to clinical inputs.

    Computed by implicit differentiation of the optimality (KKT) conditions at the solved
    posture; an input that was free in the solve is treated as prescribed at its solved value.
    The holding deficit (what weak muscles cannot supply) is held at its value at the solved
    posture: where it is zero — muscles with capacity to spare — the ratios are exact
    derivatives of :func:`propagate`; where muscles are saturated they omit the change of the
    deficit with the input.

    Parameters
    ----------
    model : Model
    pose : Pose
    inputs : sequence of str, optional
        Input names (:data:`INPUTS`); default: all six.
    outputs : sequence of str, optional
        Clinical angles (:data:`OUTPUTS` or any of :data:`kinechain.clinical.CLINICAL_ANGLES`);
        default: :data:`OUTPUTS`.

    Returns
    -------
    xarray.DataArray
        Dimensions ``(pose, output, input)``, degrees of output per degree of input.
    """
    import xarray as xr

    require_model(model)
    if not isinstance(pose, Pose):
        raise ValueError(f"pose must be a kinechain.Pose (from kinechain.propagate); got {type(pose).__name__}")
    inputs = list(INPUTS) if inputs is None else list(inputs)
    outputs = list(OUTPUTS) if outputs is None else list(outputs)
    for name in inputs:
        if name not in INPUTS:
            raise ValueError(f"unknown input {name!r}; known inputs are {list(INPUTS)}")
    for name in outputs:
        if name not in CLINICAL_ANGLES and name not in PROJECTION_ANGLES:
            known = sorted([*CLINICAL_ANGLES, *PROJECTION_ANGLES])
            raise ValueError(f"unknown output {name!r}; known outputs are {known}")
    base = pose.problem
    extra = dict(base.extra)
    for name in inputs:
        angle = _input_angle(name, base.cond.valgus_measure)
        if angle not in extra:
            extra[angle] = np.radians(pose.angles[angle])
    problem = _Problem(model, base.cond, base.stiffness, base.foot_targets, base.trunk_target, base.com_target, extra)
    q = pose.q
    c, jac, frames = _constraints(problem, q)
    n, m = c.shape
    # multipliers of the extended system at the same solution (added constraints carry none)
    lam = np.zeros((n, m))
    lam[:, : pose.multipliers.shape[1]] = pose.multipliers
    hess = pose.problem.stiffness.copy()
    h = 1e-6
    for i in range(len(COORDINATES)):
        dq = np.zeros(len(COORDINATES))
        dq[i] = h
        jp = _constraints(problem, q + dq)[1]
        jm = _constraints(problem, q - dq)[1]
        hess[:, :, i] += np.einsum("nmj,nm->nj", (jp - jm) / (2 * h), lam)
    hess = 0.5 * (hess + hess.transpose(0, 2, 1))
    kkt = np.zeros((n, 25 + m, 25 + m))
    kkt[:, :25, :25] = hess
    kkt[:, :25, 25:] = jac.transpose(0, 2, 1)
    kkt[:, 25:, :25] = jac
    names = list(extra)
    first = m - len(extra)
    rhs = np.zeros((n, 25 + m, len(inputs)))
    for j, name in enumerate(inputs):
        rhs[:, 25 + first + names.index(_input_angle(name, base.cond.valgus_measure)), j] = 1.0
    dq = np.linalg.solve(kkt, rhs)[:, :25]  # (n, 25, inputs)
    out = np.stack([np.einsum("ni,nij->nj", clinical_jacobian(frames, o), dq) for o in outputs], axis=1)
    return xr.DataArray(
        out,
        dims=("pose", "output", "input"),
        coords={"output": outputs, "input": inputs},
        attrs={"units": "deg/deg", "long_name": "coupling ratio d(output)/d(input)"},
        name="coupling",
    )
