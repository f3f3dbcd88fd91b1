"""A per-pose OpenSim pipeline, the usual way of getting hip muscle forces in a static pose: for each
pose of kinechain's single-leg stance, set the pose on the Rajagopal et al. (2016) model (IEEE Trans
Biomed Eng 63(10):2068–2079; ``Rajagopal2016.osim`` of the public opensim-org/opensim-models
repository), inverse dynamics for gravity with the ground reaction under the centre of mass, the
moment arms of every right-hip muscle about the three hip coordinates, and scipy SLSQP sharing the
three hip moments among those muscles (squared activations; reserves of 1 N·m optimal force).

It needs ``opensim`` (the ``opensim`` wheel of the package registry) and the model file; it does
not predict the posture or the lumbar loads. Only the per-pose loop is timed (the model is loaded
and the poses are solved by kinechain beforehand).
"""

from __future__ import annotations

import time

import numpy as np
import opensim as osim
import xarray as xr
from scipy.optimize import minimize

import kinechain as kc
from kinechain.body.topology import COORDINATES

HIP = ("hip_flexion_r", "hip_adduction_r", "hip_rotation_r")


def _poses(n: int) -> np.ndarray:
    """Coordinates (n, 25), rad and m, of n single-stance postures with random valgus and rotation."""
    rng = np.random.default_rng(3)
    model = kc.Model.default()

    def sample(lo, hi):
        return xr.DataArray(rng.uniform(lo, hi, n), dims="sample")

    pose = kc.propagate(model, task="single_stance_r", knee_valgus_r=sample(-5, 12), femoral_ir_r=sample(-8, 12))
    return pose.q[pose.converged]


class Pipeline:
    """The Rajagopal model with its right-hip muscles, ready for :meth:`run` on one pose."""

    def __init__(self, path: str):
        self.model = osim.Model(path)
        self.state = self.model.initSystem()
        self.solver = osim.InverseDynamicsSolver(self.model)
        coordinates = self.model.getCoordinateSet()
        self.coordinates = {
            name: coordinates.get(name)
            for name in COORDINATES
            if coordinates.contains(name) and not coordinates.get(name).getLocked(self.state)
        }
        # the patella's coordinate follows the knee angle one to one (the model's coupler constraint)
        self.patella = {name: coordinates.get(f"{name}_beta") for name in ("knee_angle_r", "knee_angle_l")}
        self.hip = [coordinates.get(name) for name in HIP]
        self.hip_index = [self._mobility(c) for c in self.hip]
        muscles = self.model.getMuscles()
        self.muscles = [
            muscles.get(i)
            for i in range(muscles.getSize())
            if any(abs(muscles.get(i).computeMomentArm(self.state, c)) > 1e-6 for c in self.hip)
        ]
        self.max_force = np.array([m.getMaxIsometricForce() for m in self.muscles])
        # inverse dynamics of gravity and the ground reaction alone, as the InverseDynamicsTool
        # run with muscles excluded
        for i in range(muscles.getSize()):
            muscles.get(i).setAppliesForce(self.state, False)
        self.calcn = self.model.getBodySet().get("calcn_r")
        self.weight = self.model.getTotalMass(self.state) * 9.80665
        self.udot = osim.Vector(self.state.getNU(), 0.0)

    def _mobility(self, coordinate) -> int:
        """Index of the coordinate's mobility in the generalized forces."""
        names = [self.model.getCoordinateSet().get(i).getName() for i in range(self.model.getNumCoordinates())]
        return names.index(coordinate.getName())

    def run(self, q: np.ndarray) -> np.ndarray:
        """Hip muscle activations (M,) at kinechain coordinates ``q`` (25,)."""
        s = self.state
        for name, coordinate in self.coordinates.items():
            coordinate.setValue(s, float(q[COORDINATES.index(name)]), False)
        for name, patella in self.patella.items():
            patella.setValue(s, float(q[COORDINATES.index(name)]), False)
        self.model.realizePosition(s)
        gravity = self.solver.solve(s, self.udot)
        com = self.model.calcMassCenterPosition(s)
        cop = self.model.getGround().findStationLocationInAnotherFrame(s, osim.Vec3(com[0], 0.0, com[2]), self.calcn)
        jac = osim.Matrix()
        self.model.getMatterSubsystem().calcStationJacobian(s, self.calcn.getMobilizedBodyIndex(), cop, jac)
        station = np.array([[jac.get(i, j) for j in self.hip_index] for i in range(3)])
        demand = np.array([gravity.get(k) for k in self.hip_index]) - station.T @ np.array([0.0, self.weight, 0.0])
        arms = np.array([[m.computeMomentArm(s, c) for m in self.muscles] for c in self.hip])  # (3, M)
        return _share(arms * self.max_force, demand)


def _share(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """SLSQP: ``min Σ a² + Σ ρ²`` with ``A a + ρ = τ``, ``0 ≤ a ≤ 1`` (reserves ρ in N·m)."""
    d, m = a.shape
    jac_eq = np.hstack([a, np.eye(d)])
    result = minimize(
        lambda x: x @ x,
        np.r_[np.zeros(m), tau],
        jac=lambda x: 2 * x,
        method="SLSQP",
        bounds=[(0, 1)] * m + [(None, None)] * d,
        constraints=[{"type": "eq", "fun": lambda x: jac_eq @ x - tau, "jac": lambda x: jac_eq}],
    )
    return result.x[:m]


def per_pose_rate(path: str, n: int) -> tuple[int, float]:
    """Poses timed and poses per second (best of three passes) of the pipeline."""
    q = _poses(n)
    pipeline = Pipeline(path)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        for row in q:
            pipeline.run(row)
        times.append(time.perf_counter() - t)
    print(
        f"OpenSim pipeline: {len(pipeline.muscles)} right-hip muscles × {len(HIP)} coordinates = "
        f"{len(pipeline.muscles) * len(HIP)} moment arms per pose"
    )
    return len(q), len(q) / min(times)
