"""Sweep specifications as plain data (a mapping or a TOML file), checked before anything runs.

A spec names the subject, the task and its parameters, the fixed inputs, the swept parameters
and the method::

    method = "grid"            # or "sobol", "latin_hypercube", "morris", "one_at_a_time"
    task = "single_leg_squat_r"
    samples = 64               # sampled methods: base sample size (Sobol: a power of 2)
    seed = 0
    outputs = ["l5s1_compression", "lumbar_torsion"]

    [subject]                  # fixed subject; mass, height, sex can instead be swept
    mass = 70.0

    [fixed]                    # any declared input, or strength.<group> / tightness.<group>
    knee_flexion = 60.0

    [parameters]
    "strength.gluteus_medius" = {values = [0.4, 0.7, 1.0]}        # grid: explicit values
    knee_valgus_r = {bounds = [0.0, 10.0]}                        # sampled: uniform by default
    "tightness.hip_adductors" = {bounds = [0.0, 0.2], distribution = "normal", mean = 0.05, sd = 0.05}

Names, ranges and units come from :mod:`kinechain.variables`: a parameter is any declared
clinical input or task parameter, a subject parameter (``mass``, ``height``, ``sex``), or
``strength.<group>`` / ``tightness.<group>`` with an optional ``_r``/``_l`` side. Bounds and
values must lie within the declared range. A spec may instead describe a plain model function
(``declared=False``): then names are free and bounds are required.

Subjects: each distinct (mass, height, sex) is its own :class:`~kinechain.body.model.Model`,
built once per process, and its elements are evaluated together. A grid over a few subject
values keeps the evaluation vectorized; a subject parameter drawn by a sampled method makes
every element a subject of its own, evaluated one at a time (tens of times slower).
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import truncnorm

from ..variables import (
    INPUTS,
    MUSCLE_GROUPS,
    MUSCLE_PARAMETERS,
    OUTPUTS,
    SEXES,
    SIDES,
    SUBJECT_PARAMETERS,
    TASK_PARAMETERS,
    TASKS,
    Variable,
    dimension_name,
)

#: Design methods.
METHODS = ("grid", "sobol", "latin_hypercube", "morris", "one_at_a_time")
#: Methods that draw a sample of the parameter space (each gives a ``sample`` dimension).
SAMPLED = ("sobol", "latin_hypercube", "morris")
#: Distributions of a sampled parameter.
DISTRIBUTIONS = ("uniform", "normal")
#: Outputs every kinechain sweep keeps besides the requested ones (whether each element solved).
STATUS = ("converged", "feasible")
_KEYS = {"method", "task", "samples", "seed", "outputs", "subject", "fixed", "parameters", "exponent", "levels"}
_PARAMETER_KEYS = {"values", "bounds", "distribution", "mean", "sd", "baseline"}


@dataclass(frozen=True)
class Parameter:
    """One swept parameter.

    Attributes
    ----------
    name : str
        As written in the spec (``knee_valgus_r``, ``strength.gluteus_medius_r``, ``mass``).
    values : tuple, optional
        Explicit values (grid).
    bounds : tuple of float, optional
        Low and high value (sampled methods, ``one_at_a_time``); for ``normal`` the truncation.
    distribution : {"uniform", "normal"}
    mean, sd : float, optional
        Of a ``normal`` distribution (truncated to ``bounds``).
    baseline : float, optional
        Value while other parameters move (``one_at_a_time``); default: the declared default
        when it lies within the bounds, else the middle of the bounds.
    """

    name: str
    values: tuple | None = None
    bounds: tuple[float, float] | None = None
    distribution: str = "uniform"
    mean: float | None = None
    sd: float | None = None
    baseline: float | None = None

    @property
    def dimension(self) -> str:
        """The dimension or coordinate name in results (``strength_gluteus_medius_r``)."""
        kind, _, group = self.name.partition(".")
        return dimension_name(kind, group) if group else self.name

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Values at unit-interval quantiles ``u`` of the parameter's distribution."""
        lo, hi = self.bounds
        if self.distribution == "uniform":
            return lo + (hi - lo) * u
        a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
        return truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Unit-interval quantiles of values ``x`` (the inverse of :meth:`quantile`)."""
        lo, hi = self.bounds
        if self.distribution == "uniform":
            return (x - lo) / (hi - lo)
        a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
        return truncnorm.cdf(x, a, b, loc=self.mean, scale=self.sd)


@dataclass(frozen=True)
class Spec:
    """A checked sweep specification (build it with :func:`load_spec`).

    Attributes
    ----------
    method : str
        One of :data:`METHODS`.
    parameters : tuple of Parameter
    task : str
        One of :data:`kinechain.variables.TASKS` (ignored for a model function).
    subject : dict
        Fixed ``mass``, ``height``, ``sex``; missing ones take their declared defaults.
    fixed : dict
        Fixed inputs by spec name.
    samples : int
        Base sample size of a sampled method (Sobol: rows are ``samples × (parameters + 2)``;
        Morris: trajectories).
    seed : int
        Seed of the sampler (through :class:`numpy.random.SeedSequence`).
    outputs : tuple of str
        Outputs kept.
    exponent : int
        Activation-cost exponent of force sharing.
    levels : int
        Morris grid levels.
    declared : bool
        Whether names are kinechain's declared inputs (``False``: a model function's).
    """

    method: str
    parameters: tuple[Parameter, ...]
    outputs: tuple[str, ...]
    task: str = "double_stance"
    subject: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    samples: int = 0
    seed: int = 0
    exponent: int = 2
    levels: int = 4
    declared: bool = True

    def to_json(self) -> str:
        """The spec as canonical JSON (stored with every result; identifies a store)."""
        return json.dumps(asdict(self), sort_keys=True)

    @property
    def names(self) -> list[str]:
        """Parameter names as written in the spec."""
        return [p.name for p in self.parameters]

    @property
    def kept(self) -> tuple[str, ...]:
        """Outputs stored: the requested ones and, for kinechain, :data:`STATUS`."""
        return self.outputs + tuple(s for s in STATUS if self.declared and s not in self.outputs)


def load_spec(spec: Spec | Mapping | str | Path, declared: bool = True) -> Spec:
    """A checked :class:`Spec` from a mapping, a TOML file path, or a spec.

    Parameters
    ----------
    spec : Spec, mapping, str or Path
        The spec, as data or the path of a TOML file.
    declared : bool
        ``True``: names are kinechain inputs, checked against :mod:`kinechain.variables`.
        ``False``: a model function's names; bounds or values are then required.

    Raises
    ------
    ValueError
        For an unknown key, method, task, parameter or output (listing the known ones), bounds
        outside the declared range, or a setting the method cannot use.
    """
    if isinstance(spec, Spec):
        if spec.declared != declared:
            raise ValueError("this spec was checked for a different kind of model; load it again from its data")
        return spec
    if isinstance(spec, str | Path):
        path = Path(spec)
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ValueError(f"spec file {str(path)!r} does not exist") from None
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"spec file {str(path)!r} is not valid TOML: {err}") from None
    elif isinstance(spec, Mapping):
        data = dict(spec)
    else:
        raise ValueError(f"spec must be a mapping or the path of a TOML file; got {type(spec).__name__}")
    _no_unknown("spec key", data, _KEYS)
    method = data.get("method", "grid")
    _choice("method", method, METHODS)
    task = data.get("task", "double_stance")
    if declared:
        _choice("task", task, TASKS)
    raw = data.get("parameters")
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError("spec needs a [parameters] table naming at least one swept parameter")
    subject = dict(data.get("subject", {}))
    fixed = dict(data.get("fixed", {}))
    parameters = tuple(_parameter(name, value, method, task, declared) for name, value in raw.items())
    if declared:
        _no_unknown("subject key", subject, {*SUBJECT_PARAMETERS, "sex"})
        for name, value in subject.items():
            _check_value(f"subject.{name}", _declared(name, task), value)
        for name, value in fixed.items():
            if name in {*SUBJECT_PARAMETERS, "sex"}:
                raise ValueError(f"fixed input {name!r} is a subject parameter: put it in [subject]")
            _check_value(f"fixed.{name}", _declared(name, task), value)
        both = set(fixed) & {p.name for p in parameters}
        if both:
            raise ValueError(f"{sorted(both)[0]!r} is both fixed and swept; keep one")
    samples = _integer("samples", data.get("samples", 0), 0)
    if samples and method not in SAMPLED:
        raise ValueError(f"samples applies to the sampled methods {list(SAMPLED)}, not to {method!r}; leave it out")
    if method in SAMPLED and samples < 2:
        raise ValueError(f"method {method!r} needs samples >= 2 (the base sample size); got {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise ValueError(f"method 'sobol' needs samples to be a power of 2 (its balance properties); got {samples}")
    seed = _integer("seed", data.get("seed", 0), 0)
    levels = _integer("levels", data.get("levels", 4), 2)
    exponent = data.get("exponent", 2)
    _choice("exponent", exponent, (2, 3))
    outputs = data.get("outputs")
    if not isinstance(outputs, list | tuple) or not outputs or not all(isinstance(o, str) for o in outputs):
        raise ValueError("spec needs outputs: a non-empty list of output names to keep")
    if declared:
        known = [o for o in OUTPUTS if o != "reason"]
        for name in outputs:
            _choice("output", name, known)
    return Spec(
        method=method,
        parameters=parameters,
        outputs=tuple(outputs),
        task=task,
        subject=subject,
        fixed=fixed,
        samples=samples,
        seed=seed,
        exponent=exponent,
        levels=levels,
        declared=declared,
    )


def declared_names(task: str | None = None) -> list[str]:
    """Every name a spec may sweep or fix (for the task, when given)."""
    inputs = [*INPUTS, *(n for n, v in TASK_PARAMETERS.items() if task is None or task in v.tasks)]
    groups = [f"{g}{s}" for g in MUSCLE_GROUPS for s in ("", *(f"_{k}" for k in SIDES))]
    muscles = [f"{kind}.{g}" for kind in MUSCLE_PARAMETERS for g in groups]
    return [*inputs, *SUBJECT_PARAMETERS, "sex", *muscles]


def _declared(name: str, task: str) -> Variable | None:
    """The declared variable behind a spec name (``None`` for ``sex``)."""
    if name == "sex":
        return None
    kind, dot, group = name.partition(".")
    table = {**INPUTS, **SUBJECT_PARAMETERS, **TASK_PARAMETERS}
    if not dot and name in table:
        variable = table[name]
        if variable.tasks and task not in variable.tasks:
            raise ValueError(f"{name} does not apply to task {task!r} (only to {list(variable.tasks)})")
        return variable
    base = group[:-2] if group.endswith(tuple(f"_{s}" for s in SIDES)) else group
    if dot and kind in MUSCLE_PARAMETERS and base in MUSCLE_GROUPS:
        return MUSCLE_PARAMETERS[kind]
    raise ValueError(f"unknown parameter {name!r}; known names are {declared_names(task)}")


def _parameter(name: str, raw: object, method: str, task: str, declared: bool) -> Parameter:
    if not isinstance(raw, Mapping):
        raise ValueError(f"parameter {name!r} must be a table such as {{values = [...]}} or {{bounds = [low, high]}}")
    _no_unknown(f"key of parameter {name!r}", raw, _PARAMETER_KEYS)
    variable = _declared(name, task) if declared else None
    if name == "sex":
        values = raw.get("values")
        if method != "grid" or not values:
            raise ValueError("sex can be swept only in a grid, with values (a list of sexes)")
        for v in values:
            _choice("sex", v, SEXES)
        return Parameter(name, values=tuple(values))
    if method == "grid":
        values = raw.get("values")
        if not isinstance(values, list | tuple) or not values:
            raise ValueError(f"grid parameter {name!r} needs values: a non-empty list of numbers")
        return Parameter(name, values=tuple(_check_value(name, variable, v) for v in values))
    if "values" in raw:
        raise ValueError(f"method {method!r} draws values from bounds; give {name!r} bounds = [low, high], not values")
    bounds = raw.get("bounds")
    if variable is not None and bounds is None:
        bounds = variable.range
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        raise ValueError(f"parameter {name!r} needs bounds = [low, high]")
    lo, hi = (_check_value(name, variable, b) for b in bounds)
    if not lo < hi:
        raise ValueError(f"parameter {name!r}: bounds must have low < high; got [{lo:g}, {hi:g}]")
    distribution = raw.get("distribution", "uniform")
    _choice(f"distribution of {name!r}", distribution, DISTRIBUTIONS)
    mean = sd = None
    if distribution == "normal":
        if "mean" not in raw or "sd" not in raw:
            raise ValueError(f"normal parameter {name!r} needs mean and sd (it is truncated to its bounds)")
        mean, sd = float(raw["mean"]), float(raw["sd"])
        if not (lo <= mean <= hi and sd > 0 and math.isfinite(sd)):
            raise ValueError(f"normal parameter {name!r} needs lo <= mean <= hi and sd > 0; got mean {mean}, sd {sd}")
    baseline = raw.get("baseline")
    if baseline is None and method == "one_at_a_time":
        default = None if variable is None else variable.default
        baseline = default if default is not None and lo <= default <= hi else 0.5 * (lo + hi)
    if baseline is not None:
        baseline = float(baseline)
        if not lo <= baseline <= hi:
            raise ValueError(f"parameter {name!r}: baseline {baseline:g} must lie within its bounds [{lo:g}, {hi:g}]")
    return Parameter(name, bounds=(lo, hi), distribution=distribution, mean=mean, sd=sd, baseline=baseline)


def _check_value(name: str, variable: Variable | None, value: object):
    if variable is None:
        if name.rpartition(".")[2] == "sex":
            _choice(name, value, SEXES)
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number; got {value!r}")
        return float(value)
    lo, hi = variable.range
    units = "" if variable.units == "1" else f" {variable.units}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number within [{lo:g}, {hi:g}]{units}; got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} = {value!r} is outside the declared range [{lo:g}, {hi:g}]{units}")
    return float(value)


def _choice(name: str, value: object, options) -> None:
    if value not in options:
        raise ValueError(f"unknown {name} {value!r}; known: {list(options)}")


def _integer(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return value


def _no_unknown(what: str, data: Mapping, known: set) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} {unknown[0]!r}; known: {sorted(known)}")
