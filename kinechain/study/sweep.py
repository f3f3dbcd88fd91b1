"""``sweep``: a spec's elements evaluated chunk by chunk, in memory or streamed to a store.

Every chunk goes through the one evaluation pipeline (:func:`kinechain.study.simulate.evaluate`)
over checked :class:`~kinechain.posture.conditions.Conditions`: the chunk's elements are grouped
by subject, each subject's :class:`~kinechain.body.model.Model` is built once per process, and
the swept values are passed as paired DataArrays along one dimension. Chunks are the same
whether they run here, are resumed from a store or run as tasks on a dask cluster, so the
numbers are the same too.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import xarray as xr

from .._version import __version__
from ..batch import Batch, check_memory
from ..body.anthropometry import Subject
from ..body.model import Model
from ..posture.conditions import conditions
from ..statics import equilibrium_labels
from ..variables import MUSCLE_PARAMETERS, OUTPUTS, SEXES, SUBJECT_PARAMETERS, attributes
from .design import SAMPLERS, Chunk, Design, make_design
from .simulate import evaluate
from .spec import STATUS, Spec, load_spec
from .store import Store

#: Default number of elements per chunk (a few seconds of work each).
CHUNK_SIZE = 500
#: Chunks in flight per dask worker.
IN_FLIGHT = 2

#: Packages of the ``sweep`` extra (import name → distribution).
EXTRAS = {
    "SALib": "SALib",
    "zarr": "zarr",
    "dask": "dask[distributed]",
    "distributed": "dask[distributed]",
    "tqdm": "tqdm",
    "netCDF4": "netCDF4",
}

#: A model function: parameter values by name, arrays (m,) → outputs by name, arrays (m,).
ModelFunction = Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]


def sweep(
    spec: Spec | Mapping | str | Path,
    store: str | Path | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    client=None,
    function: ModelFunction | None = None,
) -> xr.Dataset:
    """Evaluate every element of a sweep spec.

    Parameters
    ----------
    spec : Spec, mapping or path of a TOML file
        See :mod:`kinechain.study.spec`.
    store : str or Path, optional
        A zarr directory, or a netCDF file (``.nc``). Chunks are written as they finish, so
        memory stays bounded; a store left by an interrupted run of the same spec is completed
        without recomputing its finished chunks. A zarr store survives being killed at any
        moment; a netCDF (HDF5) file killed while a chunk is being written can be left
        unreadable (:mod:`kinechain.study.store`).
    chunk_size : int, optional
        Elements per chunk (default :data:`CHUNK_SIZE`, or the store's). A grid's chunks are
        whole along its trailing dimensions, so they may hold fewer elements.
    progress : bool
        A progress bar (rate, time left) on standard error, when that is a terminal.
    client : dask.distributed.Client, optional
        Run the chunks as tasks on this cluster; the results are identical to a local run.
    function : callable, optional
        Evaluate this model function instead of kinechain: it takes the parameter values by
        name (arrays) and returns the spec's outputs by name (arrays of the same length). It
        must be importable by name to run on a cluster. The spec's names are then free.

    Returns
    -------
    xarray.Dataset
        Grid: one dimension per parameter, named as the input (``strength_gluteus_medius``).
        Sampled and one-at-a-time: a ``sample`` dimension with the parameter values as
        coordinates. The kept outputs, with ``converged`` and ``feasible`` for kinechain; the
        attributes hold the spec (JSON), the seed, the sampler, the sizes and the versions.
        With a store, the Dataset reads lazily from it.

    Raises
    ------
    ValueError
        For an invalid spec, or a store written by a different spec or chunk size.
    MemoryError
        Without a store, before anything is computed, when the result would not fit in memory.
    """
    require_extras()
    spec = load_spec(spec, declared=function is None)
    target = Store(store) if store is not None else None
    stored = target.attrs() if target is not None and target.exists() else None
    chunk_size = _chunk_size(chunk_size, stored, target)
    design = make_design(spec, chunk_size)
    trailing = _trailing(spec)
    attrs = _attributes(spec, design, chunk_size, function)
    if target is None:
        return _in_memory(spec, function, design, trailing, attrs, progress, client)
    chunks = design.chunks()
    if stored is None:
        target.create(_dataset(spec, design, trailing, attrs, None), design.block, len(chunks))
    else:
        _same_spec(target, stored, attrs)
    done = target.finished()
    todo = [c for c in chunks if not done[c.index]]
    initial = design.n - sum(c.stop - c.start for c in todo)
    _run(spec, function, design, todo, target.write, progress, client, initial)
    return target.open()


def _in_memory(spec: Spec, function, design: Design, trailing: dict, attrs: dict, progress: bool, client) -> xr.Dataset:
    """The sweep held in memory, refused before anything runs when it would not fit."""
    per_element = sum(8 * int(np.prod([len(trailing[d]) for d in _dims(spec, o)])) for o in spec.kept)
    try:
        check_memory("this sweep", Batch(design.dims, design.sizes), per_element)
    except MemoryError as err:
        raise MemoryError(f"{err} Or stream it to a store: sweep(spec, store='result.zarr').") from None
    arrays: dict[str, np.ndarray] = {}

    def write(chunk: Chunk, out: dict) -> None:
        for name, value in out.items():
            if name not in arrays:
                arrays[name] = np.empty((design.n, *value.shape[1:]), dtype=value.dtype)
            arrays[name][chunk.start : chunk.stop] = value

    _run(spec, function, design, design.chunks(), write, progress, client)
    return _dataset(spec, design, trailing, attrs, arrays)


def require_extras() -> None:
    """Refuse clearly when the ``sweep`` extra is not installed.

    Raises
    ------
    ImportError
        Naming the missing packages and the command that installs them.
    """
    missing = sorted({dist for module, dist in EXTRAS.items() if importlib.util.find_spec(module) is None})
    if missing:
        raise ImportError(f"sweeps need {', '.join(missing)}: pip install 'kinechain[sweep]'")


def run_chunk(spec: Spec, function: ModelFunction | None, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Outputs of one chunk's elements (flat ``(m, ...)``), by output name."""
    m = len(next(iter(values.values())))
    if function is not None:
        out = function(values)
        return {name: np.broadcast_to(np.asarray(out[name], dtype=float), (m,)).copy() for name in spec.outputs}
    subject = {
        name: np.broadcast_to(np.asarray(values.get(name, spec.subject.get(name, default))), (m,))
        for name, default in (*((k, v.default) for k, v in SUBJECT_PARAMETERS.items()), ("sex", SEXES[0]))
    }
    code = np.zeros(m, dtype=np.int64)
    for column in subject.values():
        levels, which = np.unique(column, return_inverse=True)
        code = code * len(levels) + which
    _, first, group = np.unique(code, return_index=True, return_inverse=True)
    result: dict[str, np.ndarray] = {}
    for g, i in enumerate(first):  # one pass per subject in the chunk
        index = np.flatnonzero(group == g)
        model = _model(tuple((name, column[i].item()) for name, column in subject.items()))
        inputs, muscles = _inputs(spec, {k: v[index] for k, v in values.items() if k not in subject})
        cond = conditions(model, spec.task, inputs, strength=muscles["strength"], tightness=muscles["tightness"])
        out = evaluate(cond, spec.exponent)
        for name in spec.kept:
            value = np.broadcast_to(out[name], (len(index), *out[name].shape[1:]))
            if name not in result:
                result[name] = np.empty((m, *value.shape[1:]), dtype=value.dtype)
            result[name][index] = value
    return result


@lru_cache(maxsize=16)
def _model(subject: tuple[tuple[str, float | str], ...]) -> Model:
    """One model per subject (its parameters as ``(name, value)`` pairs) and process."""
    return Model.default(Subject(**dict(subject)))


def _inputs(spec: Spec, swept: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Keyword inputs and muscle mappings of one subject's elements: swept values pair along ``element``."""
    inputs: dict = {}
    muscles: dict = {kind: {} for kind in MUSCLE_PARAMETERS}
    given = {**spec.fixed, **{k: xr.DataArray(v, dims="element") for k, v in swept.items()}}
    for name, value in given.items():
        kind, dot, group = name.partition(".")
        if dot:
            muscles[kind][group] = value
        else:
            inputs[name] = value
    return inputs, muscles


def _run(spec, function, design: Design, chunks, write, progress: bool, client, initial: int = 0) -> None:
    """Evaluate ``chunks`` (here or on ``client``) and hand each result to ``write`` as it finishes."""
    from tqdm.auto import tqdm

    show = progress and sys.stderr.isatty()
    with tqdm(total=design.n, initial=int(initial), unit="eval", disable=not show, desc="sweep") as bar:
        if client is None:
            for chunk in chunks:
                write(chunk, run_chunk(spec, function, design.values(chunk.start, chunk.stop)))
                bar.update(chunk.stop - chunk.start)
            return
        from dask.distributed import as_completed

        pending = list(reversed(chunks))
        width = IN_FLIGHT * max(1, len(client.scheduler_info().get("workers", {})))

        def submit():
            chunk = pending.pop()
            values = design.values(chunk.start, chunk.stop)
            future = client.submit(run_chunk, spec, function, values, pure=False)
            which[future.key] = chunk
            return future

        which: dict = {}
        running = as_completed([submit() for _ in range(min(width, len(pending)))])
        for future in running:
            chunk = which.pop(future.key)
            write(chunk, future.result())
            future.release()
            bar.update(chunk.stop - chunk.start)
            if pending:
                running.add(submit())


def _dims(spec: Spec, name: str) -> tuple[str, ...]:
    return OUTPUTS[name].dims if spec.declared else ()


def _trailing(spec: Spec) -> dict[str, list[str]]:
    """Labels of the outputs' trailing dimensions (``muscle``, ``coordinate``)."""
    if not spec.declared:
        return {}
    subject = {k: spec.subject.get(k, v.default) for k, v in SUBJECT_PARAMETERS.items()}
    subject["sex"] = spec.subject.get("sex", SEXES[0])
    return {
        "muscle": list(_model(tuple(subject.items())).muscles.names),
        "coordinate": list(equilibrium_labels()),
    }


def _dataset(spec: Spec, design: Design, trailing: dict, attrs: dict, arrays: dict | None) -> xr.Dataset:
    """The result, from flat arrays, or (``arrays=None``) a lazy template of it for a store."""
    import dask.array as da

    variables = {}
    for name in spec.kept:
        extra = _dims(spec, name)
        shape = design.sizes + tuple(len(trailing[d]) for d in extra)
        if arrays is None:
            dtype = bool if name in STATUS else float
            data = da.zeros(shape, dtype=dtype, chunks=design.block + shape[len(design.sizes) :])
        else:
            data = arrays[name].reshape(shape)
        variables[name] = ((*design.dims, *extra), data, attributes(name) if spec.declared else {})
    coords = {k: (dims, v, _coordinate_attrs(spec, k)) for k, (dims, v) in design.coords.items()}
    used = {d for name in spec.kept for d in _dims(spec, name)}
    coords |= {d: (d, labels) for d, labels in trailing.items() if d in used}
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def _coordinate_attrs(spec: Spec, name: str) -> dict:
    if not spec.declared or name in ("moved", "level") or name == "sex":
        return {}
    return attributes(name)


def _attributes(spec: Spec, design: Design, chunk_size: int, function) -> dict:
    """Global attributes: text and integers only (netCDF holds no booleans, None or mappings)."""
    versions = {"kinechain": __version__, "python": platform.python_version()}
    for package in ("numpy", "xarray", "SALib", "zarr", "dask", "netCDF4"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    model = "kinechain" if function is None else f"{function.__module__}.{function.__qualname__}"
    return {
        "title": f"kinechain sweep: {spec.method}" + (f", {spec.task}" if spec.declared else ""),
        "kinechain_spec": spec.to_json(),
        "model": model,
        "method": spec.method,
        "sampler": SAMPLERS[spec.method],
        "seed": spec.seed,
        "seed_derivation": "numpy.random.SeedSequence([seed, 0]) draws the design",
        "sizes": json.dumps(dict(zip(design.dims, design.sizes, strict=True))),
        "elements": design.n,
        "chunk_size": chunk_size,
        "versions": json.dumps(versions),
    }


def _chunk_size(chunk_size: int | None, stored: dict | None, target: Store | None) -> int:
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer; got {chunk_size!r}")
    if stored is None:
        return chunk_size or CHUNK_SIZE
    if "kinechain_spec" not in stored or "chunk_size" not in stored:
        raise ValueError(f"{str(target.path)!r} exists but is not a kinechain sweep store; choose another path")
    have = int(stored["chunk_size"])
    if chunk_size is not None and chunk_size != have:
        raise ValueError(
            f"store {str(target.path)!r} was written in chunks of {have} elements, not {chunk_size}; resume it "
            "with the same chunk_size (or leave chunk_size out), or write to another store"
        )
    return have


def _same_spec(target: Store, stored: dict, attrs: dict) -> None:
    for key in ("kinechain_spec", "model"):
        if stored.get(key) != attrs[key]:
            old, new = json.loads(stored["kinechain_spec"]), json.loads(attrs["kinechain_spec"])
            differ = sorted(k for k in {*old, *new} if old.get(k) != new.get(k)) or [key]
            raise ValueError(
                f"store {str(target.path)!r} was written by a different spec (differing: {', '.join(differ)}); "
                "run the spec that wrote it to complete it, or write to another store"
            )
