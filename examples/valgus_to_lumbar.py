"""From knee valgus to lumbar torsion and load, for the default subject.

Run: ``python examples/valgus_to_lumbar.py``. Prints how right-knee valgus travels up the chain in
double stance with typical and weak gluteus medius, the coupling ratios at 10° of valgus, and the
lumbar load of a small strength sweep.
"""

import numpy as np

import kinechain as kc


def main() -> None:
    model = kc.Model.default()
    valgus = np.array([0.0, 5.0, 10.0, 15.0])
    for strength in (1.0, 0.3):
        pose = kc.propagate(model, knee_valgus_r=valgus, femoral_ir_r=None, strength={"gluteus_medius_r": strength})
        print(f"gluteus medius strength {strength}:")
        for name in ("hip_adduction_r", "hip_internal_rotation_r", "pelvic_obliquity", "lumbar_torsion"):
            print(f"  {name:<26}" + "".join(f"{v:8.2f}" for v in pose[name]))

    pose = kc.propagate(model, knee_valgus_r=10.0, femoral_ir_r=None)
    ratios = kc.coupling(pose, inputs=["knee_valgus_r"], outputs=["hip_adduction_r", "lumbar_torsion"])
    print("coupling at 10 degrees of valgus (deg/deg):")
    print(ratios.to_pandas())

    ds = kc.simulate(model, knee_valgus_r=10.0, strength={"gluteus_medius": np.linspace(0.2, 1.0, 3)})
    print("L5/S1 compression (N) by gluteus medius strength:")
    print(ds["l5s1_compression"].to_pandas())


if __name__ == "__main__":
    main()
