"""Checked inputs of a batch: every input validated against its declaration and broadcast.

:func:`conditions` is the one entry of every evaluation (``propagate``, ``simulate``): it reads
ranges, units and defaults from :mod:`kinechain.variables` and the batch-shape rule from
:mod:`kinechain.batch`.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..batch import Batch, broadcast
from ..body.model import Model
from ..body.tasks import Task, get_task
from ..variables import INPUTS, MUSCLE_PARAMETERS, SIDES, TASK_PARAMETERS, dimension_name

#: Inputs that prescribe the same joint in two measures: at most one of each pair per side.
EXCLUSIVE = tuple((f"knee_valgus_{s}", f"knee_fppa_{s}") for s in SIDES)


@dataclass(frozen=True)
class Conditions:
    """Checked inputs of a batch, flat over its ``n`` elements.

    Attributes
    ----------
    model : Model
    task : Task
    batch : Batch
        Dimensions and coordinates of the batch.
    inputs : dict of str to ndarray (n,)
        Prescribed clinical inputs (degrees); an input not given is free and absent.
    knee_flexion, trunk_flexion : ndarray (n,)
        Task angles (degrees).
    lumbopelvic_ratio : ndarray (n,)
        Lumbar flexion per degree of anterior pelvic tilt in the bending tasks (1).
    abductor_compensation : ndarray (n,)
        Share taken of the trunk lean over the stance leg that weak hip abductors add (1).
    load_mass, load_distance : ndarray (n,)
        Hand load (kg) and its distance in front of L5/S1 (m).
    foot_wedge_r, foot_wedge_l, heel_lift_r, heel_lift_l : ndarray (n,)
        Support under each foot: frontal-plane tilt (degrees) and heel height (mm).
    strength, tightness : ndarray (n, M)
        Per muscle line (1).
    """

    model: Model
    task: Task
    batch: Batch
    inputs: dict
    knee_flexion: np.ndarray
    trunk_flexion: np.ndarray
    lumbopelvic_ratio: np.ndarray
    abductor_compensation: np.ndarray
    load_mass: np.ndarray
    load_distance: np.ndarray
    foot_wedge_r: np.ndarray
    foot_wedge_l: np.ndarray
    heel_lift_r: np.ndarray
    heel_lift_l: np.ndarray
    strength: np.ndarray
    tightness: np.ndarray

    @property
    def n(self) -> int:
        """Number of elements."""
        return self.batch.n

    def take(self, index: np.ndarray) -> Conditions:
        """The elements ``index`` as an unlabelled flat batch (a chunk)."""
        return replace(
            self,
            batch=Batch.flat(len(index)),
            inputs={k: v[index] for k, v in self.inputs.items()},
            **{k: getattr(self, k)[index] for k in (*TASK_PARAMETERS, "strength", "tightness")},
        )

    def input_angle(self, name: str) -> str:
        """The clinical angle the input ``name`` prescribes."""
        return INPUTS[name].prescribes


def conditions(
    model: Model,
    task: str,
    inputs: Mapping[str, object],
    strength: Mapping[str, object] | None = None,
    tightness: Mapping[str, object] | None = None,
    result_bytes: int = 0,
) -> Conditions:
    """Validate every input and broadcast them over one batch.

    Parameters
    ----------
    model : Model
    task : str
        One of :data:`kinechain.variables.TASKS`.
    inputs : mapping
        Clinical inputs and task parameters by name (:data:`kinechain.variables.INPUTS`,
        :data:`kinechain.variables.TASK_PARAMETERS`). A clinical input not given (or given as
        ``None``) is free: the posture principle finds it; a value holds it. ``knee_valgus_*``
        and ``knee_fppa_*`` of one side prescribe the same joint and cannot both be given.
    strength, tightness : mapping of muscle group to value, optional
    result_bytes : int
        Memory the caller's result takes per element (bytes): a batch whose inputs and result
        would not fit in memory is refused before anything is allocated.

    Raises
    ------
    ValueError
        Naming the parameter, its value and what is accepted.
    MemoryError
        Saying how large the result would be.
    """
    spec = get_task(task)
    unknown = set(inputs) - set(INPUTS) - set(TASK_PARAMETERS)
    if unknown:
        known = [*INPUTS, *TASK_PARAMETERS]
        raise ValueError(f"unknown input {sorted(unknown)[0]!r}; known inputs are {known}")
    for pair in EXCLUSIVE:
        if all(inputs.get(name) is not None for name in pair):
            raise ValueError(
                f"{pair[0]}={inputs[pair[0]]!r} and {pair[1]}={inputs[pair[1]]!r} both prescribe the same knee; "
                "give one of them (the other is then an output)"
            )
    values = {}
    for name, variable in INPUTS.items():
        value = inputs.get(name, variable.default)
        if value is not None:
            values[name] = (variable, value)
    for name, variable in TASK_PARAMETERS.items():
        value = inputs.get(name)
        if value is not None and variable.tasks and task not in variable.tasks:
            raise ValueError(f"{name} does not apply to task {task!r} (only to {list(variable.tasks)}); leave it out")
        values[name] = (variable, variable.default if value is None else value)
    groups, labels = {}, {}
    for kind, mapping in (("strength", strength), ("tightness", tightness)):
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            raise ValueError(f"{kind} must be a mapping of muscle group to value; got {mapping!r}")
        # bilateral groups first, so that a side-specific entry overrides them
        for group in sorted(mapping, key=lambda g: g.endswith(("_r", "_l"))):
            key = dimension_name(kind, group)
            groups[key] = (kind, model.muscles.group_indices(group))
            labels[key] = f"{kind}[{group!r}]"
            values[key] = (MUSCLE_PARAMETERS[kind], mapping[group])
    own = 8 * 2 * len(model.muscles)  # strength and tightness per line
    batch, flat = broadcast(values, labels, "this request", result_bytes + own)

    per_muscle = {}
    for kind, variable in MUSCLE_PARAMETERS.items():
        out = np.full((batch.n, len(model.muscles)), variable.default)
        for key, (k, index) in groups.items():
            if k == kind:
                out[:, index] = flat[key][:, None]
        per_muscle[kind] = out
    return Conditions(
        model=model,
        task=spec,
        batch=batch,
        inputs={k: flat[k] for k in INPUTS if k in flat},
        **{k: flat[k] for k in TASK_PARAMETERS},
        **per_muscle,
    )


def declare_inputs(func):
    """Give ``func`` (which takes ``**inputs``) the declared inputs as keyword-only parameters.

    The signature shown by ``help`` and ``inspect.signature`` and the docstring's table of inputs
    are generated from :mod:`kinechain.variables`, so that no function restates them.
    """
    signature = inspect.signature(func)
    params = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    declared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=v.default if name in INPUTS else None)
        for name, v in {**INPUTS, **TASK_PARAMETERS}.items()
    ]
    func.__signature__ = signature.replace(parameters=params + declared)
    lines = [
        "",
        "    Inputs (degrees, kg, m). A clinical input not given (or ``None``) is free: the posture principle",
        "    finds it. Give a value to hold it.",
        "",
    ]
    for name, v in {**INPUTS, **TASK_PARAMETERS}.items():
        lo, hi = v.range
        default = "free" if v.default is None else f"{v.default:g}"
        where = f"; only {', '.join(v.tasks)}" if v.tasks else ""
        sign = f", positive = {v.positive}" if v.positive else ""
        lines.append(f"    - ``{name}``: {v.long_name}{sign}; [{lo:g}, {hi:g}] {v.units}, default {default}{where}")
    func.__doc__ = (func.__doc__ or "") + "\n".join(lines) + "\n"
    return func
