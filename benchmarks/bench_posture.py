"""Throughput of the posture solver and of simulate(), against baselines measured in the same run.

Run: ``python benchmarks/bench_posture.py`` (batches up to 10,000) or with ``--full`` (adds
100,000 and a 103,823-combination ``simulate`` grid; about 20 minutes). Prints evaluations per
second and peak traced memory for ``simulate`` (which works in chunks), poses per second for
``propagate`` (in chunks of 5,000 postures), and the ratio of the
batched force sharing to a per-pose loop of the scipy reference solver (SLSQP) on the same
problems.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import xarray as xr
from scipy.optimize import minimize

import kinechain as kc
from kinechain.mechanics.external import (
    EQUILIBRIUM,
    equilibrium_axes,
    external_loads,
    ground_reaction,
    joint_loads,
    muscle_joint_moments,
)
from kinechain.mechanics.muscles import force_length_active, normalized_fiber_length, path_geometry
from kinechain.mechanics.sharing import share_forces


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:12,.1f} /s"


def bench_propagate(model, sizes) -> None:
    rng = np.random.default_rng(0)
    for n in sizes:
        valgus = rng.uniform(-10, 15, n)
        rotation = rng.uniform(-10, 15, n)
        t = time.perf_counter()
        pose = kc.propagate(
            model, knee_valgus_r=xr.DataArray(valgus, dims="sample"), femoral_ir_r=xr.DataArray(rotation, dims="sample")
        )
        dt = time.perf_counter() - t
        print(f"propagate, batch of {n:>7,}: {_rate(n, dt)} poses  ({pose.converged.mean():.1%} converged)")


def bench_simulate(model, n_side: int) -> None:
    tracemalloc.start()
    t = time.perf_counter()
    ds = kc.simulate(
        model,
        knee_valgus_r=np.linspace(0, 15, n_side),
        strength={"gluteus_medius": np.linspace(0.2, 1.0, n_side)},
        tightness={"hip_adductors": np.linspace(0.0, 0.2, n_side)},
    )
    dt = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    n = ds["l5s1_compression"].size
    print(f"simulate, {n:,} parameter combinations: {_rate(n, dt)} evaluations, peak memory {peak:,.0f} MiB")


def bench_force_sharing(model, n: int) -> None:
    pose = kc.propagate(model, knee_valgus_r=np.linspace(0, 15, n), task="single_stance_r")
    frames = pose.frames
    geometry = path_geometry(model.muscles, frames)
    loads = external_loads(model, frames)
    joints = joint_loads(frames, loads, ground_reaction(model, frames, ("r",), loads))
    axes = equilibrium_axes(frames)
    demand = np.stack([np.einsum("ni,ni->n", joints[j][1], axes[:, i]) for i, (j, _) in enumerate(EQUILIBRIUM)], 1)
    length = normalized_fiber_length(model.muscles, geometry.length, np.zeros((n, len(model.muscles))))
    a = (
        muscle_joint_moments(geometry, frames)
        * (model.muscles.max_isometric_force * force_length_active(length))[:, None, :]
    )
    t = time.perf_counter()
    share_forces(a, demand, reserve_scale=0.01)
    batched = time.perf_counter() - t
    loop_n = min(n, 20)
    m, d = a.shape[2], a.shape[1]
    t = time.perf_counter()
    for i in range(loop_n):
        minimize(
            lambda x: np.sum(x[:m] ** 2) + np.sum(x[m:] ** 2),
            np.r_[np.zeros(m), demand[i] / 0.01],
            method="SLSQP",
            bounds=[(0, 1)] * m + [(None, None)] * d,
            constraints=[{"type": "eq", "fun": lambda x, i=i: a[i] @ x[:m] + 0.01 * x[m:] - demand[i]}],
        )
    loop = (time.perf_counter() - t) / loop_n * n
    print(
        f"force sharing, {n:,} postures: batched {_rate(n, batched)}, scipy per-pose loop {_rate(n, loop)}"
        f"  -> {loop / batched:,.0f}x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="include a batch of 100,000 postures")
    args = parser.parse_args()
    model = kc.Model.default()
    kc.propagate(model)  # warm-up
    sizes = [1, 100, 10_000] + ([100_000] if args.full else [])
    bench_simulate(model, 47 if args.full else 10)  # 47³ ≈ 100,000 combinations with --full
    bench_propagate(model, sizes)
    bench_force_sharing(model, 2000)


if __name__ == "__main__":
    main()
