"""The muscles of a model: lines of action, architecture, groups, and the strength/tightness parameters.

Hip and thigh muscles come from Rajagopal et al. (2016) (three deep rotators and pectineus from
gait2392, Delp et al. 1990), lumbar muscles from a documented simplified set; see
``data/MUSCLES_NOTES.md``. Each muscle is a line through path points fixed in segment frames
(straight segments, no wrapping surfaces), scaled with the segment it is attached to.

User parameters, per muscle group (a trailing ``_r`` or ``_l`` selects one side), declared in
:mod:`kinechain.variables`:

``strength``
    Factor on maximum isometric force (1): 1 = typical adult, 0.3 = severely weak.
``tightness``
    Shortening of the tendon slack length, in optimal fibre lengths (1): the fibres reach a
    given normalized length — and passive force — that much sooner; 0 = typical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

import numpy as np

from .._data import read_csv
from .._frozen import ReadOnlyMappings
from ..variables import MUSCLE_GROUPS
from .chain import ANCESTORS, JOINT_COLUMNS, Frames
from .topology import BODIES, LUMBAR_VERTEBRAE, THORAX

#: Height (m, generic size) above the T12/L1 disc centre of the thoracic point of the trunk muscles
#: that reach the rib cage: the mid-body of T12 (assumed; their attachments on the ribs are not
#: modelled, only their crossing of T12/L1 at the offsets of ``trunk_muscles.csv``).
THORAX_POINT_HEIGHT = 0.02


@dataclass(frozen=True, eq=False)
class MuscleSet(ReadOnlyMappings):
    """Muscle lines of a model (both sides), as arrays; immutable.

    Attributes
    ----------
    names : tuple of str
        Muscle line names with side suffix (``glmed1_r`` …), length M.
    groups : Mapping[str, ndarray]
        Group name (with ``_r``/``_l`` variants) → indices of its lines.
    max_isometric_force : ndarray (M,)
        N.
    optimal_fiber_length, tendon_slack_length : ndarray (M,)
        m.
    pennation : ndarray (M,)
        Pennation angle at optimal fibre length (rad).
    point_body : ndarray (M, P) of int
        Body index of each path point (−1 pads shorter paths).
    point_local : ndarray (M, P, 3)
        Path points in their body frames (m).
    distal : ndarray (n_bodies, M, P)
        1 where a path point lies on the body or on a body distal to it, else 0.
    length_dependent : ndarray (M,) of bool
        Whether force depends on fibre length. The lumbar lines have no modelled fibre length
        (their fascicles' architecture is not represented) and act at optimal length.
    compliant_tendon : ndarray (M,) of bool
        Whether the tendon stretches under the fibre's force (as in the source model, whose
        compliant tendons are those longer at slack than the optimal fibre length); otherwise
        it is rigid.
    """

    names: tuple[str, ...]
    groups: MappingProxyType
    max_isometric_force: np.ndarray
    optimal_fiber_length: np.ndarray
    tendon_slack_length: np.ndarray
    pennation: np.ndarray
    point_body: np.ndarray
    point_local: np.ndarray
    distal: np.ndarray
    length_dependent: np.ndarray
    compliant_tendon: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    @cached_property
    def crossings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The (body, muscle) pairs whose path crosses the body's joint.

        A muscle pulls on a body and everything distal to it only where its path has points
        on both sides of the body's joint; a path wholly on one side exerts no net force or
        moment on that side (its segments' pulls cancel in pairs).

        Returns
        -------
        body, muscle, slot : ndarray (C,) of int
            Body index and muscle index of each crossing, and its rank among the crossings of
            the same muscle.
        mask : ndarray (M, S, P)
            For each muscle and slot, the :attr:`distal` row of that crossing (1 for the path
            points on the distal side); zero for slots no crossing uses.
        """
        valid = self.point_body >= 0
        inside = self.distal > 0
        mixed = (inside & valid).any(axis=2) & (~inside & valid).any(axis=2)
        muscle, body = np.nonzero(mixed.T)  # sorted by muscle
        first = np.searchsorted(muscle, muscle)
        slot = np.arange(muscle.size) - first
        mask = np.zeros((len(self), slot.max(initial=0) + 1, self.point_body.shape[1]))
        mask[muscle, slot] = self.distal[body, muscle]
        return body, muscle, slot, mask

    @cached_property
    def crossing_columns(self) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]:
        """Where each crossing's moments about its joint's axes go in the moment-arm matrix.

        A coordinate shared by several joints (the lumbar levels) collects one term per joint
        a muscle crosses, so the terms come in layers, each naming every (muscle, coordinate)
        at most once.

        Returns
        -------
        tuple of (crossing, axis, muscle, column), each ndarray (K,) of int
            Crossing index (:attr:`crossings`), axis of its body's joint, and the muscle and
            coordinate whose moment arm the term adds to.
        """
        body, muscle, _, _ = self.crossings
        layers: list[list[tuple[int, int, int, int]]] = []
        seen: dict[tuple[int, int], int] = {}
        for c, (b, m) in enumerate(zip(body, muscle, strict=True)):
            for j, col in enumerate(JOINT_COLUMNS[b]):
                depth = seen.get((m, col), 0)
                seen[(m, col)] = depth + 1
                if depth == len(layers):
                    layers.append([])
                layers[depth].append((c, j, m, col))
        return tuple(tuple(np.array(x, dtype=int) for x in zip(*rows, strict=True)) for rows in layers)

    def group_indices(self, name: str) -> np.ndarray:
        """Indices of the lines in group ``name`` (optionally suffixed ``_r``/``_l``)."""
        try:
            return self.groups[name]
        except KeyError:
            raise ValueError(
                f"unknown muscle group {name!r}; known groups are {sorted(MUSCLE_GROUPS)} "
                "(append _r or _l for one side)"
            ) from None


def build_muscles(scale: Mapping[str, float], neutral: Frames, generic: Frames) -> MuscleSet:
    """Muscle lines scaled to a subject.

    Path points scale with their body. Optimal fibre length and tendon slack length scale with
    the ratio of the path length in the neutral posture to that of the source model (generic
    geometry, its own hip joint centres) — the rule of OpenSim's scaling — so that every muscle
    keeps its source model's normalized fibre length in the neutral posture.

    Parameters
    ----------
    scale : Mapping[str, float]
        Scale factor per generic body (``pelvis``, ``femur``, ``tibia``, ``foot``).
    neutral, generic : Frames
        Neutral-posture frames of the subject's model and of the unscaled generic model.
    """
    body_scale = {
        "pelvis": scale["pelvis"],
        "femur": scale["femur"],
        "tibia": scale["tibia"],
        "calcn": scale["foot"],
    }
    params = {r["muscle"]: r for r in read_csv("muscles.csv")}
    paths: dict[str, list[tuple[str, np.ndarray]]] = {}
    for r in sorted(read_csv("muscle_paths.csv"), key=lambda r: (r["muscle"], int(r["point"]))):
        local = body_scale[r["body"]] * np.array([float(r["x"]), float(r["y"]), float(r["z"])])
        paths.setdefault(r["muscle"], []).append((r["body"], local))
    lines = []  # (base name, groups, fmax, lopt, lts, pennation, [(body, local)] right side)
    compliant = {base for base, p in params.items() if p["compliant_tendon"] == "1"}
    for base, p in params.items():
        path = paths[base]
        ratio = _neutral_length(neutral, path) / _neutral_length(generic, [(b, loc / body_scale[b]) for b, loc in path])
        lines.append(
            (
                base,
                p["groups"].split(";"),
                float(p["max_isometric_force"]),
                float(p["optimal_fiber_length"]) * ratio,
                float(p["tendon_slack_length"]) * ratio,
                float(p["pennation_angle"]),
                path,
            )
        )
    lines += _trunk_lines(scale["pelvis"], neutral)

    names, fmax, lopt, lts, penn, bodies, points = [], [], [], [], [], [], []
    groups: dict[str, list[int]] = {}
    for side in "rl":
        flip = np.array([1.0, 1.0, 1.0 if side == "r" else -1.0])
        for base, grp, f, lo, ls, a, path in lines:
            index = len(names)
            names.append(f"{base}_{side}")
            fmax.append(f)
            lopt.append(lo)
            lts.append(ls)
            penn.append(a)
            bodies.append([BODIES.index(b if b in BODIES else f"{b}_{side}") for b, _ in path])
            points.append([loc * flip for _, loc in path])
            for g in grp:
                groups.setdefault(g, []).append(index)
                groups.setdefault(f"{g}_{side}", []).append(index)
    n_points = max(len(b) for b in bodies)
    point_body = np.full((len(names), n_points), -1)
    point_local = np.zeros((len(names), n_points, 3))
    for m, (b, pts) in enumerate(zip(bodies, points, strict=True)):
        point_body[m, : len(b)] = b
        point_local[m, : len(b)] = pts
    distal = np.array(
        [[[b >= 0 and k in ANCESTORS[b] for b in row] for row in point_body] for k in range(len(BODIES))],
        dtype=float,
    )
    frozen = {k: np.array(v) for k, v in groups.items()}
    arrays = [np.array(x, dtype=float) for x in (fmax, lopt, lts, penn)]
    length_dependent = np.array([name.rsplit("_", 1)[0] in params for name in names])
    compliant_tendon = np.array([name.rsplit("_", 1)[0] in compliant for name in names])
    for arr in [*arrays, point_body, point_local, distal, length_dependent, compliant_tendon, *frozen.values()]:
        arr.setflags(write=False)
    return MuscleSet(
        tuple(names),
        MappingProxyType(frozen),
        *arrays,
        point_body,
        point_local,
        distal,
        length_dependent,
        compliant_tendon,
    )


def _neutral_length(frames: Frames, path) -> float:
    """Length of a right-side path (body names without side) in the first posture of ``frames``."""
    ground = [frames.point(b if b in BODIES else f"{b}_r", loc)[0] for b, loc in path]
    return float(sum(np.linalg.norm(b - a) for a, b in zip(ground, ground[1:], strict=False)))


def _trunk_lines(pelvis_scale: float, neutral: Frames) -> list:
    """Lumbar muscle lines: a sacral point and a via point in every lumbar vertebra it reaches.

    A segmental muscle (multifidus, quadratus lumborum) is split into five fascicles of equal
    force, from the sacrum to each of L5 … L1, so that it can act on each level separately. The
    others (erector spinae, rectus abdominis, obliques) end on the thorax, as in gait2392.
    """
    vertebrae = LUMBAR_VERTEBRAE
    out = []
    for r in read_csv("trunk_muscles.csv"):
        lower = pelvis_scale * np.array([float(r["pelvis_x"]), float(r["pelvis_z"])])
        upper = pelvis_scale * np.array([float(r["thorax_x"]), float(r["thorax_z"])])
        path = [("sacrum", np.array([lower[0], 0.0, lower[1]]))]
        for i, body in enumerate(vertebrae, start=1):
            x, z = lower + (upper - lower) * i / len(vertebrae)
            k = BODIES.index(body)
            top = BODIES.index(vertebrae[i]) if i < len(vertebrae) else None
            height = np.linalg.norm(neutral.origins[0, top] - neutral.origins[0, k]) if top is not None else 0.04
            path.append((body, np.array([x, height / 2, z])))
        groups, fmax = r["groups"].split(";"), float(r["max_isometric_force"])
        if r["segmental"] == "yes":
            fascicles = [(f"{r['muscle']}{v}", path[: i + 2]) for i, v in enumerate(vertebrae)]
        else:
            # erector spinae, rectus abdominis and the obliques reach the rib cage: they cross T12/L1
            top = np.array([upper[0], pelvis_scale * THORAX_POINT_HEIGHT, upper[1]])
            fascicles = [(r["muscle"], [*path, (THORAX, top)])]
        for name, line in fascicles:
            # nominal fibre length (the neutral path length); force does not depend on it
            length = _neutral_length(neutral, line)
            out.append((name, groups, fmax / len(fascicles), length, 0.0, 0.0, line))
    return out
