"""Forward-kinematics throughput: poses per second for growing batches.

Run: ``python benchmarks/bench_kinematics.py``. Reports the vectorized batch against a baseline
measured in the same run: the same function called once per pose (a Python loop).
"""

from __future__ import annotations

import time

import numpy as np

import kinechain as kc
from kinechain.body.chain import body_frames
from kinechain.mechanics.kinematics import coordinate_array


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    model = kc.Model.default()
    rng = np.random.default_rng(0)
    loop_n = 200
    q_loop = coordinate_array({"hip_flexion_r": rng.uniform(-20, 90, loop_n), "knee_angle_l": 30.0})
    loop = _best(lambda: [body_frames(model.p, q_loop[i]) for i in range(loop_n)], repeat=1)
    loop_rate = loop_n / loop
    print(f"baseline: one call per pose        {loop_rate:12,.0f} poses/s")
    for n in (1, 100, 10_000, 100_000):
        q = coordinate_array(
            {
                "hip_flexion_r": rng.uniform(-20, 90, n),
                "hip_adduction_l": rng.uniform(-20, 20, n),
                "knee_angle_r": rng.uniform(0, 90, n),
                "lumbar_rotation": rng.uniform(-20, 20, n),
            }
        )
        t = _best(lambda q=q: body_frames(model.p, q))
        print(f"batch of {n:>7,}: body frames      {n / t:12,.0f} poses/s  ({n / t / loop_rate:8.1f}x baseline)")
    n = 100_000
    coords = {"hip_adduction_r": rng.uniform(-20, 20, n), "knee_adduction_r": rng.uniform(-10, 10, n)}
    t = _best(lambda: kc.forward_kinematics(model, coords), repeat=1)
    print(f"batch of {n:>7,}: forward_kinematics (frames, landmarks, clinical angles) {n / t:12,.0f} poses/s")


if __name__ == "__main__":
    main()
