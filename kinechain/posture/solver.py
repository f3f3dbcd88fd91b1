"""``propagate``: knee valgus and femoral rotation carried up the closed chain, and the :class:`Pose`.

For every batch element the posture minimizes the stiffness-weighted joint deviation from the
neutral standing posture ``q₀``::

    E(q) = ½ (q − q₀)ᵀ K (q − q₀) + dᵀ (q − q₀)

subject to the task's constraints and every prescribed clinical input
(:mod:`kinechain.posture.kkt`); ``K`` and ``d`` are described in
:mod:`kinechain.posture.energy` and ``docs/model.md``. The posture is solved without ``d``
(every :data:`WARM_START_STRIDE`-th element of a chunk from ``q₀``, the others from the solution
before them), then again with the deficit of the muscles at that posture where there is one (in
single-leg tasks with ``abductor_compensation``, in between with the trunk leaning over the stance
leg: :mod:`kinechain.posture.compensation`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import xarray as xr

from .._html import html_table, output_rows
from ..batch import Batch
from ..body.chain import Frames, body_frames
from ..body.model import Model, require_model
from ..body.topology import BODIES, COORDINATE_RANGES, COORDINATES, TRANSLATIONS, joint_coordinates
from ..mechanics.clinical import (
    ANGLE_NAMES,
    CLINICAL_ANGLES,
    clinical_angle,
    clinical_angle_table,
    clinical_jacobian,
)
from ..mechanics.sharing import Sharing
from ..variables import POSTURE_OUTPUTS
from .compensation import (
    LEAN,
    LEAN_BRACKET,
    LEAN_TOLERANCE,
    compensates,
    golden_section,
    holds_lean,
    toward_stance,
    typical_abductors,
)
from .conditions import Conditions, conditions, declare_inputs
from .energy import holding
from .kkt import Problem, build_problem, constraint_tolerance, minimize

#: Largest number of postures solved at once; larger batches are solved in chunks. Smaller chunks
#: keep the working arrays in cache: on 4,000 single-stance cases, chunks of 500 ran 1.5 times as
#: many evaluations per second as chunks of 5,000 (250 no faster; ``benchmarks/bench_evaluation.py``).
CHUNK = 500
#: The first solve starts every this many-th element of a chunk from the neutral posture and each
#: of the others from the solution of the one before it: in a grid, neighbours differ by one step
#: of one input. On a 12² grid of double stance (valgus × femoral rotation), 500 elements, the
#: Newton evaluations per element fell from 4.5 to 3.4 and the time of the solve by a third; on
#: paired random single-stance cases (no neighbours) from 4.5 to 4.4.
WARM_START_STRIDE = 4
#: A coordinate counts as beyond its range when it passes a limit by more than this (degrees).
RANGE_SLACK = 1e-6
#: Most rounds of the active set of joint limits.
ACTIVE_SET_ROUNDS = 8
#: A prescribed angle whose Jacobian row points along a coordinate held at a limit by more than
#: this (cosine) is released: the input needs that joint past its range.
RELEASE_ALIGNMENT = 0.7
#: Multipliers (N·m) smaller than this do not let a held limit go.
MULTIPLIER_SLACK = 1e-9
#: Memory a solved posture holds (bytes): coordinates, segment frames, clinical angles.
POSE_BYTES = 8 * (len(COORDINATES) + 21 * len(BODIES) + 2 * len(POSTURE_OUTPUTS)) + 64


@dataclass(frozen=True)
class Pose:
    """Solved postures of a batch (the result of :func:`propagate`).

    Arrays are flat over the batch's ``n`` elements; ``pose[name]`` and :meth:`to_dataset` give
    them in the batch's shape.

    Attributes
    ----------
    conditions : Conditions
        The checked inputs (model, task, batch, inputs, strengths).
    q : ndarray (n, n_q)
        The solver's coordinates (radians, metres), in
        :data:`kinechain.body.topology.COORDINATES` order: its last iterate where an element did
        not converge (``pose[name]`` gives NaN there).
    frames : Frames
        Segment frames in ground at ``q``.
    angles : dict of str to ndarray (n,)
        Every clinical angle (degrees); NaN where the element did not converge.
    converged : ndarray (n,) of bool
        Whether the element satisfied its constraints within tolerance with every coordinate
        inside its range.
    reason : ndarray (n,) of str
        Empty where converged; otherwise why not.
    multipliers : ndarray (n, m + n_q)
        Constraint multipliers at the solution (N·m per unit of constraint): the task's and the
        prescribed angles' rows, then one per coordinate for its limit (zero where free).
    deficit : ndarray (n, n_q)
        Generalized force the muscles could not supply (N·m, N), ``d`` of the energy.
    limit : ndarray (n,) of str
        The joint limits the posture reached and the prescribed inputs it could not reach
        because of them (empty if none).
    limits : ndarray (n, n_q)
        Value (rad) of each coordinate held at a limit; NaN where free.
    released : ndarray (n, k) of bool
        Prescribed angles (in the order of the problem's targets) not held: released at a limit,
        and in single-leg tasks the trunk lean (the last target) where no compensation was asked
        or none was found (:func:`solved_problem` rebuilds the targets).
    sharing : Sharing or None
        The force sharing of typical (not tight) muscles, quadratic cost, that the solve priced
        the holding with (:func:`kinechain.posture.energy.holding`); :func:`kinechain.statics`
        reuses it where it is at ``q``. Kept for batches of one chunk only (it holds about 60 KB
        per element).
    sharing_at_q : ndarray (n,) of bool
        Where ``sharing`` was computed at ``q`` (the posture was not solved again after it).
    """

    conditions: Conditions
    q: np.ndarray
    frames: Frames
    angles: dict
    converged: np.ndarray
    reason: np.ndarray
    multipliers: np.ndarray = field(repr=False)
    deficit: np.ndarray = field(repr=False)
    limit: np.ndarray = field(repr=False)
    limits: np.ndarray = field(repr=False)
    released: np.ndarray = field(repr=False)
    sharing: Sharing | None = field(repr=False)
    sharing_at_q: np.ndarray = field(repr=False)

    @property
    def model(self) -> Model:
        return self.conditions.model

    @property
    def task(self) -> str:
        return self.conditions.task.name

    @property
    def batch(self) -> Batch:
        return self.conditions.batch

    @property
    def shape(self) -> tuple[int, ...]:
        """Batch shape (the lengths of :attr:`Batch.dims`)."""
        return self.batch.sizes

    def __getitem__(self, name: str) -> np.ndarray:
        """A clinical angle (degrees) or a coordinate (degrees, metres), in the batch shape."""
        if name in self.angles:
            return self.angles[name].reshape(self.shape)
        if name in COORDINATES:
            i = COORDINATES.index(name)
            value = self.q[:, i] if name in TRANSLATIONS else np.degrees(self.q[:, i])
            return np.where(self.converged, value, np.nan).reshape(self.shape)
        raise KeyError(f"{name!r} is neither a clinical angle nor a coordinate")

    def outputs(self) -> dict[str, np.ndarray]:
        """The declared posture outputs and status, flat (n,)."""
        return {
            **{name: self.angles[name] for name in POSTURE_OUTPUTS},
            "converged": self.converged,
            "reason": self.reason,
            "limit": self.limit,
        }

    def to_dataset(self) -> xr.Dataset:
        """The posture outputs as a labelled Dataset over the batch's dimensions."""
        return self.batch.labelled(self.outputs())

    def _repr_html_(self) -> str:
        ok = f"{int(self.converged.sum())}/{self.converged.size}"
        dims = ", ".join(f"{d}: {s}" for d, s in zip(self.batch.dims, self.shape, strict=True)) or "one pose"
        title = f"Pose: task {self.task}, {dims}; converged {ok}"
        return html_table(title, ("output", "units", "value", "positive"), output_rows(self.angles))

    def __repr__(self) -> str:
        ok = f"{int(self.converged.sum())}/{self.converged.size}"
        dims = ", ".join(f"{d}: {s}" for d, s in zip(self.batch.dims, self.shape, strict=True))
        return f"Pose(task={self.task!r}, dims=({dims}), converged={ok})"


@declare_inputs
def propagate(
    model: Model,
    /,
    *,
    task: str = "double_stance",
    strength: Mapping[str, object] | None = None,
    tightness: Mapping[str, object] | None = None,
    **inputs,
) -> Pose:
    """Closed-chain posture for a batch of clinical inputs.

    Parameters
    ----------
    model : Model
    task : str
        One of :data:`kinechain.variables.TASKS`.
    strength, tightness : mapping of muscle group to float or array_like, optional
        See :data:`kinechain.variables.MUSCLE_PARAMETERS`; a trailing ``_r``/``_l`` selects one side.
    **inputs
        Clinical inputs and task parameters by name (listed below). A clinical input not given
        is free: the posture that minimizes the energy under the task's constraints decides it;
        give a value to hold it. Knee valgus is prescribed either as the tibiofemoral
        joint-coordinate-system angle (``knee_valgus_*``) or as the frontal-plane projection angle
        that single-leg squat studies report (``knee_fppa_*``), not both. The batch-shape rule of
        :mod:`kinechain.batch` applies: plain 1-D arrays form a grid, DataArrays sharing a
        dimension are paired.

    Returns
    -------
    Pose

    Examples
    --------
    >>> import kinechain as kc
    >>> pose = kc.propagate(kc.Model.default(), knee_valgus_r=[0.0, 10.0])
    >>> bool(pose.converged.all())
    True
    """
    cond = conditions(require_model(model), task, inputs, strength, tightness, POSE_BYTES)
    pose = solve(cond)
    warn_unsolved(pose.converged, pose.reason)
    return pose


class UnsolvedWarning(UserWarning):
    """Some elements of a batch did not solve (their angles and loads are NaN)."""


def warn_unsolved(converged: np.ndarray, reason: np.ndarray) -> None:
    """One warning saying how many elements did not solve, grouped by reason."""
    if converged.all():
        return
    why, count = np.unique(reason[~converged], return_counts=True)
    detail = "; ".join(f"{c} x {w}" for w, c in zip(why, count, strict=True))
    warnings.warn(
        f"{int((~converged).sum())} of {converged.size} elements did not solve (their angles and loads are NaN): "
        f"{detail}",
        UnsolvedWarning,
        stacklevel=3,
    )


def chunks(n: int, at_least: int = 1) -> list[np.ndarray]:
    """Consecutive index blocks of at most :data:`CHUNK` elements covering ``range(n)``, and at
    least ``at_least`` of them where ``n`` allows."""
    return np.array_split(np.arange(n), max(1, min(n, at_least), -(-n // CHUNK)))


def solve(cond: Conditions) -> Pose:
    """Solve the posture problem for checked :class:`Conditions` (see :func:`propagate`).

    Batches larger than :data:`CHUNK` are solved chunk by chunk (the results do not depend on
    the chunking), which bounds the solver's working memory; their pose keeps no force sharing.
    """
    if cond.n <= CHUNK:
        return _solve_chunk(cond)
    parts = [_solve_chunk(cond.take(index)) for index in chunks(cond.n)]

    def cat(get):
        return np.concatenate([get(part) for part in parts])

    frames = Frames(*(cat(lambda p, k=k: getattr(p.frames, k)) for k in ("origins", "rotations", "joint_axes")))
    return Pose(
        cond,
        cat(lambda p: p.q),
        frames,
        {k: cat(lambda p, k=k: p.angles[k]) for k in parts[0].angles},
        cat(lambda p: p.converged),
        cat(lambda p: p.reason),
        cat(lambda p: p.multipliers),
        cat(lambda p: p.deficit),
        cat(lambda p: p.limit),
        cat(lambda p: p.limits),
        cat(lambda p: p.released),
        None,
        np.zeros(cond.n, dtype=bool),
    )


def _solve_chunk(cond: Conditions) -> Pose:
    """Solve one chunk: without the holding deficit, then again with the deficit at that posture
    where there is one (muscles too weak to hold it, or tight muscles pulling)."""
    model = cond.model
    problem = build_problem(cond)
    q0 = np.broadcast_to(model.neutral(), (cond.n, len(COORDINATES))).copy()
    q = q0.copy()
    frames = Frames(*(np.zeros((cond.n, len(BODIES)) + shape) for shape in ((3,), (3, 3), (3, 3))))
    solved = np.zeros(cond.n, dtype=bool)
    # every WARM_START_STRIDE-th element from neutral, each of the others from the one before it
    anchors = np.arange(0, cond.n, WARM_START_STRIDE)
    problem, lam = _solve_into(problem, anchors, np.zeros_like(q0), q0[anchors], q, None, solved, frames)
    start = np.where(solved[anchors, None], q[anchors], q0[anchors])[np.arange(cond.n) // WARM_START_STRIDE]
    others = np.flatnonzero(np.arange(cond.n) % WARM_START_STRIDE)
    if others.size:
        problem, lam = _solve_into(problem, others, np.zeros_like(q0), start[others], q, lam, solved, frames)
    # not solved without the deficit: start again from neutral, without a deficit
    lost = np.flatnonzero(~solved)
    q[lost] = q0[lost]
    if lost.size:
        frames.put(lost, body_frames(model.p, q[lost]))
    held = holding(cond, q, frames)
    deficit = held.deficit
    deficit[lost] = 0.0
    again = ~solved
    if holds_lean(cond):  # the lean is a target (released where no compensation is asked), in every chunk
        lam = np.insert(lam, lam.shape[1] - len(COORDINATES), 0.0, axis=1)
        problem = problem.prescribe({LEAN: clinical_angle(frames, LEAN)})
        released = problem.released.copy()
        released[:, list(problem.targets).index(LEAN)] = cond.abductor_compensation == 0
        problem = replace(problem, released=released)
    if compensates(cond):  # the trunk leans over the stance leg; the deficit is that of the leaning posture
        # only the elements that lean are solved again: the others' posture is solved already
        leaning = np.flatnonzero(cond.abductor_compensation > 0)
        part, q[leaning], again[leaning], deficit[leaning] = _lean(problem.take(leaning), q[leaning], again[leaning])
        problem = problem.put(leaning, part)
        again[leaning] = True
    again = np.flatnonzero(again | deficit.any(axis=1))
    if again.size:
        problem, lam = _solve_into(problem, again, deficit, q[again], q, lam, solved, frames)
    at_q = np.ones(cond.n, dtype=bool)
    at_q[again] = False

    converged = solved.copy()
    reason = np.where(converged, "", "constraints not satisfied (the prescribed inputs are not reachable)")
    over = _beyond_range(q)
    for i in np.flatnonzero(over.any(axis=0)):
        lo, hi = COORDINATE_RANGES[COORDINATES[i]]
        out = converged & over[:, i]
        reason = np.where(out, f"{COORDINATES[i]} beyond its range [{lo:g}, {hi:g}] degrees", reason)
        converged &= ~out
    angles = dict(zip(ANGLE_NAMES, np.where(converged, np.degrees(clinical_angle_table(frames)), np.nan), strict=True))
    # a trunk lean not asked for (abductor_compensation 0) is released, but no limit stopped it
    stopped = problem.released.copy()
    if LEAN in problem.targets:
        stopped[:, list(problem.targets).index(LEAN)] &= cond.abductor_compensation > 0
    limit = _limit_text(problem, stopped, converged)
    return Pose(
        cond,
        q,
        frames,
        angles,
        converged,
        reason,
        lam,
        deficit,
        limit,
        problem.limits,
        problem.released,
        held.sharing,
        at_q,
    )


def _solve_into(
    problem: Problem,
    index: np.ndarray,
    linear: np.ndarray,
    start: np.ndarray,
    q: np.ndarray,
    lam: np.ndarray | None,
    solved: np.ndarray,
    frames: Frames,
) -> tuple[Problem, np.ndarray]:
    """Solve the elements ``index`` from the postures ``start`` with the generalized force
    ``linear`` (n, n_q) (:func:`within_range`), writing their coordinates, solved flags and frames
    into ``q``, ``solved`` and ``frames``; returns the problem with their held limits and released
    targets, and the multipliers (:func:`_per_coordinate`) with theirs (new if ``lam`` is None)."""
    part, q[index], part_lam, c, part_frames = within_range(problem.take(index), linear[index], start)
    solved[index] = _solved(q[index], c, part.cond.model)
    frames.put(index, part_frames)
    part_lam = _per_coordinate(part, part_lam)
    if lam is None:
        lam = np.zeros((q.shape[0], part_lam.shape[1]))
    lam[index] = part_lam
    return problem.put(index, part), lam


def _per_coordinate(problem: Problem, lam: np.ndarray) -> np.ndarray:
    """Multipliers (n, m + n_q) with those of the held limits per coordinate (zero where free), so
    that solves with different held limits line up."""
    limited = problem.limited
    first = lam.shape[1] - limited.size
    out = np.zeros((lam.shape[0], first + len(COORDINATES)))
    out[:, :first] = lam[:, :first]
    out[:, first + limited] = lam[:, first:]
    return out


def solved_problem(pose: Pose) -> Problem:
    """The posture problem ``pose`` was solved as: the targets (in single-leg tasks the trunk lean
    at its solved value, released where no compensation was asked), held limits and released
    inputs, for rebuilding its optimality conditions."""
    cond = pose.conditions
    problem = build_problem(cond)
    if holds_lean(cond):
        problem = problem.prescribe({LEAN: np.radians(np.where(pose.converged, pose.angles[LEAN], 0.0))})
    return replace(problem, limits=pose.limits, released=pose.released)


def _lean(problem: Problem, q: np.ndarray, lost: np.ndarray):
    """The trunk lean over the stance leg that compensates for weak hip abductors
    (:mod:`kinechain.posture.compensation`), for elements that all lean.

    Returns the problem with the lean held (released where no least-effort lean was found), and
    the coordinates, lost elements and holding deficit at that lean.
    """
    cond = problem.cond
    lean = problem.targets[LEAN].copy()
    released = problem.released.copy()
    # with typical abductor strength the least-effort lean does not move: no search
    reference = typical_abductors(cond)
    weak = np.flatnonzero((cond.strength != reference).any(axis=1) & ~lost)
    if weak.size:
        # the weak elements and the same with typical abductors, searched as one batch
        user = problem.take(weak)
        typical = replace(user.cond, strength=reference[weak])
        both = user.take(np.tile(np.arange(weak.size), 2))
        both = replace(
            both,
            cond=replace(both.cond, strength=np.concatenate([user.cond.strength, typical.strength])),
            stiffness=np.concatenate([user.stiffness, build_problem(typical).stiffness]),
        )
        least, found = _least_effort_lean(both, np.tile(q[weak], (2, 1)))
        found = found[: weak.size] & found[weak.size :]
        shift = np.maximum(toward_stance(cond) * (least[: weak.size] - least[weak.size :]), 0.0)
        lean[weak] += np.where(found, cond.abductor_compensation[weak] * toward_stance(cond) * shift, 0.0)
        released[weak, list(problem.targets).index(LEAN)] = ~found
    problem = replace(problem, targets={**problem.targets, LEAN: lean}, released=released)
    problem, q, _, c, frames = within_range(problem, np.zeros_like(q), q)
    lost = lost | ~_solved(q, c, cond.model)
    deficit = holding(cond, q, frames).deficit
    deficit[lost] = 0.0
    return problem, q, lost, deficit


def _least_effort_lean(problem: Problem, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Trunk lean (rad, (n,)) at which holding the posture takes the least muscular effort, searched
    over :data:`LEAN_BRACKET` around the problem's lean (toward the stance side), and whether it
    was found: a finite effort inside the bracket, not at its ends. A lean that does not solve,
    that a joint limit keeps from being held, or whose force sharing does not converge costs
    ``inf``."""
    cond = problem.cond
    toward = toward_stance(cond)
    centre = problem.targets[LEAN]
    column = list(problem.targets).index(LEAN)
    state = {"q": q.copy()}

    def effort(offset: np.ndarray) -> np.ndarray:
        held = replace(problem, targets={**problem.targets, LEAN: centre + toward * offset})
        held, state["q"], _, c, frames = within_range(held, np.zeros_like(q), state["q"])
        solved = _solved(state["q"], c, cond.model) & ~held.released[:, column]
        state["q"] = np.where(solved[:, None], state["q"], q)
        held = holding(cond, state["q"], frames)
        return np.where(solved & held.converged & np.isfinite(held.effort), held.effort, np.inf)

    lower, upper = (np.full(cond.n, bound) for bound in LEAN_BRACKET)
    offset, value = golden_section(effort, lower, upper, LEAN_TOLERANCE)
    inside = (offset - lower > 2 * LEAN_TOLERANCE) & (upper - offset > 2 * LEAN_TOLERANCE)
    return centre + toward * offset, inside & np.isfinite(value)


#: Lower and upper limits (rad) of every coordinate; infinite for the translations.
LOWER = np.array([-np.inf if c in TRANSLATIONS else np.radians(COORDINATE_RANGES[c][0]) for c in COORDINATES])
UPPER = np.array([np.inf if c in TRANSLATIONS else np.radians(COORDINATE_RANGES[c][1]) for c in COORDINATES])


def _solved(q: np.ndarray, c: np.ndarray, model: Model) -> np.ndarray:
    """Which elements (n,) reached finite coordinates with every constraint met to the tolerance."""
    return np.isfinite(q).all(axis=1) & (np.abs(c).max(axis=1) < constraint_tolerance(model))


def _beyond_range(q: np.ndarray) -> np.ndarray:
    """Which coordinates (n, n_q) pass a limit of their range by more than :data:`RANGE_SLACK`."""
    slack = np.radians(RANGE_SLACK)
    return (q < LOWER - slack) | (q > UPPER + slack)


def within_range(problem: Problem, linear: np.ndarray, q: np.ndarray):
    """Minimize with every coordinate inside its range: an active set of joint limits.

    A coordinate that a solved minimum carries past a limit is held at that limit (an
    equality row of the KKT system) and the posture is solved again; a prescribed clinical angle
    that mostly moves that coordinate (its Jacobian row points along it by more than
    :data:`RELEASE_ALIGNMENT`) is released — the joint stops at its limit instead of reaching
    the input. A limit whose multiplier pulls the joint back inside is let go. Each round solves
    only the elements whose active set changed; at most :data:`ACTIVE_SET_ROUNDS` rounds.

    Returns
    -------
    Problem
        With the limits held and the targets released at the solution.
    q, multipliers, residuals, frames
        At the solution.
    """
    todo = None
    for _ in range(ACTIVE_SET_ROUNDS):
        q, lam, c, _, frames = minimize(problem, linear, q, todo)
        # limits are read only at solved postures: an iterate that missed its constraints says nothing
        solved = _solved(q, c, problem.cond.model)
        over = _beyond_range(q) & np.isnan(problem.limits) & solved[:, None]
        changed = over.any(axis=1)
        if not changed.any():
            release = _pulled_inside(problem, lam) & ~_standing_for_inputs(problem, frames) & solved[:, None]
            if not release.any():
                break
            limits = np.where(release, np.nan, problem.limits)
            problem = replace(problem, limits=limits)
            todo = np.flatnonzero(release.any(axis=1))
            continue
        held = np.where(q > UPPER, UPPER, LOWER)
        limits = np.where(over, held, problem.limits)
        released = problem.released.copy()
        for k, name in enumerate(problem.targets):
            released[:, k] |= (over & _aligned(frames, name)).any(axis=1)
        problem = replace(problem, limits=limits, released=released)
        q = np.clip(q, LOWER, UPPER)
        todo = np.flatnonzero(changed)
    return problem, q, lam, c, frames


def _aligned(frames: Frames, name: str) -> np.ndarray:
    """Coordinates (n, n_q) along which the clinical angle ``name`` mostly moves.

    A leg segment's angle against the floor (rearfoot eversion: the calcaneus on the ground) turns
    with every coordinate from the pelvis down; it is taken to move along its own joint's
    coordinates (the subtalar joint), the joint that stops it at the end of its range.
    """
    child, parent = CLINICAL_ANGLES[name][:2] if name in CLINICAL_ANGLES else ("", "")
    if parent == "ground" and child != "pelvis":
        own = np.isin(COORDINATES, joint_coordinates(child))
        return np.broadcast_to(own, (frames.origins.shape[0], len(COORDINATES)))
    jac = clinical_jacobian(frames, name)
    return np.abs(jac) / np.maximum(np.linalg.norm(jac, axis=1, keepdims=True), 1e-12) > RELEASE_ALIGNMENT


def _standing_for_inputs(problem: Problem, frames: Frames) -> np.ndarray:
    """Held limits (n, n_q) that stand in for a released input: kept, so the joint stays at its limit."""
    out = np.zeros(problem.limits.shape, dtype=bool)
    for k, name in enumerate(problem.targets):
        if problem.released[:, k].any():
            out |= problem.released[:, k, None] & _aligned(frames, name)
    return out & ~np.isnan(problem.limits)


def _pulled_inside(problem: Problem, lam: np.ndarray) -> np.ndarray:
    """Held limits (n, n_q) whose multiplier would pull the joint back inside its range."""
    limited = problem.limited
    out = np.zeros(problem.limits.shape, dtype=bool)
    if limited.size == 0:
        return out
    mult = lam[:, lam.shape[1] - limited.size :]
    held = problem.limits[:, limited]
    upper = np.isclose(held, UPPER[limited])
    # at an upper limit the energy pushes the joint up (multiplier > 0); at a lower limit, down
    wrong = np.where(upper, mult < -MULTIPLIER_SLACK, mult > MULTIPLIER_SLACK) & ~np.isnan(held)
    out[:, limited] = wrong
    return out


def _limit_text(problem: Problem, released: np.ndarray, converged: np.ndarray) -> np.ndarray:
    """Per element, the joint limits held and the prescribed inputs ``released`` (n, k) (empty if none)."""
    out = np.full(converged.shape, "", dtype=object)

    def append(mask: np.ndarray, text) -> None:
        if not mask.any():
            return
        out[mask] = np.where(out[mask] == "", "", out[mask] + "; ") + (text[mask] if np.ndim(text) else text)

    for i in problem.limited:
        name = COORDINATES[i]
        value = np.degrees(problem.limits[:, i])
        held = ~np.isnan(value)
        side = np.where(np.isclose(value, COORDINATE_RANGES[name][1]), "upper", "lower")
        append(held, np.char.add(np.char.add(f"{name} at its ", side), np.char.mod(" limit %g degrees", value)))
    for k, name in enumerate(problem.targets):
        append(released[:, k], f"{name} not reached")
    return np.where(converged, out, "").astype(str)
