"""The one repetition rule of the benchmarks: every timing, batched or per-pose loop, is the best of
``REPEAT`` runs of the same work on the same problems."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Runs per timing; the fastest is reported (least disturbed by other work on the machine).
REPEAT = 3


def best(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    """Fastest wall time (s) of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def compare(label: str, n: int, batched: float, baselines: dict[str, float]) -> str:
    """One line: batched throughput, each baseline's throughput on the same n problems, and the ratios."""
    parts = [f"{label}: batched {n / batched:12,.1f} /s"]
    parts += [f"{name} {n / t:10,.1f} /s (batched {t / batched:6.1f}x faster)" for name, t in baselines.items()]
    return "; ".join(parts)
