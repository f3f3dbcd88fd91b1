"""Throughput of propagate, simulate and the force sharing, each against per-pose baselines run in
the same process on the same problems.

Run: ``python benchmarks/bench_posture.py`` (about 2 minutes) or with ``--full`` (larger batches and
the peak memory of a 103,823-combination ``simulate`` grid; about 30 minutes). Every timing, batched
or per-pose loop, is the best of 3 (``benchmarks/_timing.py``). Baselines:

* ``propagate`` and ``simulate``: the same function called once per problem (a Python loop);
* force sharing (the quadratic cost of ``kinechain.statics``, every muscle, its reserve scale) on
  the problems ``statics`` poses: ``daqp`` alone per pose (the dual active-set solver the batched
  method hands its unsettled elements to), scipy's bounded least squares (``lsq_linear``, BVLS) per
  pose — the exact solution of that cost — and SLSQP per pose with exact gradients.
"""

from __future__ import annotations

import argparse
import dataclasses
import tracemalloc

import numpy as np
import xarray as xr
from _timing import REPEAT, best, compare
from scipy.optimize import lsq_linear, minimize

import kinechain as kc
from kinechain.mechanics import sharing


def _problems(n: int) -> dict[str, xr.DataArray]:
    rng = np.random.default_rng(0)
    return {name: xr.DataArray(rng.uniform(-10, 15, n), dims="sample") for name in ("knee_valgus_r", "femoral_ir_r")}


def bench_against_loop(label: str, fn, model, n: int) -> None:
    """``fn(model, **inputs)`` on a batch of n problems against one call per problem."""
    inputs = _problems(n)
    single = [{k: float(v[i]) for k, v in inputs.items()} for i in range(n)]
    batched = best(lambda: fn(model, **inputs))
    loop = best(lambda: [fn(model, **s) for s in single])
    print(compare(f"{label}, {n:,} problems", n, batched, {"per-pose loop": loop}))


def simulate_memory(model, n_side: int) -> None:
    """Peak traced memory of a simulate grid (untimed: tracing slows the run)."""
    tracemalloc.start()
    ds = kc.simulate(
        model,
        knee_valgus_r=np.linspace(0, 15, n_side),
        strength={"gluteus_medius": np.linspace(0.2, 1.0, n_side)},
        tightness={"hip_adductors": np.linspace(0.0, 0.2, n_side)},
    )
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"simulate, {ds['l5s1_compression'].size:,} parameter combinations: peak traced memory {peak:,.0f} MiB")


def model_problems(model, n: int):
    """The force-sharing problems statics() poses for n single-stance postures: (A, τ) as passed to
    :func:`kinechain.mechanics.sharing.share_forces`."""
    pose = kc.propagate(model, task="single_stance_r", knee_valgus_r=np.linspace(0, 15, n))
    captured = []
    real = sharing.share_forces

    def capture(a, tau, **kwargs):
        captured.append((a, tau))
        return real(a, tau, **kwargs)

    sharing.share_forces = capture
    try:  # without the solve's force sharing, statics poses every element's problem
        kc.statics(dataclasses.replace(pose, sharing=None, sharing_at_q=np.zeros(pose.converged.size, dtype=bool)))
    finally:
        sharing.share_forces = real
    return captured[0]


def _bvls(a, tau, r):
    m = a.shape[1]
    stacked = np.vstack([a / r, np.eye(m)])
    return lsq_linear(stacked, np.r_[tau / r, np.zeros(m)], bounds=(0.0, 1.0), method="bvls").x


def _slsqp(a, tau, r):
    d, m = a.shape
    jac_eq = np.hstack([a, r * np.eye(d)])
    return minimize(
        lambda x: x @ x,
        np.r_[np.zeros(m), tau / r],
        jac=lambda x: 2 * x,
        method="SLSQP",
        bounds=[(0, 1)] * m + [(None, None)] * d,
        constraints=[{"type": "eq", "fun": lambda x: jac_eq @ x - tau, "jac": lambda x: jac_eq}],
    ).x[:m]


def bench_force_sharing(model, n: int) -> None:
    a, tau = model_problems(model, n)
    r = sharing.RESERVE_SCALE
    batched = best(lambda: sharing.share_forces(a, tau, reserve_scale=r))
    baselines = {
        "daqp per pose": best(lambda: [sharing._dual_active_set(a[i], tau[i], r) for i in range(n)]),
        "scipy BVLS per pose": best(lambda: [_bvls(a[i], tau[i], r) for i in range(n)]),
        "scipy SLSQP per pose": best(lambda: [_slsqp(a[i], tau[i], r) for i in range(n)]),
    }
    label = f"force sharing, {n:,} postures x {a.shape[2]} muscles x {a.shape[1]} equations"
    print(compare(label, n, batched, baselines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="larger batches and the simulate memory of ~100,000")
    args = parser.parse_args()
    model = kc.Model.default()
    kc.simulate(model)  # warm-up
    print(f"timings: best of {REPEAT}; every baseline runs over the same problems as the batch")
    n = 1000 if args.full else 60
    bench_against_loop("propagate", kc.propagate, model, n)
    bench_against_loop("simulate", kc.simulate, model, n)
    bench_force_sharing(model, 1000 if args.full else 80)
    simulate_memory(model, 47 if args.full else 10)  # 47³ = 103,823 combinations with --full


if __name__ == "__main__":
    main()
