"""Forward-kinematics throughput: the batched chain against a per-pose loop of the same function.

Run: ``python benchmarks/bench_kinematics.py [--full]`` (about 1 minute; ``--full`` adds a batch of
100,000, about 6 minutes more). For every batch size the per-pose loop runs over the same poses,
and both timings follow the same rule (best of 3, ``benchmarks/_timing.py``).
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import REPEAT, best, compare

import kinechain as kc
from kinechain.body.chain import body_frames
from kinechain.mechanics.kinematics import coordinate_array


def _poses(rng, n: int) -> dict[str, np.ndarray]:
    return {
        "hip_flexion_r": rng.uniform(-20, 90, n),
        "hip_adduction_l": rng.uniform(-20, 20, n),
        "knee_angle_r": rng.uniform(0, 90, n),
        "lumbar_rotation": rng.uniform(-20, 20, n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="add a batch of 100,000 poses")
    args = parser.parse_args()
    model = kc.Model.default()
    rng = np.random.default_rng(0)
    print(f"timings: best of {REPEAT}; the per-pose loop runs over the same poses as the batch")
    for n in (1, 100, 10_000) + ((100_000,) if args.full else ()):
        q = coordinate_array(_poses(rng, n))
        batched = best(lambda q=q: body_frames(model.p, q))
        loop = best(lambda q=q: [body_frames(model.p, row) for row in q])
        print(compare(f"body frames, {n:>7,} poses", n, batched, {"per-pose loop": loop}))
    n = 1_000
    coords = _poses(rng, n)
    batched = best(lambda: kc.forward_kinematics(model, coords))
    single = [{k: float(v[i]) for k, v in coords.items()} for i in range(n)]
    loop = best(lambda: [kc.forward_kinematics(model, c) for c in single])
    label = f"forward_kinematics (frames, landmarks, clinical angles), {n:,} poses"
    print(compare(label, n, batched, {"per-pose loop": loop}))


if __name__ == "__main__":
    main()
