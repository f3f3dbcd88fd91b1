"""Muscles: paths, lengths, moment arms, force–length curves, groups, strength and tightness.

Hip and thigh muscles come from Rajagopal et al. (2016) (three deep rotators and pectineus from
gait2392, Delp et al. 1990), lumbar muscles from a documented simplified set; see
``data/MUSCLES_NOTES.md``. Each muscle is a line through path points fixed in segment frames
(straight segments, no wrapping surfaces), scaled with the segment it is attached to.

Moment arms follow the tendon-excursion definition, ``r = −∂L/∂q``: positive when tension in
the muscle drives the coordinate in its positive direction (OpenSim's ``computeMomentArm``).

Force–length relations are the De Groote et al. (2016) curves of
:mod:`sympy.physics.biomechanics` (``FiberForceLengthActiveDeGroote2016``,
``FiberForceLengthPassiveDeGroote2016``), lambdified once on first use.

User parameters, per muscle group (a trailing ``_r`` or ``_l`` selects one side):

``strength``
    Factor on maximum isometric force (1): 1 = typical adult, 0.3 = severely weak; [0, 2].
``tightness``
    Shortening of the tendon slack length, in optimal fibre lengths (1): the fibres reach a
    given normalized length — and passive force — that much sooner; 0 = typical; [0, 0.5].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np

from ._data import read_csv
from ._validation import as_finite_array
from .kinematics import _ANCESTORS, _JOINT_COLUMNS, Frames
from .topology import BODIES, COORDINATES

#: Muscle groups users can address, with what they represent.
GROUPS = MappingProxyType(
    {
        "gluteus_medius": "gluteus medius (3 lines)",
        "gluteus_minimus": "gluteus minimus (3 lines)",
        "gluteus_maximus": "gluteus maximus (3 lines)",
        "hip_external_rotators": "piriformis, gemelli, quadratus femoris",
        "vastus_medialis": "vastus medialis (VMO)",
        "hip_adductors": "adductor longus, brevis, magnus (4), gracilis, pectineus",
        "tfl": "tensor fasciae latae / IT band",
        "hip_flexors": "iliacus, psoas, rectus femoris, sartorius",
        "hamstrings": "semimembranosus, semitendinosus, biceps femoris (long, short)",
        "quadriceps": "rectus femoris, vastus medialis, lateralis, intermedius",
        "erector_spinae": "lumbar erector spinae (longissimus, iliocostalis)",
        "multifidus": "lumbar multifidus",
        "quadratus_lumborum": "quadratus lumborum",
        "abdominals": "rectus abdominis, external and internal obliques",
    }
)
STRENGTH_RANGE = (0.0, 2.0)
TIGHTNESS_RANGE = (0.0, 0.5)


@dataclass(frozen=True, eq=False)
class MuscleSet:
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

    def __len__(self) -> int:
        return len(self.names)

    def group_indices(self, name: str) -> np.ndarray:
        """Indices of the lines in group ``name`` (optionally suffixed ``_r``/``_l``)."""
        try:
            return self.groups[name]
        except KeyError:
            raise ValueError(
                f"unknown muscle group {name!r}; known groups are {sorted(GROUPS)} (append _r or _l for one side)"
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
        [[[b >= 0 and k in _ANCESTORS[b] for b in row] for row in point_body] for k in range(len(BODIES))],
        dtype=float,
    )
    frozen = {k: np.array(v) for k, v in groups.items()}
    arrays = [np.array(x, dtype=float) for x in (fmax, lopt, lts, penn)]
    length_dependent = np.array([name.rsplit("_", 1)[0] in params for name in names])
    for arr in [*arrays, point_body, point_local, distal, length_dependent, *frozen.values()]:
        arr.setflags(write=False)
    return MuscleSet(tuple(names), MappingProxyType(frozen), *arrays, point_body, point_local, distal, length_dependent)


def _neutral_length(frames: Frames, path) -> float:
    """Length of a right-side path (body names without side) in the first posture of ``frames``."""
    ground = [frames.point(b if b in BODIES else f"{b}_r", loc)[0] for b, loc in path]
    return float(sum(np.linalg.norm(b - a) for a, b in zip(ground, ground[1:], strict=False)))


def _trunk_lines(pelvis_scale: float, neutral: Frames) -> list:
    """Lumbar muscle lines: a sacral point and a via point in every lumbar vertebra it reaches.

    A segmental muscle (multifidus, quadratus lumborum) is split into five fascicles of equal
    force, from the sacrum to each of L5 … L1, so that it can act on each level separately.
    """
    vertebrae = ("L5", "L4", "L3", "L2", "L1")
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
            fascicles = [(r["muscle"], path)]
        for name, line in fascicles:
            # nominal fibre length (the neutral path length); force does not depend on it
            length = _neutral_length(neutral, line)
            out.append((name, groups, fmax / len(fascicles), length, 0.0, 0.0, line))
    return out


@dataclass(frozen=True)
class PathGeometry:
    """Muscle path geometry for a batch of postures.

    Attributes
    ----------
    length : ndarray (n, M)
        Musculotendon length (m).
    moment_arm : ndarray (n, M, 25)
        ``−∂L/∂q`` (m per rad; per m for translations, which is zero).
    points : ndarray (n, M, P, 3)
        Path points in ground (m); padded points repeat the insertion.
    grad : ndarray (n, M, P, 3)
        ``∂L/∂p_i``: unit vectors; the muscle pulls point ``i`` along ``−grad`` per newton of tension.
    distal_moment : ndarray (n, n_bodies, M, 3)
        Moment about each body's origin (its joint centre) that a newton of tension exerts on
        the body and everything distal to it (m).
    distal_force : ndarray (n, n_bodies, M, 3)
        Force that a newton of tension exerts on the body and everything distal to it (1).
    """

    length: np.ndarray
    moment_arm: np.ndarray
    points: np.ndarray
    grad: np.ndarray
    distal_moment: np.ndarray
    distal_force: np.ndarray


def path_geometry(muscles: MuscleSet, frames: Frames) -> PathGeometry:
    """Lengths and moment arms of every muscle over a batch of postures (no loop over poses)."""
    n = frames.origins.shape[0]
    body = muscles.point_body
    valid = body >= 0
    safe = np.where(valid, body, 0)
    rot = frames.rotations[:, safe]  # (n, M, P, 3, 3)
    pts = frames.origins[:, safe] + np.einsum("nmpij,mpj->nmpi", rot, muscles.point_local)
    last = valid.sum(axis=1) - 1
    insertion = pts[:, np.arange(len(muscles)), last]  # (n, M, 3)
    pts = np.where(valid[None, :, :, None], pts, insertion[:, :, None, :])
    seg = np.diff(pts, axis=2)  # (n, M, P-1, 3)
    seg_len = np.linalg.norm(seg, axis=-1)
    unit = np.divide(seg, seg_len[..., None], out=np.zeros_like(seg), where=seg_len[..., None] > 0)
    length = seg_len.sum(axis=-1)
    grad = np.zeros_like(pts)
    grad[:, :, :-1] -= unit
    grad[:, :, 1:] += unit
    # For every joint body k: Σ_i (p_i − o_k) × g_i over the path points distal to it, as
    # Σ p_i × g_i − o_k × Σ g_i, one batched matrix product over the muscles.
    m, p = muscles.point_body.shape
    both = np.concatenate([np.cross(pts, grad), grad], axis=-1)  # (n, M, P, 6)
    sums = muscles.distal.transpose(1, 0, 2) @ both.transpose(1, 2, 0, 3).reshape(m, p, n * 6)
    sums = sums.reshape(m, len(BODIES), n, 6).transpose(2, 1, 0, 3)  # (n, K, M, 6)
    torque = sums[..., :3] - np.cross(frames.origins[:, :, None, :], sums[..., 3:])
    moment = np.zeros((n, m, len(COORDINATES)))
    for k, cols in enumerate(_JOINT_COLUMNS):
        if cols:
            moment[..., list(cols)] -= torque[:, k] @ frames.joint_axes[:, k, :, : len(cols)]
    return PathGeometry(length, moment, pts, grad, -torque, -sums[..., 3:])


@cache
def _curves():
    import sympy as sp
    from sympy.physics.biomechanics import (
        FiberForceLengthActiveDeGroote2016,
        FiberForceLengthPassiveDeGroote2016,
    )

    x = sp.Symbol("x")
    active = FiberForceLengthActiveDeGroote2016.with_defaults(x).doit()
    passive = FiberForceLengthPassiveDeGroote2016.with_defaults(x).doit()
    return sp.lambdify(x, active, "numpy"), sp.lambdify(x, passive, "numpy")


def force_length_active(normalized_length: np.ndarray) -> np.ndarray:
    """Active force–length factor (1) of De Groote et al. (2016) at normalized fibre length."""
    return _curves()[0](np.asarray(normalized_length, dtype=float))


def force_length_passive(normalized_length: np.ndarray) -> np.ndarray:
    """Passive fibre force (in units of maximum isometric force) of De Groote et al. (2016).

    The published curve dips slightly below zero under the slack length; a fibre cannot push,
    so it is clipped at zero.
    """
    return np.maximum(_curves()[1](np.asarray(normalized_length, dtype=float)), 0.0)


def normalized_fiber_length(muscles: MuscleSet, length: np.ndarray, tightness: np.ndarray) -> np.ndarray:
    """Normalized fibre length (1) for a rigid tendon at constant muscle thickness.

    ``tightness`` (n, M) shortens the tendon slack length by that many optimal fibre lengths.
    Muscles without a modelled fibre length (``muscles.length_dependent`` false) are at 1.
    """
    lopt = muscles.optimal_fiber_length
    slack = muscles.tendon_slack_length - tightness * lopt
    along = np.maximum(length - slack, 1e-6)
    height = lopt * np.sin(muscles.pennation)
    return np.where(muscles.length_dependent, np.sqrt(along**2 + height**2) / lopt, 1.0)


def pennation_cosine(muscles: MuscleSet, normalized_length: np.ndarray) -> np.ndarray:
    """Cosine of the pennation angle at a normalized fibre length (constant muscle thickness)."""
    return np.sqrt(np.maximum(1 - (np.sin(muscles.pennation) / normalized_length) ** 2, 0))


def group_factors(
    muscles: MuscleSet, values: Mapping[str, object] | None, parameter: str, bounds: tuple[float, float]
) -> tuple[dict[str, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    """Validate a ``strength``/``tightness`` mapping and pair each entry with its muscle lines.

    Returns
    -------
    arrays : dict
        Group name → validated float array (its own shape, to be broadcast by the caller).
    assignments : list of (indices, array)
        For each entry, the muscle lines it sets; later entries override earlier ones, and a
        side-specific name (``gluteus_medius_r``) overrides the bilateral name.
    """
    if values is None:
        return {}, []
    if not isinstance(values, Mapping):
        raise ValueError(f"{parameter} must be a mapping of muscle group to value; got {values!r}")
    arrays, assignments = {}, []
    for name in sorted(values, key=lambda g: g.endswith(("_r", "_l"))):
        idx = muscles.group_indices(name)
        arr = as_finite_array(f"{parameter}[{name!r}]", values[name], *bounds)
        arrays[name] = arr
        assignments.append((idx, arr))
    return arrays, assignments
