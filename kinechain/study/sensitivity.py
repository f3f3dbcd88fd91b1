"""Which parameter matters most: global and local sensitivity through the sweep engine.

:func:`sensitivity` runs a spec's design with :func:`~kinechain.study.sweep.sweep` (chunked,
resumable, distributable) and analyses it:

* ``sobol``: first-order and total Sobol indices with bootstrap confidence intervals (SALib's
  estimators on the Sobol'-sequence design, Saltelli's scheme without second order);
* ``morris``: elementary effects, μ* (mean absolute effect) and σ, in output units per the
  whole range of the parameter (its bounds; quantiles for a normal parameter);
* ``one_at_a_time``: a tornado ranking, each parameter from its low to its high bound with the
  others at their baseline.

Elements that did not converge or are infeasible are never averaged silently: by default the
analysis refuses with a count; ``unsolved="drop"`` removes the whole design blocks they belong
to (Sobol: a base row with its ``k + 1`` partners; Morris: a trajectory), ``unsolved="impute"``
replaces their values with the mean of the solved elements; the counts are in the attributes.

:func:`local_sensitivity` is the derivative of the outputs at a point, by central differences
through the same engine, Richardson-extrapolated from two steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from .design import sampler_rng
from .spec import Spec, load_spec
from .sweep import ModelFunction, sweep

#: What to do with unsolved or infeasible elements.
UNSOLVED = ("refuse", "drop", "impute")
#: Methods :func:`sensitivity` analyses.
METHODS = ("sobol", "morris", "one_at_a_time")
#: Bootstrap resamples of the confidence intervals, and their level.
RESAMPLES, CONFIDENCE = 100, 0.95
#: Measure each method ranks by.
RANKED_BY = {"sobol": "ST", "morris": "mu_star", "one_at_a_time": "abs_swing"}


def sensitivity(spec: Spec | Mapping | str | Path, *, unsolved: str = "refuse", **options) -> xr.Dataset:
    """Sensitivity indices of a spec's outputs to its parameters.

    Parameters
    ----------
    spec : Spec, mapping or path of a TOML file
        Method ``sobol``, ``morris`` or ``one_at_a_time`` (:mod:`kinechain.study.spec`).
    unsolved : {"refuse", "drop", "impute"}
        What to do with elements that did not converge or are infeasible (a function's: not
        finite).
    **options
        ``store``, ``chunk_size``, ``progress``, ``client``, ``function``: passed to
        :func:`kinechain.sweep`, so that the design's elements can stream to a store, resume, and
        run on a dask cluster.

    Returns
    -------
    xarray.Dataset
        Dimensions ``output`` × ``parameter``. Sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
        (95 % bootstrap half-widths). Morris: ``mu_star``, ``mu_star_conf``, ``sigma``, ``mu``.
        One at a time: ``low``, ``high`` (output at each bound), ``swing`` (high − low),
        ``abs_swing``, and ``baseline`` (per output). Always ``rank`` (1 = most influential).

    Raises
    ------
    ValueError
        For another method, an output that is not a scalar per element, or unsolved elements
        with ``unsolved="refuse"`` (saying how many).
    """
    spec = load_spec(spec, declared=options.get("function") is None)
    if spec.method not in METHODS:
        raise ValueError(f"sensitivity analyses methods {list(METHODS)}; the spec's method is {spec.method!r}")
    if unsolved not in UNSOLVED:
        raise ValueError(f"unsolved must be one of {list(UNSOLVED)}; got {unsolved!r}")
    return analyse(spec, sweep(spec, **options), unsolved)


def analyse(spec: Spec, ds: xr.Dataset, unsolved: str = "refuse") -> xr.Dataset:
    """Sensitivity indices from a finished sweep of ``spec`` (see :func:`sensitivity`)."""
    for name in spec.outputs:
        if ds[name].dims != ("sample",):
            raise ValueError(f"output {name!r} has dimensions {ds[name].dims}; sensitivity needs one value per element")
    y = np.stack([np.asarray(ds[name].values, dtype=float) for name in spec.outputs])  # (outputs, n)
    bad = ~np.isfinite(y).all(axis=0)
    counts = {}
    if spec.declared:
        converged, feasible = np.asarray(ds["converged"].values), np.asarray(ds["feasible"].values)
        counts = {"unconverged": int((~converged).sum()), "infeasible": int((converged & ~feasible).sum())}
        bad &= converged & feasible  # not finite although solved and feasible
        counts["not_finite"] = int(bad.sum())
        bad |= ~(converged & feasible)
    else:
        counts["not_finite"] = int(bad.sum())
    n, k = y.shape[1], len(spec.parameters)
    title = f"kinechain sensitivity: {spec.method}" + (f", {spec.task}" if spec.declared else "")
    attrs = {**ds.attrs, "title": title, "sensitivity_method": spec.method, "unsolved": unsolved, "elements": n}
    attrs |= {f"{key}_elements": value for key, value in counts.items()}
    if bad.any():
        if unsolved == "refuse":
            detail = ", ".join(f"{v} {key.replace('_', ' ')}" for key, v in counts.items())
            raise ValueError(
                f"{int(bad.sum())} of {n} elements did not solve or are infeasible ({detail}); they are not averaged "
                "silently: pass unsolved='drop' to leave out the design blocks they belong to, or unsolved='impute' "
                "to replace them with the mean of the solved elements"
            )
        if unsolved == "impute":
            good = ~bad
            y = np.where(bad, np.nanmean(np.where(good, y, np.nan), axis=1, keepdims=True), y)
            attrs["imputed_elements"] = int(bad.sum())
    problem = {"num_vars": k, "names": spec.names, "bounds": [[0.0, 1.0]] * k}
    rng = sampler_rng(spec.seed, 1)
    if spec.method == "sobol":
        keep = _blocks(bad if unsolved == "drop" else np.zeros(n, bool), k + 2)
        attrs["dropped_elements"] = int(n - keep.sum())
        if keep.sum() < 2 * (k + 2):
            raise ValueError(f"only {int(keep.sum() // (k + 2))} Sobol base rows solved; need at least 2")
        measures = _sobol(problem, y[:, keep], rng)
    elif spec.method == "morris":
        keep = _blocks(bad if unsolved == "drop" else np.zeros(n, bool), k + 1)
        attrs["dropped_elements"] = int(n - keep.sum())
        if not keep.any():
            raise ValueError("no Morris trajectory solved in every element")
        x = _unit(spec, ds)
        measures = _morris(problem, x[keep], y[:, keep], spec.levels, rng)
    else:
        measures = _tornado(spec, np.where(bad[None, :] & (unsolved == "drop"), np.nan, y))
        attrs["dropped_elements"] = int(bad.sum()) if unsolved == "drop" else 0
    by = measures[RANKED_BY[spec.method]]
    order = np.argsort(-np.nan_to_num(by, nan=-np.inf), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(1, k + 1)[None, :], axis=1)
    dims = ("output", "parameter")
    variables = {name: (dims if value.ndim == 2 else ("output",), value) for name, value in measures.items()}
    variables["rank"] = (dims, rank, {"long_name": f"rank by {RANKED_BY[spec.method]} (1 = most influential)"})
    coords = {"output": list(spec.outputs), "parameter": spec.names}
    return xr.Dataset(variables, coords=coords, attrs=attrs | {"ranked_by": RANKED_BY[spec.method]})


def local_sensitivity(
    spec: Spec | Mapping | str | Path,
    relative_step: float = 1e-3,
    client=None,
    function: ModelFunction | None = None,
) -> xr.Dataset:
    """Derivatives of the outputs with respect to the parameters at a point.

    ``spec`` is a ``one_at_a_time`` spec: the point is each parameter's ``baseline`` (default: its
    declared default), the step ``relative_step`` times the width of its bounds (default: the
    declared range). Central
    differences at steps ``h`` and ``h/2`` run through :func:`kinechain.sweep` as
    one-at-a-time designs and are combined by Richardson extrapolation (error O(h⁴)).

    Returns
    -------
    xarray.Dataset
        ``derivative`` (output × parameter), in output units per parameter unit, and ``value``
        (the outputs at the point).

    Raises
    ------
    ValueError
        When the point is closer than a step to a bound, or an element did not solve.
    """
    base = load_spec(spec, declared=function is None)
    if base.method != "one_at_a_time":
        raise ValueError(f"local_sensitivity needs a one_at_a_time spec (baselines = the point); not {base.method!r}")
    estimates = []
    for h in (relative_step, relative_step / 2):
        near = {**_data(base), "method": "one_at_a_time"}
        near["parameters"] = {}
        for p in base.parameters:
            lo, hi = p.bounds
            point = p.baseline
            step = h * (hi - lo)
            if not lo <= point - step < point + step <= hi:
                raise ValueError(f"{p.name} = {point:g} is within a step ({step:g}) of its bounds [{lo:g}, {hi:g}]")
            near["parameters"][p.name] = {"bounds": [point - step, point + step], "baseline": point}
        oat = load_spec(near, declared=base.declared)
        tornado = sensitivity(oat, progress=False, client=client, function=function)
        widths = np.array([2 * h * (p.bounds[1] - p.bounds[0]) for p in base.parameters])
        estimates.append(tornado["swing"].values / widths[None, :])
    derivative = (4 * estimates[1] - estimates[0]) / 3
    return xr.Dataset(
        {
            "derivative": (("output", "parameter"), derivative, {"long_name": "d(output)/d(parameter) at the point"}),
            "value": (("output",), tornado["baseline"].values),
        },
        coords={"output": list(base.outputs), "parameter": base.names},
        attrs={"relative_step": relative_step, "method": "central differences, Richardson-extrapolated"},
    )


def _data(spec: Spec) -> dict:
    """A spec as data for :func:`load_spec` (a function spec keeps only the generic keys)."""
    data = {"outputs": list(spec.outputs), "seed": spec.seed}
    if spec.declared:
        data |= {"task": spec.task, "subject": spec.subject, "fixed": spec.fixed, "exponent": spec.exponent}
    return data


def _blocks(bad: np.ndarray, size: int) -> np.ndarray:
    """Elements to keep: whole consecutive blocks of ``size`` without a bad element."""
    good = ~bad.reshape(-1, size).any(axis=1)
    return np.repeat(good, size)


def _unit(spec: Spec, ds: xr.Dataset) -> np.ndarray:
    """The design on the unit cube (quantiles of each parameter), from the stored values."""
    return np.stack([p.cdf(np.asarray(ds[p.dimension].values, dtype=float)) for p in spec.parameters], axis=1)


def _sobol(problem: dict, y: np.ndarray, rng) -> dict[str, np.ndarray]:
    from SALib.analyze import sobol

    out = {key: [] for key in ("S1", "S1_conf", "ST", "ST_conf")}
    for row in y:
        result = sobol.analyze(
            problem, row, calc_second_order=False, num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=rng
        )
        for key in out:
            out[key].append(result[key])
    return {key: np.array(value) for key, value in out.items()}


def _morris(problem: dict, x: np.ndarray, y: np.ndarray, levels: int, rng) -> dict[str, np.ndarray]:
    from SALib.analyze import morris

    out = {key: [] for key in ("mu_star", "mu_star_conf", "sigma", "mu")}
    for row in y:
        result = morris.analyze(
            problem, x, row, num_resamples=RESAMPLES, conf_level=CONFIDENCE, num_levels=levels, seed=rng
        )
        for key in out:
            out[key].append(np.asarray(result[key], dtype=float))
    return {key: np.array(value) for key, value in out.items()}


def _tornado(spec: Spec, y: np.ndarray) -> dict[str, np.ndarray]:
    k = len(spec.parameters)
    low, high = y[:, 1 : 1 + 2 * k : 2], y[:, 2 : 2 + 2 * k : 2]
    swing = high - low
    return {"low": low, "high": high, "swing": swing, "abs_swing": np.abs(swing), "baseline": y[:, 0]}
