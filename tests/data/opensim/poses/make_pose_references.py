"""References of Rajagopal 2016 at static poses, with OpenSim 4.6 (see ``tests/data/README.md``).

``passive_moments_opensim.csv``: for each pose of ``POSES``, every coordinate 0 except those
listed; every muscle's activation 0 (Millard 2012 muscles keep their minimum activation, 0.01,
whose active force is left out below); fibre and tendon in equilibrium (``equilibrateMuscles``,
each muscle with the tendon compliance the model file gives it). The passive moment about a
coordinate is the sum over the muscles kinechain models (Rajagopal's hip and thigh muscles, no
gastrocnemius) of the passive fibre force along the tendon times the muscle's moment arm.

``knee_moment_arms_opensim.csv``: knee flexion moment arms (mm; negative = extensor) of the
quadriceps and hamstrings at ``KNEE_ANGLES``, every other coordinate 0.

Run: ``RAJAGOPAL2016_OSIM=path/to/Rajagopal2016.osim python make_pose_references.py``
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
#: Knee flexion angles (degrees) and the lines whose knee moment arms are written.
KNEE_ANGLES = (0.0, 20.0, 40.0, 60.0, 90.0)
KNEE_MUSCLES = ("vaslat_r", "vasmed_r", "vasint_r", "recfem_r", "bflh_r", "semimem_r", "semiten_r")


def pose(model, state, angles: dict) -> None:
    """Every unlocked coordinate 0 except ``angles`` (degrees), assembled."""
    coordinates = model.getCoordinateSet()
    for i in range(coordinates.getSize()):
        c = coordinates.get(i)
        if not c.get_locked(0):
            c.setValue(state, 0.0, False)
    for name, value in angles.items():
        coordinates.get(name).setValue(state, math.radians(value), False)
    model.assemble(state)


def passive_moments(model, state) -> list[dict]:
    coordinates, muscles = model.getCoordinateSet(), model.getMuscles()
    rows = []
    for name, (angles, written) in POSES.items():
        pose(model, state, angles)
        for i in range(muscles.getSize()):
            muscles.get(i).setActivation(state, 0.0)
        model.realizeVelocity(state)
        model.equilibrateMuscles(state)
        model.realizeDynamics(state)
        for coordinate in written:
            moment = 0.0
            for base in MUSCLES:
                muscle = osim.Millard2012EquilibriumMuscle.safeDownCast(muscles.get(f"{base}_r"))
                moment += muscle.getPassiveFiberForceAlongTendon(state) * muscle.computeMomentArm(
                    state, coordinates.get(coordinate)
                )
            rows.append({"pose": name, "coordinate": coordinate, "passive_moment_Nm": f"{moment:.4f}"})
    return rows


def knee_moment_arms(model, state) -> list[dict]:
    knee, muscles = model.getCoordinateSet().get("knee_angle_r"), model.getMuscles()
    rows = []
    for angle in KNEE_ANGLES:
        pose(model, state, {"knee_angle_r": angle})
        model.realizePosition(state)
        for name in KNEE_MUSCLES:
            arm = 1000 * muscles.get(name).computeMomentArm(state, knee)
            rows.append({"knee_flexion_deg": angle, "muscle": name, "moment_arm_mm": f"{arm:.3f}"})
    return rows


def main() -> None:
    model = osim.Model(os.environ["RAJAGOPAL2016_OSIM"])
    state = model.initSystem()
    for path, rows in (
        ("passive_moments_opensim.csv", passive_moments(model, state)),
        ("knee_moment_arms_opensim.csv", knee_moment_arms(model, state)),
    ):
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(f"OpenSim {osim.GetVersionAndDate()}; wrote passive_moments_opensim.csv, knee_moment_arms_opensim.csv")


if __name__ == "__main__":
    main()
