"""``propagate``: knee valgus and femoral rotation carried up the closed chain, and the :class:`Pose`.

For every batch element the posture minimizes the stiffness-weighted joint deviation from the
neutral standing posture ``q₀``::

    E(q) = ½ (q − q₀)ᵀ K (q − q₀) + dᵀ (q − q₀)

subject to the task's constraints and every prescribed clinical input
(:mod:`kinechain.posture.kkt`); ``K`` and ``d`` are described in
:mod:`kinechain.posture.energy` and ``docs/model.md``. The posture is solved twice: without
``d``, then with the deficit of the muscles at that posture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ..batch import Batch
from ..body.chain import Frames
from ..body.model import Model, require_model
from ..body.topology import BODIES, COORDINATE_RANGES, COORDINATES, TRANSLATIONS
from ..mechanics.clinical import clinical_angles
from ..variables import POSTURE_OUTPUTS
from .conditions import Conditions, conditions, declare_inputs
from .energy import holding_deficit
from .kkt import TOLERANCE, build_problem, minimize

#: Largest number of postures solved at once; larger batches are solved in chunks.
CHUNK = 5000
#: A coordinate counts as beyond its range when it passes a limit by more than this (degrees).
RANGE_SLACK = 1e-9
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
    q : ndarray (n, 25)
        Coordinates (radians, metres), in :data:`kinechain.body.topology.COORDINATES` order.
    frames : Frames
        Segment frames in ground.
    angles : dict of str to ndarray (n,)
        Every clinical angle (degrees).
    converged : ndarray (n,) of bool
        Whether the element satisfied its constraints within tolerance and every coordinate
        stayed within its range.
    reason : ndarray (n,) of str
        Empty where converged; otherwise why not.
    multipliers : ndarray (n, m)
        Constraint multipliers at the solution (N·m per unit of constraint).
    deficit : ndarray (n, 25)
        Generalized force the muscles could not supply (N·m, N), ``d`` of the energy.
    """

    conditions: Conditions
    q: np.ndarray
    frames: Frames
    angles: dict
    converged: np.ndarray
    reason: np.ndarray
    multipliers: np.ndarray = field(repr=False)
    deficit: np.ndarray = field(repr=False)

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
            return value.reshape(self.shape)
        raise KeyError(f"{name!r} is neither a clinical angle nor a coordinate")

    def outputs(self) -> dict[str, np.ndarray]:
        """The declared posture outputs and status, flat (n,)."""
        return {
            **{name: self.angles[name] for name in POSTURE_OUTPUTS},
            "converged": self.converged,
            "reason": self.reason,
        }

    def to_dataset(self) -> xr.Dataset:
        """The posture outputs as a labelled Dataset over the batch's dimensions."""
        return self.batch.labelled(self.outputs())

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
    return solve(cond)


def chunks(n: int) -> list[np.ndarray]:
    """Consecutive index blocks of at most :data:`CHUNK` elements covering ``range(n)``."""
    return np.array_split(np.arange(n), max(1, -(-n // CHUNK)))


def solve(cond: Conditions) -> Pose:
    """Solve the posture problem for checked :class:`Conditions` (see :func:`propagate`).

    Batches larger than :data:`CHUNK` are solved chunk by chunk (the results do not depend on
    the chunking), which bounds the solver's working memory.
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
    )


def _solve_chunk(cond: Conditions) -> Pose:
    """Solve one chunk: without the holding deficit, then with the deficit at that posture."""
    model = cond.model
    problem = build_problem(cond)
    q0 = np.broadcast_to(model.neutral(), (cond.n, len(COORDINATES))).copy()
    q, lam, c, jac, frames = minimize(problem, np.zeros_like(q0), q0)
    deficit = holding_deficit(cond, frames)
    q, lam, c, jac, frames = minimize(problem, deficit, q)

    scale = model.subject.segments["thigh"].length
    converged = np.isfinite(q).all(axis=1) & (np.abs(c).max(axis=1) < TOLERANCE * scale)
    reason = np.where(converged, "", "constraints not satisfied (the prescribed inputs are not reachable)")
    for i, name in enumerate(COORDINATES):
        if name in TRANSLATIONS:
            continue
        lo, hi = COORDINATE_RANGES[name]
        deg = np.degrees(q[:, i])
        out = converged & ((deg < lo - RANGE_SLACK) | (deg > hi + RANGE_SLACK))
        reason = np.where(out, f"{name} beyond its range [{lo:g}, {hi:g}] degrees", reason)
        converged &= ~out
    angles = {k: np.degrees(v) for k, v in clinical_angles(frames).items()}
    return Pose(cond, q, frames, angles, converged, reason, lam, deficit)
