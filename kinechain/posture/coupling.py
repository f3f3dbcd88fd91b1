"""Coupling ratios: how much each clinical output moves per degree of each clinical input."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..body.topology import COORDINATES
from ..mechanics.clinical import CLINICAL_ANGLES, PROJECTION_ANGLES, clinical_jacobian
from ..variables import INPUTS, POSTURE_OUTPUTS
from .energy import passive_energy
from .kkt import constraints, foot_energy, kkt_solve
from .solver import Pose, solved_problem

#: Step of the central differences of the constraint Jacobians (rad, m).
CURVATURE_STEP = 1e-6


def coupling(pose: Pose, inputs: Sequence[str] | None = None, outputs: Sequence[str] | None = None) -> xr.DataArray:
    """Coupling ratios: the Jacobian of clinical outputs with respect to clinical inputs.

    Computed by implicit differentiation of the optimality (KKT) conditions at the solved
    posture; an input that was free in the solve is treated as prescribed at its solved value.
    The holding deficit (what weak muscles cannot supply) is held at its value at the solved
    posture: where it is zero — muscles with capacity to spare — the ratios are exact
    derivatives of :func:`kinechain.propagate`; where muscles are saturated they omit the change
    of the deficit with the input. A trunk lean of ``abductor_compensation`` is held at its
    solved value.

    Parameters
    ----------
    pose : Pose
        From :func:`kinechain.propagate` (it carries its model and inputs).
    inputs : sequence of str, optional
        Clinical input names (:data:`kinechain.variables.INPUTS`); default: all.
    outputs : sequence of str, optional
        Clinical angles (any of :data:`kinechain.mechanics.clinical.CLINICAL_ANGLES` or the
        projection angles); default: :data:`kinechain.variables.POSTURE_OUTPUTS`.

    Returns
    -------
    xarray.DataArray
        Dimensions ``(*batch dimensions, output, input)``, degrees of output per degree of input;
        NaN for elements that did not solve. A joint held at a limit of its range does not move
        (a released input has no effect: ratio 0).
    """
    if not isinstance(pose, Pose):
        raise ValueError(f"pose must be a kinechain.Pose (from kinechain.propagate); got {type(pose).__name__}")
    inputs = list(INPUTS) if inputs is None else list(inputs)
    outputs = list(POSTURE_OUTPUTS) if outputs is None else list(outputs)
    for name in inputs:
        if name not in INPUTS:
            raise ValueError(f"unknown input {name!r}; known inputs are {list(INPUTS)}")
    for name in outputs:
        if name not in CLINICAL_ANGLES and name not in PROJECTION_ANGLES:
            known = sorted([*CLINICAL_ANGLES, *PROJECTION_ANGLES])
            raise ValueError(f"unknown output {name!r}; known outputs are {known}")
    cond = pose.conditions
    ok = pose.converged
    base = solved_problem(pose)
    angles = [cond.input_angle(name) for name in inputs]
    solved = {a: np.radians(np.where(ok, pose.angles[a], 0.0)) for a in angles if a not in base.targets}
    problem = base.prescribe(solved)
    q = np.where(ok[:, None], pose.q, cond.model.neutral())
    c, jac, frames = constraints(problem, q)
    n, m = c.shape
    nq = len(COORDINATES)
    limited = problem.limited
    # multipliers of the extended system at the same solution (added constraints carry none)
    lam = np.zeros((n, m))
    first = pose.multipliers.shape[1] - nq
    lam[:, :first] = pose.multipliers[:, :first]
    lam[:, m - limited.size :] = pose.multipliers[:, first:][:, limited]
    hess = problem.stiffness + passive_energy(cond, q)[1]
    for i in range(nq):
        dq = np.zeros(nq)
        dq[i] = CURVATURE_STEP
        _, jp, fp = constraints(problem, q + dq)
        _, jm, fm = constraints(problem, q - dq)
        hess[:, :, i] += np.einsum("nmj,nm->nj", (jp - jm) / (2 * CURVATURE_STEP), lam)
        hess[:, :, i] += (foot_energy(problem, fp)[0] - foot_energy(problem, fm)[0]) / (2 * CURVATURE_STEP)
    hess = 0.5 * (hess + hess.transpose(0, 2, 1))
    names = list(problem.targets)
    first = m - len(names) - limited.size  # targets come before the limit rows
    rhs = np.zeros((n, nq + m, len(inputs)))
    for j, angle in enumerate(angles):
        rhs[:, nq + first + names.index(angle), j] = 1.0
    dq = kkt_solve(hess, jac, rhs, problem.inactive(m))[:, :nq]  # (n, n_q, inputs)
    out = np.stack([np.einsum("ni,nij->nj", clinical_jacobian(frames, o), dq) for o in outputs], axis=1)
    out[~ok] = np.nan
    batch = pose.batch
    return xr.DataArray(
        out.reshape(batch.sizes + out.shape[1:]),
        dims=(*batch.dims, "output", "input"),
        coords={
            **{k: xr.Variable(dims, values) for k, (dims, values) in batch.coords.items()},
            "output": outputs,
            "input": inputs,
        },
        attrs={"units": "deg/deg", "long_name": "coupling ratio d(output)/d(input)"},
        name="coupling",
    )
