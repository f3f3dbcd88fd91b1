"""Passive muscle moments of Rajagopal 2016 at static poses, with OpenSim 4.6 (see README.md).

For each pose: every coordinate 0 except those listed; every muscle's activation 0 (Millard
2012 muscles keep their minimum activation, 0.01, whose active force is left out below); fibre and
tendon in equilibrium (``equilibrateMuscles``, each muscle with the tendon compliance the model
file gives it). The passive moment about a coordinate is the sum over the muscles kinechain
models (Rajagopal's hip and thigh muscles, no gastrocnemius) of the passive fibre force along the
tendon times the muscle's moment arm (``computeMomentArm``).

Run: ``RAJAGOPAL2016_OSIM=path/to/Rajagopal2016.osim python make_passive_moments.py``
"""

import csv
import math
import os

import opensim as osim

#: Poses (degrees) and the coordinates whose passive moment is written.
POSES = {
    "knee40": ({"knee_angle_r": 40.0}, ("knee_angle_r", "hip_flexion_r")),
    "knee60_hip45": ({"knee_angle_r": 60.0, "hip_flexion_r": 45.0}, ("knee_angle_r", "hip_flexion_r")),
    "hip60": ({"hip_flexion_r": 60.0}, ("knee_angle_r", "hip_flexion_r")),
    "hip0_knee15": ({"knee_angle_r": 15.0}, ("hip_flexion_r",)),
}
#: Rajagopal 2016 muscles of the right leg that kinechain models (data/muscles.csv).
MUSCLES = (
    "addbrev addlong addmagDist addmagIsch addmagMid addmagProx bflh bfsh glmax1 glmax2 glmax3 glmed1 glmed2 "
    "glmed3 glmin1 glmin2 glmin3 grac iliacus piri psoas recfem sart semimem semiten tfl vasint vaslat vasmed"
).split()


def main() -> None:
    model = osim.Model(os.environ["RAJAGOPAL2016_OSIM"])
    state = model.initSystem()
    coordinates, muscles = model.getCoordinateSet(), model.getMuscles()
    rows = []
    for pose, (angles, written) in POSES.items():
        for i in range(coordinates.getSize()):
            c = coordinates.get(i)
            if not c.get_locked(0):
                c.setValue(state, 0.0, False)
        for name, value in angles.items():
            coordinates.get(name).setValue(state, math.radians(value), False)
        model.assemble(state)
        for i in range(muscles.getSize()):
            muscles.get(i).setActivation(state, 0.0)
        model.realizeVelocity(state)
        model.equilibrateMuscles(state)
        model.realizeDynamics(state)
        for coordinate in written:
            moment = 0.0
            for base in MUSCLES:
                muscle = osim.Millard2012EquilibriumMuscle.safeDownCast(muscles.get(f"{base}_r"))
                arm = muscle.computeMomentArm(state, coordinates.get(coordinate))
                moment += muscle.getPassiveFiberForceAlongTendon(state) * arm
            rows.append({"pose": pose, "coordinate": coordinate, "passive_moment_Nm": f"{moment:.4f}"})
    with open("passive_moments_opensim.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["pose", "coordinate", "passive_moment_Nm"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"OpenSim {osim.GetVersionAndDate()}; wrote passive_moments_opensim.csv")


if __name__ == "__main__":
    main()
