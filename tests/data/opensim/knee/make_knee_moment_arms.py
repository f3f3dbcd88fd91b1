"""Knee flexion moment arms of Rajagopal 2016's quadriceps and hamstrings, with OpenSim 4.6.

Every coordinate 0 except ``knee_angle_r`` (flexion positive); ``computeMomentArm`` about it (mm;
negative = extensor). Run: ``RAJAGOPAL2016_OSIM=path/to/Rajagopal2016.osim python make_knee_moment_arms.py``
"""

import csv
import math
import os

import opensim as osim

#: Knee flexion angles (degrees) and muscles written.
ANGLES = (0.0, 20.0, 40.0, 60.0, 90.0)
MUSCLES = ("vaslat_r", "vasmed_r", "vasint_r", "recfem_r", "bflh_r", "semimem_r", "semiten_r")


def main() -> None:
    model = osim.Model(os.environ["RAJAGOPAL2016_OSIM"])
    state = model.initSystem()
    coordinates, muscles = model.getCoordinateSet(), model.getMuscles()
    knee = coordinates.get("knee_angle_r")
    rows = []
    for angle in ANGLES:
        for i in range(coordinates.getSize()):
            c = coordinates.get(i)
            if not c.get_locked(0):
                c.setValue(state, 0.0, False)
        knee.setValue(state, math.radians(angle), False)
        model.assemble(state)
        model.realizePosition(state)
        for name in MUSCLES:
            arm = 1000 * muscles.get(name).computeMomentArm(state, knee)
            rows.append({"knee_flexion_deg": angle, "muscle": name, "moment_arm_mm": f"{arm:.3f}"})
    with open("knee_moment_arms_opensim.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["knee_flexion_deg", "muscle", "moment_arm_mm"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"OpenSim {osim.GetVersionAndDate()}; wrote knee_moment_arms_opensim.csv")


if __name__ == "__main__":
    main()
