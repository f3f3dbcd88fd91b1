"""Force-sharing problems of the model and their solution by the solver of commit 1a057fd.

Run from a checkout of that commit (its interior point + dual Newton ``share_forces``):

    PYTHONPATH=<checkout> python tests/data/force_sharing/make_problems.py

Writes ``problems.npz`` beside this script: for 6 postures of each of single stance, double stance
and single-leg squat (random valgus, femoral rotation, knee flexion and three strengths, some weak
enough that reserves carry newton-metres), the matrices ``a`` (n, D, M) and demands ``tau`` (n, D)
that ``statics`` passes to ``share_forces``, and that solver's ``activation``, ``reserve`` and
``converged`` at each reserve scale of ``reserve_scale``.
"""

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

import kinechain as kc
from kinechain.mechanics import sharing

N = 6
RESERVE_SCALES = (sharing.RESERVE_SCALE, 1e-3)


def problems():
    model = kc.Model.default()
    rng = np.random.default_rng(11)
    a_all, tau_all = [], []
    for task in ("single_stance_r", "double_stance", "single_leg_squat_r"):

        def sample(lo, hi):
            return xr.DataArray(rng.uniform(lo, hi, N), dims="sample")

        extra = {"knee_flexion": sample(10, 60)} if task.startswith("single_leg_squat") else {}
        strength = {"gluteus_medius": sample(0.1, 1.2), "gluteus_maximus": sample(0.3, 1.2), "hip_adductors": sample(0.3, 1.2)}
        pose = kc.propagate(model, task=task, knee_valgus_r=sample(-5, 12), femoral_ir_r=sample(-8, 12), strength=strength, **extra)
        seen = []
        real = sharing.share_forces

        def record(a, tau, **kwargs):
            seen.append((a, tau))
            return real(a, tau, **kwargs)

        sharing.share_forces = record
        try:  # without the solve's force sharing, statics poses every element's problem
            kc.statics(dataclasses.replace(pose, sharing=None, sharing_at_q=np.zeros(pose.converged.size, dtype=bool)))
        finally:
            sharing.share_forces = real
        a, tau = seen[-1]
        a_all.append(a[pose.converged])
        tau_all.append(tau[pose.converged])
    return np.concatenate(a_all), np.concatenate(tau_all)


if __name__ == "__main__":
    a, tau = problems()
    out = {"a": a, "tau": tau, "reserve_scale": np.array(RESERVE_SCALES)}
    for k, r in enumerate(RESERVE_SCALES):
        act, reserve, ok = sharing.share_forces(a, tau, reserve_scale=r)
        out[f"activation_{k}"], out[f"reserve_{k}"], out[f"converged_{k}"] = act, reserve, ok
        print(f"R = {r}: converged {ok.sum()} of {ok.size}; largest reserve {np.abs(reserve).max():.3g} N·m")
    np.savez_compressed(Path(__file__).with_name("problems.npz"), **out)
