"""``statics``: inverse statics, muscle force sharing and lumbar loads at solved postures.

Net joint loads come from :mod:`kinechain.mechanics.external` (legs from the ground up, lumbar
levels from the trunk down, closing at the pelvis); the joints' passive elastic moments from
:mod:`kinechain.mechanics.passive` (the same the posture energy contains); the muscle forces
that balance the rest from :mod:`kinechain.mechanics.sharing`. At every equilibrium axis,
``muscle_moment + passive_moment + reserve_moment = net_moment``.

The lumbar loads are in the frame of the endplate below: the joint reaction force at L5/S1 and
L4/L5 (the net force of the level — all external forces above it — less what the muscles crossing
it carry: what the disc and facets transmit, compression and shears) and the level's net moment,
which the muscles crossing it and the level's passive tissues share (``muscle_moment``,
``passive_moment``). The passive moment is carried as a pure moment: the compression its
ligaments add to the disc is not part of the reported compression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ._html import html_table, output_rows
from ._records import put
from .body.chain import Frames, body_frames
from .body.topology import BODIES
from .mechanics.external import DISC_FRAME, EQUILIBRIUM, JOINTS
from .mechanics.sharing import RESERVE_LIMIT, muscle_equilibrium
from .posture import Pose

#: Foot width as a fraction of stature (Winter 2009, after Drillis & Contini 1966).
FOOT_WIDTH = 0.055


def equilibrium_labels() -> list[str]:
    """Labels of the ``coordinate`` dimension: the axes of :data:`EQUILIBRIUM`."""
    return [axis if axis.endswith(("_r", "_l")) else f"{joint}_{axis}" for joint, axis in EQUILIBRIUM]


@dataclass(frozen=True)
class Loads:
    """Loads of a batch of solved postures (the result of :func:`statics`).

    ``loads[name]`` gives any of :data:`kinechain.variables.LOAD_OUTPUTS` in the batch's shape
    (trailing ``muscle`` or ``coordinate`` axis where declared); :meth:`to_dataset` labels them.
    Units, signs and frames are in the declaration; in short: compression (N) positive when the
    disc is pressed; ``shear_ap`` (N) positive when the upper body is pushed anteriorly;
    ``shear_lateral`` (N) positive to the right; ``flexion_moment`` and ``lateral_bending_moment``
    (N·m) positive flexing and bending the upper body to the right; ``torsion_moment`` (N·m)
    positive turning the upper body to the left — these three are the level's net moment; hip and
    knee moments are net internal moments on the coordinate axes; ``net_moment``,
    ``muscle_moment``, ``passive_moment`` and ``reserve_moment`` over the ``coordinate`` axis
    (:func:`equilibrium_labels`) add up: muscle + passive + reserve = net.

    Attributes
    ----------
    pose : Pose
        The postures the loads belong to.
    values : dict of str to ndarray (n, ...)
        Every declared load output, flat over the batch.
    ground_reaction_force : ndarray (n, 3)
        Sum of the ground reactions (N), ground frame.
    """

    pose: Pose = field(repr=False)
    values: dict
    ground_reaction_force: np.ndarray = field(repr=False)

    def __getitem__(self, name: str) -> np.ndarray:
        value = self.values[name]
        return value.reshape(self.pose.shape + value.shape[1:])

    def _repr_html_(self) -> str:
        feasible = self.values["feasible"]
        title = f"Loads: task {self.pose.task}, {feasible.size} pose(s); feasible {int(feasible.sum())}/{feasible.size}"
        return html_table(title, ("output", "units", "value", "positive"), output_rows(self.values))

    def outputs(self) -> dict[str, np.ndarray]:
        """The declared load outputs, flat (n, ...)."""
        return dict(self.values)

    def to_dataset(self) -> xr.Dataset:
        """The loads as a labelled Dataset over the batch's dimensions."""
        labels = {"muscle": self.pose.model.muscles.names, "coordinate": equilibrium_labels()}
        return self.pose.batch.labelled(self.outputs(), labels)


def statics(pose: Pose, exponent: int = 2) -> Loads:
    """Inverse statics, force sharing and lumbar loads at solved postures.

    Parameters
    ----------
    pose : Pose
        From :func:`kinechain.propagate`; carries the model, the task, the load and the muscle
        parameters.
    exponent : {2, 3}
        Exponent of the activation cost (see :func:`kinechain.mechanics.sharing.share_forces`).

    Returns
    -------
    Loads
        Every load of an element whose posture did not solve is NaN (``feasible`` is False).
    """
    if not isinstance(pose, Pose):
        raise ValueError(f"pose must be a kinechain.Pose (from kinechain.propagate); got {type(pose).__name__}")
    cond, frames, model = pose.conditions, pose.frames, pose.model
    if not pose.converged.all():  # evaluate unsolved elements at neutral standing, then blank them
        frames = body_frames(model.p, np.where(pose.converged[:, None], pose.q, model.neutral()))
    q = np.where(pose.converged[:, None], pose.q, model.neutral())
    # the solve's force sharing where it is this one: at the posture, typical tightness, quadratic cost
    same = pose.sharing_at_q & pose.converged & (exponent == 2) & ~cond.tightness.any(axis=1)
    fresh = np.flatnonzero(~same)
    sharing = pose.sharing
    if fresh.size:
        part = muscle_equilibrium(
            model,
            q[fresh],
            frames.take(fresh),
            cond.task.stance,
            cond.strength[fresh],
            cond.tightness[fresh],
            cond.load_mass[fresh],
            cond.load_distance[fresh],
            exponent,
        )
        sharing = part if fresh.size == cond.n else put(sharing, fresh, part)
    joints, geometry, tension = sharing.joints, sharing.geometry, sharing.tension

    out = {}
    # the joint reaction forces at the lumbar levels and the hips, proximal on distal: the net force
    # less the muscles crossing the joint
    crossed = [*DISC_FRAME, "hip_r", "hip_l"]
    per_newton = geometry.distal_force([BODIES.index(JOINTS[j]) for j in crossed])  # (n, 4, M, 3)
    carried = (tension[:, None, None, :] @ per_newton)[:, :, 0]
    contact = np.stack([joints[j][0] for j in crossed], axis=1) - carried  # (n, 4, 3)
    # the levels' reaction force and net moment (on the upper body) in the disc frame (X anterior,
    # Y normal, Z right); the muscles and the level's passive tissues share the moment
    # (muscle_moment, passive_moment)
    disc = frames.rotations[:, [BODIES.index(DISC_FRAME[level]) for level in DISC_FRAME]]
    local = np.einsum("nkji,nkj->nki", disc, contact[:, : len(DISC_FRAME)])
    turning = np.einsum("nkji,nkj->nki", disc, np.stack([joints[level][1] for level in DISC_FRAME], axis=1))
    for k, level in enumerate(DISC_FRAME):
        out[f"{level}_compression"] = local[:, k, 1]
        out[f"{level}_shear_ap"] = -local[:, k, 0]
        out[f"{level}_shear_lateral"] = -local[:, k, 2]
        out[f"{level}_torsion_moment"] = turning[:, k, 1]
        out[f"{level}_flexion_moment"] = -turning[:, k, 2]
        out[f"{level}_lateral_bending_moment"] = turning[:, k, 0]
    # hip and knee moments on their joint axes
    legs = [f"{joint}_{side}" for side in "rl" for joint in ("hip", "knee")]
    axes = frames.joint_axes[:, [BODIES.index(JOINTS[leg]) for leg in legs]]
    along = np.einsum("nki,nkij->nkj", np.stack([joints[leg][1] for leg in legs], axis=1), axes)
    for k, leg in enumerate(legs):
        joint, side = leg.split("_")
        for j, axis in enumerate(("flexion", "adduction", "rotation")):
            out[f"{joint}_moment_{axis}_{side}"] = along[:, k, j]
    for k, side in enumerate("rl", start=len(DISC_FRAME)):
        out[f"hip_contact_force_{side}"] = np.linalg.norm(contact[:, k], axis=1)

    feasible = sharing.converged & (np.abs(sharing.reserve).max(axis=1) <= RESERVE_LIMIT)
    for side in cond.task.stance:
        feasible &= _cop_under_foot(model, frames, sharing.grf.cop[side], side)
    # the loads' own copies of the force sharing's arrays (the pose may hold the sharing)
    out |= {
        "muscle_force": tension.copy(),
        "muscle_activation": sharing.activation.copy(),
        "net_moment": sharing.net.copy(),
        "muscle_moment": sharing.muscle.copy(),
        "passive_moment": sharing.passive.copy(),
        "reserve_moment": sharing.reserve.copy(),
        "feasible": feasible & pose.converged,
    }
    bad = ~pose.converged
    if bad.any():
        for name, value in out.items():
            if value.dtype.kind == "f":
                out[name] = np.where(bad.reshape((-1,) + (1,) * (value.ndim - 1)), np.nan, value)
    return Loads(pose, out, np.where(bad[:, None], np.nan, sum(sharing.grf.force.values())))


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
    half_width = 0.5 * FOOT_WIDTH * model.subject.height
    return (along >= 0) & (along <= length) & (across <= half_width)
