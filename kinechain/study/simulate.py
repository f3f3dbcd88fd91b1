"""``simulate``: inputs → posture → loads → one labelled :class:`xarray.Dataset`.

The batch-shape rule of :mod:`kinechain.batch` applies: a plain 1-D array becomes a dimension
named after the input (``strength={"gluteus_medius": np.linspace(0.2, 1, 9)}`` gives
``strength_gluteus_medius``) and several form a grid; DataArrays sharing a dimension (e.g.
``sample``) are paired. Every variable carries ``units`` and ``long_name`` from
:mod:`kinechain.variables`.
"""

from __future__ import annotations

import json
import numbers
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import xarray as xr
from threadpoolctl import threadpool_limits

from .._version import __version__
from ..body.anthropometry import Subject
from ..body.model import Model
from ..posture.conditions import Conditions, conditions, declare_inputs
from ..posture.solver import POSE_BYTES, chunks, solve, warn_unsolved
from ..statics import equilibrium_labels, statics
from ..variables import OUTPUTS


def as_model(model: Model | Subject | None) -> Model:
    """A :class:`Model` from a model, a subject (its default model) or ``None`` (the default subject)."""
    if model is None or isinstance(model, Subject):
        return Model.default(model)
    if isinstance(model, Model):
        return model
    raise ValueError(
        "model must be a kinechain.Model, a kinechain.Subject or None (the default subject); "
        f"got {type(model).__name__}"
    )


def evaluate(cond: Conditions, exponent: int = 2) -> dict[str, np.ndarray]:
    """Every declared output, flat (n, ...), for checked conditions: the one evaluation pipeline."""
    pose = solve(cond)
    return {**pose.outputs(), **statics(pose, exponent).outputs()}


def result_bytes(model: Model) -> int:
    """Memory one element of a :func:`simulate` result takes, and its working share (bytes)."""
    widths = {"muscle": len(model.muscles), "coordinate": len(equilibrium_labels())}
    values = sum(int(np.prod([widths[d] for d in v.dims])) for v in OUTPUTS.values())
    return 8 * values + POSE_BYTES


@declare_inputs
def simulate(
    model: Model | Subject | None = None,
    /,
    *,
    task: str = "double_stance",
    strength: Mapping[str, object] | None = None,
    tightness: Mapping[str, object] | None = None,
    exponent: int = 2,
    n_jobs: int | None = None,
    **inputs,
) -> xr.Dataset:
    """Posture and loads over a batch of inputs, as a labelled Dataset.

    Parameters
    ----------
    model : Model, Subject or None
        The model to evaluate, or a subject whose default model is built (``None``: the default
        subject, 70 kg, 1.75 m male).
    task, strength, tightness
        As in :func:`kinechain.propagate`.
    exponent : {2, 3}
        Exponent of the activation cost in force sharing (:func:`kinechain.mechanics.sharing.share_forces`).
    n_jobs : int, optional
        Processes that evaluate chunks of the batch at once (``None`` or 1: this process; -1: one
        per core this process may use). The results do not depend on it (to the solver's
        tolerance). Each process holds the working memory of the chunks it evaluates. Where
        processes do not start by forking (macOS, Windows, Python 3.14 and later everywhere),
        call it under ``if __name__ == "__main__":`` in a script.
    **inputs
        Clinical inputs and task parameters by name (listed below); a clinical input not given
        is free and found by the posture principle, a value holds it.

    Returns
    -------
    xarray.Dataset
        Posture outputs (degrees), lumbar loads at L5/S1 and L4/L5 (N, N·m), hip and knee
        moments (N·m), hip contact forces (N), muscle forces and activations (``muscle``
        dimension), reserve moments (``coordinate`` dimension), and the ``converged``,
        ``feasible`` and ``reason`` variables. Every angle and load of an element that did not
        solve is NaN. An input that has the name of an output (``knee_valgus_r``) labels its
        dimension as ``<name>_input``; the output keeps its name.

    Raises
    ------
    ValueError
        For an input out of its range, an unknown name, or shapes that do not pair.
    MemoryError
        Before anything is computed, when the result would not fit in memory.

    Examples
    --------
    >>> import numpy as np, kinechain as kc
    >>> ds = kc.simulate(strength={"gluteus_medius": np.linspace(0.2, 1, 3)})
    >>> ds["l5s1_compression"].dims
    ('strength_gluteus_medius',)
    """
    model = as_model(model)
    cond = conditions(model, task, inputs, strength, tightness, result_bytes(model))
    parts = list(_evaluate_chunks(cond, exponent, _workers(n_jobs)))
    arrays = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    warn_unsolved(arrays["converged"], arrays["reason"])
    ds = cond.batch.labelled(arrays, {"muscle": model.muscles.names, "coordinate": equilibrium_labels()})
    given = {k: _jsonable(v) for k, v in inputs.items()}
    given |= {
        kind: {g: _jsonable(v) for g, v in (m or {}).items()}
        for kind, m in (("strength", strength), ("tightness", tightness))
    }
    s = model.subject
    ds.attrs.update(
        {
            "title": f"kinechain simulation: {task}",
            "subject": json.dumps({"mass": s.mass, "height": s.height, "sex": s.sex}),
            "task": task,
            "kinechain_version": __version__,
            "hip_centre": model.hip_centre,
            "force_sharing_exponent": exponent,
            "parameters": json.dumps(given),
        }
    )
    return ds


#: Batches are shared among processes only in chunks of at least this many elements: a process
#: receives the model with every chunk, which costs more than solving a few elements.
SMALLEST_SHARED_CHUNK = 50


def _workers(n_jobs: int | None) -> int:
    """Number of processes for ``n_jobs`` (checked)."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or (n_jobs < 1 and n_jobs != -1):
        raise ValueError(f"n_jobs must be None, -1 (one process per core) or an integer >= 1; got {n_jobs!r}")
    if n_jobs != -1:
        return int(n_jobs)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _evaluate_chunks(cond: Conditions, exponent: int, workers: int) -> Iterator[dict[str, np.ndarray]]:
    """The outputs of every chunk of the batch, in order; with ``workers`` > 1 in that many
    processes (chunks of at least :data:`SMALLEST_SHARED_CHUNK` elements), with at most two chunks
    per process sent ahead, so that the working memory stays bounded by the chunk."""
    index = chunks(cond.n, min(workers, cond.n // SMALLEST_SHARED_CHUNK))
    if workers == 1 or len(index) == 1:
        yield from (evaluate(cond.take(i), exponent) for i in index)
        return
    pool = ProcessPoolExecutor(min(workers, len(index)), initializer=_one_blas_thread)
    try:
        ahead = []
        for i in index:
            ahead.append(pool.submit(evaluate, cond.take(i), exponent))
            if len(ahead) >= 2 * workers:
                yield ahead.pop(0).result()
        yield from (future.result() for future in ahead)
    finally:
        pool.shutdown(cancel_futures=True)


def _one_blas_thread() -> None:
    """A worker process's BLAS runs on one thread: each worker is one core's share, and BLAS threads
    spinning beside the other workers slowed two processes on two cores from about 5,200 to about
    3,800 evaluations/s (8,000 paired single-stance cases)."""
    global _BLAS_LIMIT
    _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")


#: The worker's BLAS thread limit, held for the process's life.
_BLAS_LIMIT = None


def _jsonable(value):
    return None if value is None else np.asarray(value, dtype=float).tolist()
