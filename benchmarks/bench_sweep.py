"""Throughput and peak memory of a sweep streamed to a zarr store, and a two-worker dask cluster
beside the in-process run.

Run: ``python benchmarks/bench_sweep.py`` (a 4,096-element grid streamed to a store, and 1,024
elements in-process and on the cluster; about a minute on two cores) or with ``--full``
(1,000,000 elements streamed; about an hour). Peak memory is the process's peak resident set
size, beside its size before the sweep and what the whole result would take in memory. The
cluster is warmed up (workers import kinechain and build the model) before it is timed.
"""

from __future__ import annotations

import argparse
import logging
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

import kinechain as kc

OUTPUTS = ["l5s1_compression", "l5s1_shear_ap", "lumbar_torsion", "pelvic_obliquity", "pelvic_rotation"]


def grid(side: int) -> dict:
    """A cube of ``side``³ elements: valgus × gluteus medius strength × adductor tightness."""
    return {
        "method": "grid",
        "task": "double_stance",
        "outputs": OUTPUTS,
        "parameters": {
            "knee_valgus_r": {"values": np.linspace(0.0, 15.0, side).tolist()},
            "strength.gluteus_medius": {"values": np.linspace(0.3, 1.0, side).tolist()},
            "tightness.hip_adductors": {"values": np.linspace(0.0, 0.2, side).tolist()},
        },
    }


def bench_store(side: int, folder: Path) -> None:
    spec = grid(side)
    n = side**3
    before = _peak_rss()
    t = time.perf_counter()
    kc.sweep(spec, store=folder / "bench.zarr", chunk_size=500)
    dt = time.perf_counter() - t
    whole = n * 8 * (len(OUTPUTS) + 1) / 2**20
    print(
        f"sweep streamed to zarr, {n:,} elements: {n / dt:8,.1f} evaluations/s, peak memory {_peak_rss():,.0f} MiB "
        f"(before the sweep {before:,.0f} MiB; the result alone {whole:,.1f} MiB)"
    )


def _peak_rss() -> float:
    """Peak resident set size of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_cluster(side: int) -> None:
    from dask.distributed import Client, LocalCluster

    spec = grid(side)
    n = side**3
    t = time.perf_counter()
    local = kc.sweep(spec, chunk_size=128, progress=False)
    dt_local = time.perf_counter() - t
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as c,
        Client(c) as client,
    ):
        kc.sweep(grid(2), progress=False, client=client)
        t = time.perf_counter()
        remote = kc.sweep(spec, chunk_size=128, progress=False, client=client)
        dt_remote = time.perf_counter() - t
    xr.testing.assert_identical(local, remote)
    print(f"in-process, {n:,} elements:              {n / dt_local:8,.1f} evaluations/s")
    print(f"LocalCluster (2 worker processes):    {n / dt_remote:8,.1f} evaluations/s  (identical results)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="stream 1,000,000 evaluations")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kinechain-bench-"))
    try:
        bench_store(100 if args.full else 16, folder)
        bench_cluster(16 if args.full else 10)
    finally:
        shutil.rmtree(folder)
