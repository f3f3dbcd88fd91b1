"""Speed of a full evaluation (posture + statics) in one report: batch throughput of ``simulate``,
single-pose and ``coupling`` latency, peak memory, linear scaling, and a per-pose OpenSim pipeline.

``simulate`` on the paired cases is timed in this process and with ``n_jobs=-1`` (one process
per core). Run: ``python benchmarks/bench_evaluation.py`` (about three minutes on two cores with the
``fast`` extra: 20,000 paired single-stance cases, a 27³ double-stance grid, scaling to 100,000) or
``--quick`` (sizes divided by about ten and scaling to 4,000; under a minute). ``--rajagopal PATH`` adds the OpenSim
pipeline (``benchmarks/_opensim_pipeline.py``) when ``opensim`` is importable, on 150 poses of the
same single-stance task, and prints its ratio to ``simulate``.

Timings follow ``benchmarks/_timing.py`` (best of ``REPEAT``) for batches up to 10,000; larger
batches run once. Peak memory is traced (``tracemalloc``) in separate, untimed runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import tracemalloc

import numpy as np
from _timing import REPEAT, best
from bench_cost_model import paired_single_stance

import kinechain as kc
from kinechain import _compiled
from kinechain.posture.solver import CHUNK
from kinechain.study.simulate import result_bytes


def _repeat(n: int) -> int:
    return REPEAT if n <= 10_000 else 1


def paired(model, n: int, n_jobs: int | None = None) -> float:
    """Evaluations/s of ``simulate`` on n paired single-stance cases (``n_jobs`` processes)."""
    inputs = paired_single_stance(n)
    return n / best(lambda: kc.simulate(model, n_jobs=n_jobs, **inputs), _repeat(n))


def grid(model, side: int) -> tuple[int, float]:
    """Size and evaluations/s of a double-stance grid: valgus × gluteus medius strength × adductor
    tightness, ``side`` values each."""
    inputs = {
        "task": "double_stance",
        "knee_valgus_r": np.linspace(0.0, 15.0, side),
        "strength": {"gluteus_medius": np.linspace(0.3, 1.0, side)},
        "tightness": {"hip_adductors": np.linspace(0.0, 0.2, side)},
    }
    n = side**3
    return n, n / best(lambda: kc.simulate(model, **inputs), _repeat(n))


def latency(model, count: int) -> tuple[float, float]:
    """Median seconds of one pose (propagate + statics) and of ``coupling`` of one pose, each over
    ``count`` different poses (``coupling`` over a fifth as many)."""
    rng = np.random.default_rng(2)
    poses, single = [], []
    for _ in range(count):
        valgus, rotation = rng.uniform(-5, 12), rng.uniform(-8, 12)
        t = time.perf_counter()
        pose = kc.propagate(model, task="single_stance_r", knee_valgus_r=valgus, femoral_ir_r=rotation)
        kc.statics(pose)
        single.append(time.perf_counter() - t)
        poses.append(pose)
    coupled = []
    for pose in poses[: max(1, count // 5)]:
        t = time.perf_counter()
        kc.coupling(pose)
        coupled.append(time.perf_counter() - t)
    return statistics.median(single), statistics.median(coupled)


def scaling(model, sizes) -> list[tuple[int, float]]:
    """Per-evaluation time (s) of ``simulate`` on paired single-stance batches of each size."""
    return [(n, 1.0 / paired(model, n)) for n in sizes]


def peak_memory(model, n: int) -> float:
    """Peak traced memory (MiB) of ``simulate`` on n paired single-stance cases (untimed)."""
    inputs = paired_single_stance(n)
    tracemalloc.start()
    kc.simulate(model, **inputs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches (under a minute)")
    parser.add_argument("--rajagopal", help="path of Rajagopal2016.osim for the OpenSim pipeline")
    args = parser.parse_args()
    model = kc.Model.default()
    kc.simulate(model, task="single_stance_r", knee_valgus_r=3.0)  # warm-up
    n_paired, side = (2_000, 12) if args.quick else (20_000, 27)
    sizes = (250, 1_000, 4_000) if args.quick else (1_000, 10_000, 100_000)
    memory_sizes = (CHUNK, 2 * CHUNK)
    print(f"timings: best of {REPEAT} up to 10,000 elements, one run above; chunk size {CHUNK:,}")
    print(f"compiled kernels (the fast extra): {'on' if _compiled.ENABLED else 'off'}")
    rate = paired(model, n_paired)
    print(f"simulate, {n_paired:,} paired single-stance cases (valgus, femoral rotation, 3 strengths): {rate:,.0f} /s")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parallel = rate
    if cores > 1:
        parallel = paired(model, n_paired, n_jobs=-1)
        print(f"  the same with n_jobs=-1 ({cores} processes): {parallel:,.0f} /s ({parallel / rate:.2f}x)")
    n, grid_rate = grid(model, side)
    print(f"simulate, double-stance grid {side}³ = {n:,} (valgus × strength × tightness): {grid_rate:,.0f} /s")
    single, coupled = latency(model, 10 if args.quick else 50)
    print(f"single pose (propagate + statics), median of {10 if args.quick else 50}: {single * 1e3:,.1f} ms")
    print(f"coupling of one pose, median of {2 if args.quick else 10}: {coupled * 1e3:,.1f} ms")
    for n, per in scaling(model, sizes):
        print(f"scaling: {n:>7,} cases: {per * 1e6:,.0f} µs per evaluation")
    for n in memory_sizes:
        result = n * result_bytes(model) / 2**20
        peak = peak_memory(model, n)
        print(f"peak traced memory, {n:,} cases: {peak:,.0f} MiB (the result itself {result:,.0f} MiB)")
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    opensim(args.rajagopal, rate, parallel)


def opensim(path: str | None, rate: float, parallel: float) -> None:
    """The per-pose OpenSim pipeline on 150 poses, and its ratio to ``simulate``'s rates in this
    process and with ``n_jobs=-1``."""
    try:
        import opensim  # noqa: F401
    except ImportError:
        print("OpenSim pipeline: skipped (opensim is not importable)")
        return
    if path is None:
        print("OpenSim pipeline: skipped (no --rajagopal PATH to Rajagopal2016.osim)")
        return
    from _opensim_pipeline import per_pose_rate

    poses, osim_rate = per_pose_rate(path, 150)
    print(
        f"OpenSim per-pose pipeline, {poses} poses: {osim_rate:,.1f} /s; "
        f"simulate {rate / osim_rate:,.1f}x its rate in one process, {parallel / osim_rate:,.1f}x with n_jobs=-1 "
        "(paired single stance above)"
    )


if __name__ == "__main__":
    main()
