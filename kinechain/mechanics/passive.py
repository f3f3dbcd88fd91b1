"""Passive elastic moments of the joints: ligaments and capsules, the discs and facets of each
lumbar motion segment, the passive tissues of the calf.

One story for the posture and the loads: the posture energy contains the passive energy
``V(q)`` of :class:`PassiveJoints` (its gradient and curvature at every Newton iteration), and
the statics subtracts the same passive moments from the net joint moments before the muscles
share the rest (:func:`equilibrium_moments`).

The passive energy is separable, one moment–angle curve per coordinate (``data/passive.toml``,
keyed by the coordinate's name without its side suffix):

* a leg coordinate ``c``: ``V_c(q_c − q₀_c)``;
* a coordinate shared by the ``N`` lumbar levels (``lumbar_extension`` …): every level ``ℓ``
  turns by its share ``f_ℓ`` of the coordinate (model parameters ``{level}_{motion}_fraction``,
  ``Σ f_ℓ = 1``, the levels' shares of the segmental range of motion). The levels are in series:
  with nothing attached between them they carry the same passive moment, so a fixed share of the
  motion means each level's compliance is in proportion to its share — level ``ℓ`` follows the
  curve ``M`` of the reference (mean) motion segment with its angle scaled by ``1/(N f_ℓ)``. At
  ``Δq`` every level is at the reference angle ``Δq/N`` and carries ``M(Δq/N)``; the coordinate's
  generalized force is ``Σ f_ℓ M(Δq/N) = M(Δq/N)``, its energy ``V = N Σ f_ℓ V_M(Δq/N)`` —
  ``N`` reference segments in series. (Per-level curves at each level's own angle would load the
  levels unequally, a demand the muscles crossing several levels cannot meet.)

Signs: a passive moment is a generalized force on the coordinate, ``−∂V/∂q`` (N·m), positive in
the coordinate's positive direction — the moment the proximal segment's passive tissues exert on
the distal one, as a net joint moment is (:mod:`kinechain.mechanics.external`). A lumbar level's
moment about the axes of its own rotation (extension about the lower vertebra's ``z``, bending
about the intermediate ``x``, rotation about the upper vertebra's ``y``) is turned into a moment
vector and projected on the disc frame's axes, as the net moments of the force sharing are.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property, lru_cache

import numpy as np

from .._compiled import compiled, enabled
from .._data import read_toml
from ..body.anthropometry import GRAVITY
from ..body.chain import Frames, body_frames, cross
from ..body.topology import BODIES, COORDINATES, LUMBAR_LEVELS, LUMBAR_VERTEBRAE, TRANSLATIONS, joint_coordinates
from .external import COORDINATE_ROWS, DISC_ROWS, EQUILIBRIUM, ROW_COORDINATES, centre_of_mass, external_loads

#: Coordinates without a joint: the pelvis's six free coordinates carry no passive moment.
FREE = (*joint_coordinates("pelvis"), *TRANSLATIONS)
#: Lumbar motions in the order of a level's rotation sequence (about z, then x, then y).
LEVEL_MOTIONS = ("extension", "bending", "rotation")


def passive_data() -> dict:
    """Passive moment–angle curves and their sources (``data/passive.toml``)."""
    return read_toml("passive.toml")


def base_name(coordinate: str) -> str:
    """A coordinate's name without its side suffix (``hip_flexion_r`` → ``hip_flexion``)."""
    return coordinate[:-2] if coordinate[-2:] in ("_r", "_l") else coordinate


def _linear(angle, low, step, width, joined: bool):
    """Moment (N·m) and curvature (N·m/rad) of :class:`LinearCurve` (on arrays or, compiled, on numbers)."""
    moment, curvature = -low * angle, low + 0.0 * angle
    if joined:
        root = np.sqrt(angle**2 + width**2)
        moment = moment - 0.5 * step * (angle + root - width)
        curvature = curvature + 0.5 * step * (1.0 + angle / root)
    return moment, curvature


def _exponential(angle, a1, b1, c1, a2, b2, c2):
    """Moment (N·m, less its value at zero) and curvature (N·m/rad) of :class:`ExponentialCurve`."""
    t1, t2 = a1 * np.exp(b1 * (angle - c1)), a2 * np.exp(b2 * (angle - c2))
    z1, z2 = a1 * np.exp(b1 * (0.0 - c1)), a2 * np.exp(b2 * (0.0 - c2))
    return (t1 - z1) + (t2 - z2), -(t1 * b1 + t2 * b2)


def _amplitude(angle, scale, exponent, smoothing):
    """Moment (N·m) and curvature (N·m/rad) of :class:`AmplitudeCurve` (``scale`` = ``k_ref θ_ref^p``)."""
    r2 = angle**2 + smoothing**2
    power = r2 ** (-exponent / 2)
    return -scale * angle * power, scale * power * (1 - exponent * angle**2 / r2)


@dataclass(frozen=True)
class LinearCurve:
    """A linear passive moment–angle curve, ``M(θ) = −k θ``; with ``flexion`` given, bilinear:
    slope ``k`` for ``θ > 0`` and ``flexion`` for ``θ < 0``, joined smoothly over about ``±width``.

    The join: the slope is ``k₋ + (k₊ − k₋) s(θ)`` with ``s = ½ (1 + θ / √(θ² + w²))``, so that the
    curvature Newton's method sees is continuous.

    Attributes
    ----------
    stiffness : float
        ``k`` (N·m/rad), for positive angles.
    flexion : float or None
        Slope for negative angles (N·m/rad); ``None``: the same as ``stiffness``.
    width : float
        ``w`` (rad) of the join of a bilinear curve.
    """

    stiffness: float
    flexion: float | None = None
    width: float = 0.0

    def _parts(self) -> tuple[float, float, float]:
        low = self.stiffness if self.flexion is None else self.flexion
        return low, self.stiffness - low, self.width

    @cached_property
    def _joined(self) -> bool:
        """Whether the slopes differ (the join's terms are needed)."""
        return bool(np.any(self._parts()[1]))

    def energy(self, angle: np.ndarray) -> np.ndarray:
        """Elastic energy (J) at ``angle`` (rad) from the curve's rest angle."""
        low, step, w = self._parts()
        out = 0.5 * low * angle**2
        if self._joined:
            root = np.sqrt(angle**2 + w**2)
            out = out + 0.5 * step * (0.5 * angle**2 + 0.5 * (angle * root + w**2 * np.arcsinh(angle / w)) - w * angle)
        return out

    def moment(self, angle: np.ndarray) -> np.ndarray:
        """Restoring moment (N·m), ``−dV/dθ``."""
        return self.moment_and_curvature(angle)[0]

    def curvature(self, angle: np.ndarray) -> np.ndarray:
        """``d²V/dθ²`` (N·m/rad)."""
        return self.moment_and_curvature(angle)[1]

    def moment_and_curvature(self, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`moment` and :meth:`curvature` together."""
        return _linear(angle, *self._parts(), self._joined)

    def _row(self) -> tuple[int, tuple, bool]:
        """The curve for the compiled kernel: form, parameters, whether it has a join."""
        return 0, self._parts(), self._joined


@dataclass(frozen=True)
class ExponentialCurve:
    """Two exponentials, one for each end of the range (the form of Anderson & Pandy's passive
    joint moments): ``M(θ) = a₁ exp(b₁ (θ − c₁)) + a₂ exp(b₂ (θ − c₂))`` (N·m, θ in rad).

    Nearly zero inside the range, rising steeply towards its ends (``a₁ < 0 < b₁`` restrains the
    positive end, ``a₂ > 0 > b₂`` the negative one). The published curves are not exactly zero at
    the neutral posture (the hip's below 3e-4 N·m); that offset ``M(0)`` is removed, so that the
    neutral posture stays the rest posture of the joints. The energy is zero at ``θ = 0``.
    """

    a: tuple[float, float]
    b: tuple[float, float]
    c: tuple[float, float]

    def _terms(self, angle: np.ndarray) -> list[np.ndarray]:
        return [a * np.exp(b * (angle - c)) for a, b, c in zip(self.a, self.b, self.c, strict=True)]

    @cached_property
    def _at_zero(self) -> list[np.ndarray]:
        return self._terms(np.zeros(1))

    def energy(self, angle: np.ndarray) -> np.ndarray:
        """Elastic energy (J), ``−∫₀^θ M``."""
        return -sum((t - z) / b - z * angle for t, z, b in zip(self._terms(angle), self._at_zero, self.b, strict=True))

    def moment(self, angle: np.ndarray) -> np.ndarray:
        """Moment (N·m), less its value at zero."""
        return self.moment_and_curvature(angle)[0]

    def curvature(self, angle: np.ndarray) -> np.ndarray:
        """``d²V/dθ² = −dM/dθ`` (N·m/rad)."""
        return self.moment_and_curvature(angle)[1]

    def moment_and_curvature(self, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`moment` and :meth:`curvature` together."""
        return _exponential(angle, *self._row()[1])

    def _row(self) -> tuple[int, tuple, bool]:
        """The curve for the compiled kernel: form, parameters, whether it has a join."""
        return 1, (self.a[0], self.b[0], self.c[0], self.a[1], self.b[1], self.c[1]), False


@dataclass(frozen=True)
class AmplitudeCurve:
    """A stiffness that falls with amplitude as a power law: chordal stiffness
    ``k(θ) = k_ref ((θ² + θ_s²) / θ_ref²)^(−p/2)``, moment ``M(θ) = −k(θ) θ``.

    For ``|θ| ≫ θ_s`` this is the measured law ``k ∝ |θ|^−p`` through ``k_ref`` at ``θ_ref``;
    ``θ_s`` rounds the cusp at zero (below the smallest measured amplitude) so that the curvature
    is finite. The energy is convex for ``p < 1``.

    Attributes
    ----------
    reference : float
        ``k_ref`` (N·m/rad), the chordal stiffness at amplitude ``θ_ref``.
    amplitude : float
        ``θ_ref`` (rad).
    exponent : float
        ``p`` (1), ``0 ≤ p < 1``.
    smoothing : float
        ``θ_s`` (rad).
    """

    reference: float
    amplitude: float
    exponent: float
    smoothing: float

    def _scale(self) -> float:
        return self.reference * self.amplitude**self.exponent

    def energy(self, angle: np.ndarray) -> np.ndarray:
        """Elastic energy (J), ``∫₀^θ k(x) x dx``."""
        p, s2 = self.exponent, self.smoothing**2
        return self._scale() * ((angle**2 + s2) ** (1 - p / 2) - s2 ** (1 - p / 2)) / (2 - p)

    def moment(self, angle: np.ndarray) -> np.ndarray:
        """Restoring moment (N·m)."""
        return self.moment_and_curvature(angle)[0]

    def curvature(self, angle: np.ndarray) -> np.ndarray:
        """``d²V/dθ²`` (N·m/rad)."""
        return self.moment_and_curvature(angle)[1]

    def moment_and_curvature(self, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`moment` and :meth:`curvature` together."""
        return _amplitude(angle, *self._row()[1])

    def _row(self) -> tuple[int, tuple, bool]:
        """The curve for the compiled kernel: form, parameters, whether it has a join."""
        return 2, (self._scale(), self.exponent, self.smoothing), False


def _curve(name: str, table, mgh: float):
    """The curve of a ``data/passive.toml`` table; ``mgh`` (N·m) scales tables given as a fraction of it."""
    form = table.get("form")
    if table.get("scale", "mgh") != "mgh" or ("scale" in table and form != "amplitude"):
        raise ValueError(f"passive.toml [{name}]: scale = 'mgh' applies to form 'amplitude' only; got {table!r}")
    scale = 0.5 * mgh if table.get("scale") == "mgh" else 1.0  # of both sides together: each side half
    if form == "linear":
        flexion = table.get("flexion_stiffness")
        preload = float(table.get("preload_factor", 1.0))
        return LinearCurve(
            preload * float(table["stiffness"]),
            None if flexion is None else preload * float(flexion),
            float(np.radians(table.get("join_width", 0.0))),
        )
    if form == "exponential":
        return ExponentialCurve(tuple(table["a"]), tuple(table["b"]), tuple(table["c"]))
    if form == "amplitude":
        return AmplitudeCurve(
            scale * float(table["reference_stiffness"]),
            float(np.radians(table["reference_amplitude"])),
            float(table["exponent"]),
            float(np.radians(table["smoothing_amplitude"])),
        )
    raise ValueError(f"passive.toml [{name}]: form must be 'linear', 'exponential' or 'amplitude'; got {form!r}")


def stacked(curves: list) -> object:
    """One curve of the form of ``curves`` (all of one class) whose parameters are arrays over
    them: evaluated on angles (n, len(curves)), it gives every curve's value in its own column."""
    first = curves[0]
    values = {}
    for f in fields(first):
        column = [getattr(c, f.name) for c in curves]
        if column[0] is None:
            continue
        values[f.name] = tuple(np.array(column).T) if isinstance(column[0], tuple) else np.array(column, dtype=float)
    return replace(first, **values)


@dataclass(frozen=True)
class PassiveJoints:
    """The passive elastic structures of a model's joints.

    Attributes
    ----------
    rest : ndarray (n_q,)
        Coordinates at which every passive moment is zero: the neutral posture (rad, m).
    curves : tuple of (int, curve, int or None)
        Per coordinate with a joint: its index in :data:`COORDINATES`, its curve (for a
        coordinate shared by the lumbar levels, that of the reference motion segment), and for a
        shared coordinate the number ``N`` of levels in series (their shares ``f`` add up to 1).
    motions : dict of int to str
        The lumbar motion (:data:`LEVEL_MOTIONS`) of each shared coordinate.
    """

    rest: np.ndarray
    curves: tuple
    motions: dict

    @cached_property
    def _families(self) -> tuple:
        """The curves grouped by form, each group one :func:`stacked` curve: (coordinate
        indices (k,), levels in series (k,), 1 where not shared, curve)."""
        groups: dict = {}
        for index, curve, levels in self.curves:
            key = (type(curve), getattr(curve, "flexion", 0.0) is None)
            groups.setdefault(key, []).append((index, curve, levels or 1))
        return tuple(
            (
                np.array([i for i, _, _ in group]),
                np.array([n for _, _, n in group], dtype=float),
                stacked([c for _, c, _ in group]),
            )
            for group in groups.values()
        )

    def _angles(self, q: np.ndarray, index: np.ndarray, levels: np.ndarray) -> np.ndarray:
        """The curves' angles (n, k): the deviation from rest, or for a shared coordinate the mean
        level's angle ``Δq / N`` (every level is then at the same point of its own curve)."""
        return (q[:, index] - self.rest[index]) / levels

    def energy(self, q: np.ndarray) -> np.ndarray:
        """Passive elastic energy ``V(q)`` (n,) (J): a shared coordinate's is that of ``N`` segments."""
        out = np.zeros(q.shape[0])
        for index, levels, curve in self._families:
            out += (levels * curve.energy(self._angles(q, index, levels))).sum(axis=1)
        return out

    def moment(self, q: np.ndarray) -> np.ndarray:
        """Passive generalized forces ``−∂V/∂q`` (n, n_q) (N·m; zero for the free coordinates)."""
        return self.moment_and_stiffness(q)[0]

    def stiffness(self, q: np.ndarray) -> np.ndarray:
        """``∂²V/∂q²`` (n, n_q): diagonal, the energy being separable (N·m/rad)."""
        return self.moment_and_stiffness(q)[1]

    @cached_property
    def _table(self) -> tuple:
        """The curves for the compiled kernel (:func:`_passive_moments`): coordinate indices,
        levels in series (1 where not shared), forms, parameters (padded) and joins."""
        rows = [curve._row() for _, curve, _ in self.curves]
        parameters = np.zeros((len(rows), 6))
        for k, (_, values, _) in enumerate(rows):
            parameters[k, : len(values)] = values
        return (
            np.array([index for index, _, _ in self.curves]),
            np.array([levels or 1 for _, _, levels in self.curves], dtype=float),
            np.array([form for form, _, _ in rows]),
            parameters,
            np.array([joined for _, _, joined in rows]),
        )

    def moment_and_stiffness(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`moment` and :meth:`stiffness` in one pass over the curves (a compiled kernel
        where the ``fast`` extra is installed)."""
        if enabled():
            return _PASSIVE_MOMENTS(np.ascontiguousarray(q, dtype=float), self.rest, *self._table)
        moment, stiffness = np.zeros_like(q, dtype=float), np.zeros_like(q, dtype=float)
        for index, levels, curve in self._families:
            moment[:, index], curvature = curve.moment_and_curvature(self._angles(q, index, levels))
            stiffness[:, index] = curvature / levels
        return moment, stiffness

    def level_moments(self, q: np.ndarray) -> np.ndarray:
        """Moments (n, len(LUMBAR_LEVELS), 3) each lumbar level's passive tissues exert about the
        axes of its own rotation, in the order of :data:`LEVEL_MOTIONS` (N·m): the same at every
        level, the levels being in series."""
        out = np.zeros((q.shape[0], len(LUMBAR_LEVELS), len(LEVEL_MOTIONS)))
        generalized = self.moment(q)  # a shared coordinate's generalized force is every level's moment
        for index, motion in self.motions.items():
            out[:, :, LEVEL_MOTIONS.index(motion)] = generalized[:, index, None]
        return out


def _passive_moments(q, rest, index, levels, form, parameters, joined):
    """:meth:`PassiveJoints.moment_and_stiffness`, one posture and one curve at a time (the
    compiled kernel; the curves' formulas are the compiled :func:`_linear`, :func:`_exponential`
    and :func:`_amplitude`)."""
    moment, stiffness = np.zeros(q.shape), np.zeros(q.shape)
    for e in range(q.shape[0]):
        for j in range(index.size):
            c, p = index[j], parameters[j]
            angle = (q[e, c] - rest[c]) / levels[j]
            if form[j] == 0:
                m, k = _LINEAR(angle, p[0], p[1], p[2], joined[j])
            elif form[j] == 1:
                m, k = _EXPONENTIAL(angle, p[0], p[1], p[2], p[3], p[4], p[5])
            else:
                m, k = _AMPLITUDE(angle, p[0], p[1], p[2])
            moment[e, c], stiffness[e, c] = m, k / levels[j]
    return moment, stiffness


#: The curves' formulas compiled, and the kernel of the passive moments (None without them).
_LINEAR, _EXPONENTIAL, _AMPLITUDE = compiled(_linear), compiled(_exponential), compiled(_amplitude)
_PASSIVE_MOMENTS = compiled(_passive_moments)


@lru_cache(maxsize=16)
def passive_joints(model) -> PassiveJoints:
    """The passive joints of ``model`` (a model is immutable: built once per model).

    Raises
    ------
    ValueError
        When a joint coordinate has no curve in ``data/passive.toml``.
    """
    data = passive_data()
    rest = model.neutral()
    neutral = body_frames(model.p, rest[None])
    com = centre_of_mass(external_loads(model, neutral))[0]
    mgh = model.subject.mass * GRAVITY * (com[1] - neutral.origins[0, BODIES.index("talus_r"), 1])
    curves, motions = [], {}
    for index, name in enumerate(COORDINATES):
        if name in FREE:
            continue
        base = base_name(name)
        if base not in data:
            raise ValueError(
                f"coordinate {name!r} has no passive moment curve: add a [{base}] table to data/passive.toml"
            )
        table = data[base]
        levels = None
        if "motion" in table:
            motion = table["motion"]
            if motion not in LEVEL_MOTIONS:
                raise ValueError(f"passive.toml [{base}]: motion must be one of {LEVEL_MOTIONS}; got {motion!r}")
            shares = [model.parameters[f"{level}_{motion}_fraction"] for level in LUMBAR_LEVELS]
            if not np.isclose(sum(shares), 1.0):
                raise ValueError(f"the lumbar levels' {motion} fractions must add up to 1; got {shares}")
            levels = len(shares)
            motions[index] = motion
        curves.append((index, _curve(base, table, mgh), levels))
    return PassiveJoints(rest, tuple(curves), motions)


def level_axes(frames: Frames) -> np.ndarray:
    """Axes (n, len(LUMBAR_LEVELS), 3, 3) of each lumbar level's rotation in ground, as columns in
    :data:`LEVEL_MOTIONS` order.

    A level turns its vertebra on the one below by extension about the lower frame's ``z``,
    bending about the intermediate ``x`` and rotation about the upper frame's ``y`` (body
    ``ZXY``); the intermediate ``x`` is perpendicular to the other two.
    """
    z = frames.rotations[:, _BELOW][..., 2]
    y = frames.rotations[:, _ABOVE][..., 1]
    x = cross(y, z)
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    return np.stack([z, x, y], axis=-1)


#: The bodies below and above each lumbar level (:data:`LUMBAR_LEVELS`).
_BELOW = np.array([BODIES.index(b) for b in ("sacrum", *LUMBAR_VERTEBRAE[:-1])])
_ABOVE = np.array([BODIES.index(b) for b in LUMBAR_VERTEBRAE])


def level_moment_vectors(passive: PassiveJoints, q: np.ndarray, frames: Frames) -> np.ndarray:
    """Passive moment (n, len(LUMBAR_LEVELS), 3) each lumbar level exerts on the vertebra above it,
    ground frame (N·m): the vector ``M`` whose components along the level's rotation axes ``e_k``
    are the level's moments ``τ_k``, ``M · e_k = τ_k``."""
    moments = passive.level_moments(q)
    axes = level_axes(frames)
    return np.linalg.solve(axes.transpose(0, 1, 3, 2), moments[..., None])[..., 0]


def equilibrium_moments(passive: PassiveJoints, q: np.ndarray, frames: Frames, axes: np.ndarray) -> np.ndarray:
    """Passive moments (n, D) at the rows of :data:`EQUILIBRIUM` (N·m).

    Hip and knee rows: the coordinate's passive generalized force. Lumbar rows: the level's
    passive moment vector on the disc frame's axes ``axes`` (n, D, 3)
    (:func:`~kinechain.mechanics.external.equilibrium_axes`).
    """
    out = np.empty(axes.shape[:2])
    out[:, COORDINATE_ROWS] = passive.moment(q)[:, ROW_COORDINATES]
    vectors = level_moment_vectors(passive, q, frames)[:, _ROW_LEVELS]
    out[:, DISC_ROWS] = np.einsum("nri,nri->nr", vectors, axes[:, DISC_ROWS])
    return out


#: The level (index in :data:`LUMBAR_LEVELS`) of each disc row of :data:`EQUILIBRIUM`.
_ROW_LEVELS = np.array([LUMBAR_LEVELS.index(EQUILIBRIUM[row][0]) for row in DISC_ROWS])
