"""Cost model of one evaluation (posture solve + statics): per stage, the arithmetic it needs, the
floor that arithmetic implies on this machine, and the time the implementation takes.

Run: ``python benchmarks/bench_cost_model.py [--n 2000]`` (about a minute). ``simulate`` runs on a
paired single-stance batch (random valgus, femoral rotation and three strengths) under cProfile;
each stage's time is the cumulative time of its functions. Counts (Newton steps, frames evaluated,
force-sharing iterations) are recorded on the same batch. The floor of a stage is the time of a
plain batched numpy kernel of the same sizes (best of ``REPEAT``, ``benchmarks/_timing.py``) times
how often the evaluation needs it; ``floor`` is what the stage would take if it were nothing but
that kernel. cProfile adds about a microsecond per Python call, so stages made of many small calls
read a little slow.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pstats
from collections import Counter

import numpy as np
import xarray as xr
from _timing import REPEAT, best

import kinechain as kc
from kinechain.body.topology import BODIES, COORDINATES
from kinechain.mechanics import sharing
from kinechain.mechanics.external import EQUILIBRIUM
from kinechain.posture import kkt, solver

# the module (the package's ``statics`` attribute is the function)
statics_module = importlib.import_module("kinechain.statics")


def paired_single_stance(n: int, seed: int = 0) -> dict:
    """``simulate`` arguments: n paired single-stance cases, random valgus, femoral rotation and
    gluteus medius, gluteus maximus and hip adductor strengths."""
    rng = np.random.default_rng(seed)

    def sample(lo, hi):
        return xr.DataArray(rng.uniform(lo, hi, n), dims="sample")

    strength = {group: sample(0.3, 1.2) for group in ("gluteus_medius", "gluteus_maximus", "hip_adductors")}
    return {
        "task": "single_stance_r",
        "knee_valgus_r": sample(-5, 12),
        "femoral_ir_r": sample(-8, 12),
        "strength": strength,
    }


class Counts:
    """Elements passed to the stage functions during one ``simulate`` call (patched in place)."""

    def __init__(self):
        self.elements = Counter()
        self.kkt_size = set()
        self.sharing_problems = []
        self._undo = []

    def wrap(self, module, name, key, size=lambda *a, **k: a[1].shape[0]):
        real = getattr(module, name)

        def counted(*args, **kwargs):
            self.elements[key] += size(*args, **kwargs)
            return real(*args, **kwargs)

        setattr(module, name, counted)
        self._undo.append((module, name, real))

    def __enter__(self):
        for module in (kkt, solver, statics_module):
            self.wrap(module, "body_frames", "frames", size=lambda p, q: np.atleast_2d(q).shape[0])
        for module in (kkt, sharing):
            self.wrap(module, "path_geometry", "paths", size=lambda muscles, frames: frames.origins.shape[0])
        self.wrap(kkt, "_newton_step", "steps")
        self.wrap(kkt, "curvature", "curved", size=lambda problem, frames, lam, *known: lam.shape[0])
        real_kkt = kkt._kkt_matrix

        def kkt_matrix(hessian, jac, inactive):
            self.kkt_size.add(jac.shape[2] + jac.shape[1])
            return real_kkt(hessian, jac, inactive)

        kkt._kkt_matrix = kkt_matrix
        self._undo.append((kkt, "_kkt_matrix", real_kkt))
        real_share = sharing.share_forces

        def share_forces(a, tau, **kwargs):
            self.sharing_problems.append((a, tau))
            return real_share(a, tau, **kwargs)

        sharing.share_forces = share_forces
        self._undo.append((sharing, "share_forces", real_share))
        return self

    def __exit__(self, *exc):
        for module, name, real in reversed(self._undo):
            setattr(module, name, real)


def sharing_iterations(problems) -> tuple[float, float]:
    """Batched active-set iterations per problem (elements still iterating, summed over the
    iterations, per problem) and the share of problems left to ``daqp``."""
    a = np.concatenate([p[0] for p in problems])
    tau = np.concatenate([p[1] for p in problems])
    start = np.zeros((a.shape[0], a.shape[2]))
    r2 = sharing.RESERVE_SCALE**2
    left = [1.0]
    for k in range(1, sharing.MAX_ACTIVE_SET_ITERATIONS + 1):
        left.append(1.0 - sharing._active_set(a, tau, r2, 1e-9, start, k)[1].mean())
    return float(np.sum(left[:-1])), left[-1]


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative time (s) of each stage's functions in a profile."""

    def find(name, file):
        keys = [k for k in stats.stats if k[2] == name and k[0].endswith(file)]
        return keys[0]

    def cumulative(name, file):
        return stats.stats[find(name, file)][3]

    def called_from(name, file, caller, caller_file):
        return stats.stats[find(name, file)][4].get(find(caller, caller_file), (0, 0, 0, 0))[3]

    return {
        "kinematics": cumulative("body_frames", "chain.py"),
        "constraints and Jacobians": cumulative("_constraint_rows", "kkt.py")
        + called_from("foot_rotations", "kkt.py", "_newton_step", "kkt.py")
        + called_from("external_loads", "external.py", "_newton_step", "kkt.py")
        + cumulative("foot_energy", "kkt.py"),
        "constraint curvature": cumulative("curvature", "kkt.py"),
        "KKT factorizations": cumulative("kkt_solve", "kkt.py") + cumulative("_curved_solve", "kkt.py"),
        "muscle path geometry": cumulative("path_geometry", "muscles.py"),
        "force sharing": cumulative("share_forces", "sharing.py"),
        "total": cumulative("simulate", "simulate.py"),
    }


def floors(
    model, n: int, kkt_size: int, steps: float, curved: float, frames: float, paths: float, iterations: float
) -> dict:
    """Per stage: (arithmetic per evaluation, kernel, floor per evaluation in s)."""
    rng = np.random.default_rng(1)
    nb, nq, m, d = len(BODIES), len(COORDINATES), len(model.muscles), len(EQUILIBRIUM)
    rot = rng.normal(size=(n, nb, 3, 3))
    t_frames = best(lambda: (rot @ rot, rot @ rot, rot @ rot[..., :1])) / n
    axes, arms = rng.normal(size=(n, 1, nq, 3)), rng.normal(size=(n, 10, 1, 3))
    t_jac = best(lambda: np.cross(axes, arms)) / n
    factors = rng.normal(size=(n, nq, 3 * 10))
    t_curved = best(lambda: factors @ factors.transpose(0, 2, 1)) / n
    kkt_mat = rng.normal(size=(n, kkt_size, kkt_size)) + kkt_size * np.eye(kkt_size)
    rhs = rng.normal(size=(n, kkt_size, 1))
    t_kkt = best(lambda: np.linalg.solve(kkt_mat, rhs)) / n
    crossings = model.muscles.crossings
    slots, points = crossings[3].shape[1:]
    mask = rng.random((m, slots, points))
    along = rng.normal(size=(n, m, points, 3))
    t_paths = best(lambda: (mask @ along, mask @ along)) / n
    a = rng.normal(size=(n, d, m))
    s = rng.normal(size=(n, d, d)) + d * np.eye(d)
    rhs_d = rng.normal(size=(n, d, 1))
    t_share = best(lambda: (a @ a.transpose(0, 2, 1), np.linalg.solve(s, rhs_d), np.linalg.solve(s, rhs_d))) / n
    lu = 2 * kkt_size**3 / 3 + 2 * kkt_size**2
    return {
        "kinematics": (
            f"{frames:.1f} frames × {nb} bodies × 3 products of 3×3",
            f"3 matmuls (n, {nb}, 3, 3)",
            frames * t_frames,
        ),
        "constraints and Jacobians": (
            f"{steps:.1f} steps × ~10 point Jacobians of (3 × {nq}) crosses",
            f"np.cross on (n, 10, {nq}, 3)",
            steps * t_jac,
        ),
        "constraint curvature": (
            f"{curved:.1f} steps × Σ λ ∇²c over ~10 point and direction rows ({nq}×{nq})",
            f"(n, {nq}, 30) @ (n, 30, {nq})",
            curved * t_curved,
        ),
        "KKT factorizations": (
            f"{steps:.1f} steps × LU of {kkt_size}×{kkt_size} ({lu / 1e3:.0f} kflop)",
            f"np.linalg.solve (n, {kkt_size}, {kkt_size})",
            steps * t_kkt,
        ),
        "muscle path geometry": (
            f"{paths:.1f} paths × {crossings[0].size} (joint, muscle) crossings × {points} points × 6"
            f" ({2 * crossings[0].size * points * 6 / 1e3:.0f} kflop)",
            f"2 np.matmul ({m}, {slots}, {points}) @ (n, {m}, {points}, 3)",
            paths * t_paths,
        ),
        "force sharing": (
            f"{iterations:.1f} active-set iterations × ({d}×{m} @ {m}×{d} + 2 solves {d}×{d})",
            f"(n, {d}, {m}) @ (n, {m}, {d}) + 2 np.linalg.solve (n, {d}, {d})",
            iterations * t_share,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="paired single-stance cases")
    args = parser.parse_args()
    n = args.n
    model = kc.Model.default()
    kc.simulate(model, task="single_stance_r", knee_valgus_r=3.0)  # warm-up
    inputs = paired_single_stance(n)
    with Counts() as counts:
        kc.simulate(model, **inputs)
    profile = cProfile.Profile()
    profile.enable()
    kc.simulate(model, **inputs)
    profile.disable()
    times = stage_times(pstats.Stats(profile))
    steps = counts.elements["steps"] / n
    iterations, to_daqp = sharing_iterations(counts.sharing_problems)
    problems = sum(a.shape[0] for a, _ in counts.sharing_problems) / n
    floor = floors(
        model,
        n,
        max(counts.kkt_size),
        steps,
        counts.elements["curved"] / n,
        counts.elements["frames"] / n,
        counts.elements["paths"] / n,
        problems * iterations,
    )
    total = times.pop("total")
    print(f"simulate, {n:,} paired single-stance cases: {n / total:,.0f} evaluations/s under cProfile")
    print(f"force sharing: {problems:.2f} problems per evaluation, {to_daqp:.0%} of them finished by daqp\n")
    print("| stage | arithmetic per evaluation | floor kernel | floor (µs) | measured (µs) | measured / floor |")
    print("|---|---|---|---:|---:|---:|")
    for stage, seconds in times.items():
        work, kernel, least = floor[stage]
        per = seconds / n
        print(f"| {stage} | {work} | {kernel} | {least * 1e6:,.1f} | {per * 1e6:,.1f} | {per / least:,.0f} |")
    rest = total - sum(times.values())
    print(f"| the rest (loads, outputs, Dataset) | | | | {rest / n * 1e6:,.1f} | |")
    print(f"| total | | | {sum(f[2] for f in floor.values()) * 1e6:,.1f} | {total / n * 1e6:,.1f} | |")
    print(f"\nkernel timings: best of {REPEAT} on n = {n:,}")


if __name__ == "__main__":
    main()
