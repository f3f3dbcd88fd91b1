"""The elements of a sweep: which parameter values each element has, and how they are chunked.

A grid has one dimension per parameter (in spec order); its chunks are blocks that are whole
along the trailing dimensions, so that each chunk is both a contiguous run of flat (C-order)
elements and a rectangular region of the stored arrays. Sampled and one-at-a-time designs have
one ``sample`` dimension; their values are drawn once, with SALib's samplers seeded through
:class:`numpy.random.SeedSequence`, on the unit cube and mapped through each parameter's
distribution.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .spec import Parameter, Spec

#: SALib sampler behind each sampled method.
SAMPLERS = {
    "sobol": "SALib.sample.sobol (Sobol' sequence, scrambled; Saltelli's scheme without second order)",
    "latin_hypercube": "SALib.sample.latin",
    "morris": "SALib.sample.morris (trajectories)",
    "one_at_a_time": "baseline, then each parameter at its low and its high bound",
    "grid": "full factorial of the given values",
}


@dataclass(frozen=True)
class Chunk:
    """One unit of work: flat elements ``start:stop``, stored at ``region``."""

    index: int
    start: int
    stop: int
    region: tuple[slice, ...]


@dataclass(frozen=True)
class Design:
    """The elements of a sweep.

    Attributes
    ----------
    names : tuple of str
        Parameter names as written in the spec.
    dims, sizes : tuple
        Dimensions of the result and their lengths.
    coords : dict
        Coordinate name → (dimensions, values).
    block : tuple of int
        Chunk shape along ``dims``.
    columns : dict of str to ndarray (n,), optional
        Values of every parameter per element (sampled designs; a grid computes them).
    unit : ndarray (n, k), optional
        Sampled designs: the same values as quantiles of each parameter's distribution.
    grid : tuple of ndarray, optional
        Grid designs: the values of each parameter.
    """

    names: tuple[str, ...]
    dims: tuple[str, ...]
    sizes: tuple[int, ...]
    coords: dict
    block: tuple[int, ...]
    columns: dict | None = None
    unit: np.ndarray | None = None
    grid: tuple | None = None

    @property
    def n(self) -> int:
        """Number of elements."""
        return int(np.prod(self.sizes, dtype=np.int64))

    def values(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Parameter values of the flat elements ``start:stop``, by spec name."""
        if self.columns is not None:
            return {name: column[start:stop] for name, column in self.columns.items()}
        index = np.unravel_index(np.arange(start, stop), self.sizes)
        return {name: values[i] for name, values, i in zip(self.names, self.grid, index, strict=True)}

    def chunks(self) -> list[Chunk]:
        """Every chunk, in flat order."""
        counts = [-(-s // b) for s, b in zip(self.sizes, self.block, strict=True)]
        out = []
        for i, corner in enumerate(itertools.product(*(range(c) for c in counts))):
            region = tuple(
                slice(c * b, min((c + 1) * b, s)) for c, b, s in zip(corner, self.block, self.sizes, strict=True)
            )
            first = np.ravel_multi_index(tuple(r.start for r in region), self.sizes)
            size = int(np.prod([r.stop - r.start for r in region]))
            out.append(Chunk(i, int(first), int(first) + size, region))
        return out


def make_design(spec: Spec, chunk_size: int) -> Design:
    """The elements of ``spec``, chunked by at most ``chunk_size`` elements."""
    names = tuple(spec.names)
    dims = tuple(p.dimension for p in spec.parameters)
    if spec.method == "grid":
        grid = tuple(np.asarray(p.values) for p in spec.parameters)
        sizes = tuple(len(v) for v in grid)
        coords = {d: ((d,), v) for d, v in zip(dims, grid, strict=True)}
        return Design(names, dims, sizes, coords, _block(sizes, chunk_size), grid=grid)
    if spec.method == "one_at_a_time":
        unit, extra = _one_at_a_time(spec)
    else:
        unit, extra = _sampled(spec), {}
    value = _oat_values if spec.method == "one_at_a_time" else Parameter.quantile
    columns = {p.name: value(p, unit[:, j]) for j, p in enumerate(spec.parameters)}
    coords = {d: (("sample",), columns[p.name]) for d, p in zip(dims, spec.parameters, strict=True)}
    coords |= {k: (("sample",), v) for k, v in extra.items()}
    n = len(unit)
    return Design(names, ("sample",), (n,), coords, (min(chunk_size, n),), columns=columns, unit=unit)


def sampler_rng(seed: int, stream: int) -> np.random.Generator:
    """Independent random streams of one spec seed: 0 draws the design, 1 the bootstrap of indices."""
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def _sampled(spec: Spec) -> np.ndarray:
    from SALib.sample import latin, morris, sobol

    k = len(spec.parameters)
    problem = {"num_vars": k, "names": spec.names, "bounds": [[0.0, 1.0]] * k}
    rng = sampler_rng(spec.seed, 0)
    if spec.method == "sobol":
        return sobol.sample(problem, spec.samples, calc_second_order=False, seed=rng)
    if spec.method == "latin_hypercube":
        return latin.sample(problem, spec.samples, seed=rng)
    return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=rng)


def _one_at_a_time(spec: Spec) -> tuple[np.ndarray, dict]:
    """Unit codes of the one-at-a-time design: NaN = baseline, 0 = low bound, 1 = high bound."""
    k = len(spec.parameters)
    unit = np.full((1 + 2 * k, k), np.nan)
    moved, level = [""], ["baseline"]
    for j, p in enumerate(spec.parameters):
        unit[1 + 2 * j, j], unit[2 + 2 * j, j] = 0.0, 1.0
        moved += [p.name, p.name]
        level += ["low", "high"]
    return unit, {"moved": np.array(moved), "level": np.array(level)}


def _oat_values(p: Parameter, code: np.ndarray) -> np.ndarray:
    lo, hi = p.bounds
    return np.where(np.isnan(code), p.baseline, np.where(code == 1.0, hi, lo))


def _block(sizes: tuple[int, ...], chunk_size: int) -> tuple[int, ...]:
    """Chunk shape: whole trailing dimensions, then a part of one, then single values."""
    block = [1] * len(sizes)
    room = chunk_size
    for i in reversed(range(len(sizes))):
        if sizes[i] <= room:
            block[i] = sizes[i]
            room //= sizes[i]
        else:
            block[i] = max(1, room)
            break
    return tuple(block)
