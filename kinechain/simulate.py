"""``simulate``: inputs → a labelled :class:`xarray.Dataset` of posture and loads.

Scalar inputs are fixed; every 1-D array input becomes a dimension named after it
(``strength={"gluteus_medius": np.linspace(0.2, 1, 9)}`` gives ``strength_gluteus_medius``), and
the result covers the full grid. Every data variable carries ``units`` and ``long_name``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import xarray as xr

from ._version import __version__
from .anthropometry import Subject
from .model import Model, require_model
from .posture import CHUNK, OUTPUTS, conditions, solve
from .statics import EQUILIBRIUM, statics

_DESCRIPTIONS = {
    "anterior_pelvic_tilt": "anterior pelvic tilt (pelvis on ground)",
    "pelvic_obliquity": "pelvic obliquity, positive = right side up (left drops)",
    "pelvic_rotation": "pelvic rotation, positive = pelvis turns left",
    "lumbar_flexion": "lumbar flexion (L1 on pelvis)",
    "lumbar_lateral_bending": "lumbar lateral bending, positive = to the right",
    "lumbar_torsion": "lumbar torsion (L1 on pelvis), positive = thorax turns left",
    "hip_adduction": "hip adduction",
    "hip_internal_rotation": "hip (femoral) internal rotation",
    "knee_valgus": "knee valgus (tibiofemoral, joint coordinate system)",
    "knee_fppa": "knee frontal-plane projection angle, positive = valgus",
    "rearfoot_eversion": "rearfoot eversion (calcaneus on tibia)",
    "tibial_internal_rotation": "tibial internal rotation over the foot",
}
_LUMBAR = {
    "compression": ("N", "compression along the endplate normal"),
    "shear_ap": ("N", "anterior shear on the upper body, disc frame"),
    "shear_lateral": ("N", "lateral shear on the upper body, positive to the right"),
    "torsion_moment": (
        "N m",
        "net axial moment about the endplate normal, positive turning the upper body left",
    ),
}


def _long_name(name: str) -> str:
    for key, text in _DESCRIPTIONS.items():
        if name == key or name.startswith(key + "_"):
            return text + (f" ({'right' if name.endswith('_r') else 'left'})" if name[-2:] in ("_r", "_l") else "")
    return name.replace("_", " ")


def simulate(
    subject: Subject | None = None,
    task: str = "double_stance",
    knee_valgus_r=0.0,
    knee_valgus_l=0.0,
    femoral_ir_r=0.0,
    femoral_ir_l=0.0,
    rearfoot_eversion_r=None,
    rearfoot_eversion_l=None,
    strength: Mapping[str, object] | None = None,
    tightness: Mapping[str, object] | None = None,
    knee_flexion=None,
    trunk_flexion=None,
    load_mass=None,
    load_distance=None,
    *,
    model: Model | None = None,
    exponent: int = 2,
    valgus_measure: str = "jcs",
) -> xr.Dataset:
    """Posture and loads over a grid of inputs.

    Parameters
    ----------
    subject : Subject, optional
        Default: :meth:`Subject.default` (70 kg, 1.75 m male). Ignored if ``model`` is given.
    task, knee_valgus_r, …, load_distance
        As in :func:`kinechain.propagate`; a 1-D array makes a dimension of that name
        (``strength_<group>`` / ``tightness_<group>`` for muscle parameters).
    model : Model, optional
        A prebuilt model (saves rebuilding it in loops).
    exponent : {2, 3}
        Exponent of the activation cost in force sharing (see :func:`kinechain.statics.share_forces`).
    valgus_measure : {"jcs", "fppa"}
        What a prescribed knee valgus fixes (see :func:`kinechain.propagate`).

    Returns
    -------
    xarray.Dataset
        Posture outputs (degrees), lumbar loads at L5/S1 and L4/L5 (N, N·m), hip and knee
        moments (N·m), hip contact forces (N), muscle forces and activations (``muscle``
        dimension), reserve moments (``coordinate`` dimension), and the ``converged`` and
        ``feasible`` flags. Loads of unconverged postures are NaN.

    Examples
    --------
    >>> import numpy as np, kinechain as kc
    >>> ds = kc.simulate(strength={"gluteus_medius": np.linspace(0.2, 1, 3)})
    >>> ds["l5s1_compression"].dims
    ('strength_gluteus_medius',)
    """
    model = Model.default(subject) if model is None else require_model(model)
    scalars = {
        "knee_valgus_r": knee_valgus_r,
        "knee_valgus_l": knee_valgus_l,
        "femoral_ir_r": femoral_ir_r,
        "femoral_ir_l": femoral_ir_l,
        "rearfoot_eversion_r": rearfoot_eversion_r,
        "rearfoot_eversion_l": rearfoot_eversion_l,
        "knee_flexion": knee_flexion,
        "trunk_flexion": trunk_flexion,
        "load_mass": load_mass,
        "load_distance": load_distance,
    }
    for name, value in (("strength", strength), ("tightness", tightness)):
        if value is not None and not isinstance(value, Mapping):
            raise ValueError(f"{name} must be a mapping of muscle group to value; got {value!r}")
    muscle_params = {"strength": dict(strength or {}), "tightness": dict(tightness or {})}
    # dimensions: every 1-D array input, in argument order
    dims: dict[str, np.ndarray] = {}
    for name, value in scalars.items():
        if value is not None and np.ndim(value) > 0:
            dims[name] = _axis(name, value)
    for kind, mapping in muscle_params.items():
        for group, value in mapping.items():
            if np.ndim(value) > 0:
                dims[f"{kind}_{group}"] = _axis(f"{kind}[{group!r}]", value)
    names = list(dims)
    shape = tuple(len(v) for v in dims.values())

    def place(key, value):
        if key not in dims:
            return value
        axis = names.index(key)
        return np.asarray(dims[key]).reshape([-1 if i == axis else 1 for i in range(len(names))])

    inputs = {k: place(k, v) for k, v in scalars.items()}
    muscle = {kind: {g: place(f"{kind}_{g}", v) for g, v in m.items()} for kind, m in muscle_params.items()}
    task_args = {k: inputs.pop(k) for k in ("knee_flexion", "trunk_flexion", "load_mass", "load_distance")}
    cond = conditions(
        model,
        task,
        inputs,
        strength=muscle["strength"],
        tightness=muscle["tightness"],
        valgus_measure=valgus_measure,
        **task_args,
    )
    results = [
        _evaluate(model, cond, idx, exponent) for idx in np.array_split(np.arange(cond.n), max(1, -(-cond.n // CHUNK)))
    ]
    data = {k: np.concatenate([r[k] for r in results]) for k in results[0]}
    ds = _dataset(model, task, names, dims, shape, data, scalars, muscle_params, exponent)
    ds.attrs["valgus_measure"] = valgus_measure
    return ds


def _axis(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float) if not isinstance(value, str) else None
    if arr is None or arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a scalar or a non-empty 1-D array to sweep; got shape {np.shape(value)}")
    return arr


def _evaluate(model: Model, cond, idx: np.ndarray, exponent: int) -> dict[str, np.ndarray]:
    from .posture import _subset_conditions

    pose = solve(model, _subset_conditions(cond, idx))
    loads = statics(model, pose, exponent=exponent)
    out = {name: pose.angles[name] for name in OUTPUTS}
    bad = ~pose.converged
    for group in (loads.lumbar, loads.joint_moments, loads.hip_contact_force):
        for name, value in group.items():
            out[name] = np.where(bad, np.nan, value)
    out["muscle_force"] = np.where(bad[:, None], np.nan, loads.muscle_force)
    out["muscle_activation"] = np.where(bad[:, None], np.nan, loads.muscle_activation)
    out["reserve_moment"] = np.where(bad[:, None], np.nan, loads.reserve_moment)
    out["converged"] = pose.converged
    out["feasible"] = loads.feasible & pose.converged
    out["reason"] = pose.reason
    return out


def _dataset(model, task, names, dims, shape, data, scalars, muscle_params, exponent) -> xr.Dataset:
    coords = {name: (name, values, {"units": _units(name)}) for name, values in dims.items()}
    coords["muscle"] = ("muscle", list(model.muscles.names))
    coords["coordinate"] = ("coordinate", [_equilibrium_label(j, c) for j, c in EQUILIBRIUM])
    variables = {}
    for name, value in data.items():
        if name in dims:
            continue  # a swept input's own output equals its coordinate
        if name in ("muscle_force", "muscle_activation"):
            variables[name] = ((*names, "muscle"), value.reshape(shape + (-1,)))
        elif name == "reserve_moment":
            variables[name] = ((*names, "coordinate"), value.reshape(shape + (-1,)))
        else:
            variables[name] = (names, value.reshape(shape))
    ds = xr.Dataset(variables, coords=coords)
    for name in ds.data_vars:
        ds[name].attrs.update(_attributes(name))
    s = model.subject
    spec = {k: _jsonable(v) for k, v in scalars.items()}
    spec.update({k: {g: _jsonable(v) for g, v in m.items()} for k, m in muscle_params.items()})
    ds.attrs.update(
        {
            "title": f"kinechain simulation: {task}",
            "subject": json.dumps({"mass": s.mass, "height": s.height, "sex": s.sex}),
            "task": task,
            "kinechain_version": __version__,
            "hip_centre": model.hip_centre,
            "force_sharing_exponent": exponent,
            "parameters": json.dumps(spec),
        }
    )
    return ds


def _jsonable(value):
    return None if value is None else np.asarray(value, dtype=float).tolist()


def _units(name: str) -> str:
    if name.startswith(("strength_", "tightness_")):
        return "1"
    return {"load_mass": "kg", "load_distance": "m"}.get(name, "degrees")


def _equilibrium_label(joint: str, axis: str) -> str:
    return axis if axis.endswith(("_r", "_l")) else f"{joint}_{axis}"


def _attributes(name: str) -> dict:
    if name in OUTPUTS:
        return {"units": "degrees", "long_name": _long_name(name)}
    for q, (units, text) in _LUMBAR.items():
        if name.endswith(q) and name.startswith(("l5s1", "l4l5")):
            level = "L5/S1" if name.startswith("l5s1") else "L4/L5"
            return {"units": units, "long_name": f"{level} {text}"}
    side = "right" if name.endswith("_r") else "left"
    if "_moment_" in name:
        joint, _, axis, _ = name.split("_")
        return {"units": "N m", "long_name": f"net {joint} {axis} moment ({side}), positive = {axis}"}
    table = {
        "muscle_force": ("N", "muscle tendon force"),
        "muscle_activation": ("1", "muscle activation"),
        "reserve_moment": ("N m", "reserve actuator moment (what the muscles cannot supply)"),
        "converged": ("1", "posture solved within tolerance and joint ranges"),
        "feasible": (
            "1",
            "muscles hold the posture without reserves and the centre of pressure is under the foot",
        ),
        "reason": ("", "why a posture did not converge (empty if it did)"),
    }
    if name.startswith("hip_contact_force"):
        return {"units": "N", "long_name": f"hip joint reaction including muscle forces ({side})"}
    units, text = table[name]
    return {"units": units, "long_name": text}
