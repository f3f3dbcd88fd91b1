"""The constrained minimization of the posture energy: constraints, their Jacobians, Newton–KKT.

Constraints of every task: stance feet fixed to the ground (position and orientation), the
thorax keeping its orientation (upright and facing forward, or inclined by the task), the
whole-body centre of mass over the base of support, and every prescribed clinical angle. The
solver is a batched Newton method on the Karush–Kuhn–Tucker system ``[K Jᵀ; J 0]`` with exact
constraint Jacobians, each iteration on the elements not yet converged (no loop over postures).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial.transform import Rotation

from ..body.chain import Frames, body_frames
from ..body.topology import BODIES, COORDINATES
from ..mechanics.clinical import clinical_angle, clinical_jacobian
from ..mechanics.external import centre_of_mass, external_loads, foot_centre, hand_load_jacobian
from ..mechanics.muscles import path_geometry
from .conditions import Conditions
from .energy import stiffness

#: Constraint tolerance as a fraction of the thigh length.
TOLERANCE = 1e-9
#: Newton steps smaller than this (rad, m) end the iterations of an element.
STEP_TOLERANCE = 1e-9
MAX_ITERATIONS = 40
#: Below this rotation angle (rad) the SO(3) log-map Jacobian takes its series limit.
SMALL_ANGLE = 1e-6


@dataclass(frozen=True)
class Problem:
    """Constraint targets and energy of a batch: everything the solver needs besides ``q``.

    Attributes
    ----------
    cond : Conditions
    stiffness : ndarray (n, 25, 25)
    feet : dict side → (position (3,), orientation (3, 3))
        Where each stance foot (calcaneus frame) is held.
    trunk : ndarray (n, 3, 3)
        Orientation the thorax (L1 frame) is held at.
    com : ndarray (n, 2)
        Target x and z of the whole-body centre of mass (m).
    targets : dict clinical angle → ndarray (n,)
        Prescribed clinical angles (rad).
    """

    cond: Conditions
    stiffness: np.ndarray
    feet: dict
    trunk: np.ndarray
    com: np.ndarray
    targets: dict

    def take(self, index: np.ndarray) -> Problem:
        """The same problem for the elements ``index``."""
        return replace(
            self,
            cond=self.cond.take(index),
            stiffness=self.stiffness[index],
            trunk=self.trunk[index],
            com=self.com[index],
            targets={k: v[index] for k, v in self.targets.items()},
        )

    def prescribe(self, angles: dict) -> Problem:
        """The same problem with more clinical angles held (rad), after the existing ones."""
        return replace(self, targets={**self.targets, **angles})


def build_problem(cond: Conditions) -> Problem:
    """Targets and stiffness of a batch, from the neutral standing posture of its model."""
    model, task, n = cond.model, cond.task, cond.n
    neutral = body_frames(model.p, model.neutral()[None])
    geometry = path_geometry(model.muscles, neutral)
    com0 = centre_of_mass(external_loads(model, neutral))[0]
    feet = {
        s: (neutral.origins[0, BODIES.index(f"calcn_{s}")], neutral.rotations[0, BODIES.index(f"calcn_{s}")])
        for s in "rl"
    }
    phi = np.radians(cond.trunk_flexion) if task.bends else np.zeros(n)
    trunk = Rotation.from_rotvec(np.outer(-phi, [0.0, 0.0, 1.0])).as_matrix()
    com = np.tile([com0[0], 0.0], (n, 1))
    if len(task.stance) == 1:
        com[:, 1] = foot_centre(model, neutral, task.stance[0])[0, 2]
    targets = {cond.input_angle(k): np.radians(v) for k, v in cond.inputs.items()}
    if task.squat_side:
        targets[f"knee_flexion_{task.squat_side}"] = np.radians(cond.knee_flexion)
    return Problem(cond, stiffness(cond, neutral, geometry, com0), feet, trunk, com, targets)


def _log_jacobian_inv(e: np.ndarray) -> np.ndarray:
    """Inverse left Jacobian of SO(3) at rotation vectors ``e`` (n, 3): de = J⁻¹ δω."""
    theta = np.linalg.norm(e, axis=1)
    k = np.zeros(e.shape[:1] + (3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -e[:, 2], e[:, 1], -e[:, 0]
    k = k - k.transpose(0, 2, 1)
    small = theta < SMALL_ANGLE
    th = np.where(small, 1.0, theta)
    coef = np.where(small, 1.0 / 12.0, 1.0 / th**2 - (1 + np.cos(th)) / (2 * th * np.sin(th)))
    return np.eye(3) - 0.5 * k + coef[:, None, None] * (k @ k)


def _orientation_constraint(frames: Frames, body: str, target: np.ndarray):
    r = frames.rotations[:, frames.index(body)]
    e = Rotation.from_matrix(np.einsum("nji,njk->nik", target, r)).as_rotvec()
    jac = _log_jacobian_inv(e) @ np.einsum("nji,njc->nic", target, frames.angular_jacobian(body))
    return e, jac


def _centre_of_mass(cond: Conditions, frames: Frames) -> tuple[np.ndarray, np.ndarray]:
    """Whole-body centre of mass (n, 3) and its Jacobian (n, 3, 25)."""
    loads = external_loads(cond.model, frames, cond.load_mass, cond.load_distance)
    com = centre_of_mass(loads)
    weights = -loads.force[..., 1]
    total = weights.sum(axis=1)
    jac = np.zeros((frames.origins.shape[0], 3, len(COORDINATES)))
    # every weight but the last is fixed in its body; the last is the hand load (external_loads)
    for j, body in enumerate(loads.body[:-1]):
        name = BODIES[body]
        jac += (weights[:, j] / total)[:, None, None] * frames.point_jacobian(name, loads.point[:, j : j + 1])[:, 0]
    load_distance = np.broadcast_to(cond.load_distance, (frames.origins.shape[0],))
    jac += (weights[:, -1] / total)[:, None, None] * hand_load_jacobian(frames, load_distance)
    return com, jac


def constraints(problem: Problem, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, Frames]:
    """Constraint residuals (n, m) and Jacobians (n, m, 25) at ``q``, and the frames there."""
    cond = problem.cond
    frames = body_frames(cond.model.p, q)
    res, jac = [], []
    for side in cond.task.stance:
        pos, rot = problem.feet[side]
        body = f"calcn_{side}"
        origin = frames.origins[:, frames.index(body)]
        res.append(origin - pos)
        jac.append(frames.point_jacobian(body, origin[:, None])[:, 0])
        e, j = _orientation_constraint(frames, body, np.broadcast_to(rot, (q.shape[0], 3, 3)))
        res.append(e)
        jac.append(j)
    e, j = _orientation_constraint(frames, "L1", problem.trunk)
    res.append(e)
    jac.append(j)
    com, com_jac = _centre_of_mass(cond, frames)
    res.append(com[:, [0, 2]] - problem.com)
    jac.append(com_jac[:, [0, 2]])
    for name, target in problem.targets.items():
        value = clinical_angle(frames, name)
        res.append((value - target)[:, None])
        jac.append(clinical_jacobian(frames, name)[:, None, :])
    return np.concatenate(res, axis=1), np.concatenate(jac, axis=1), frames


def kkt_solve(hessian: np.ndarray, jac: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve ``[H Jᵀ; J 0] x = rhs`` for a batch.

    Parameters
    ----------
    hessian : ndarray (n, 25, 25)
    jac : ndarray (n, m, 25)
    rhs : ndarray (n, 25 + m, k)

    Returns
    -------
    ndarray (n, 25 + m, k)
        Coordinate part first, then the multipliers.
    """
    n, m, nq = jac.shape
    kkt = np.zeros((n, nq + m, nq + m))
    kkt[:, :nq, :nq] = hessian
    kkt[:, :nq, nq:] = jac.transpose(0, 2, 1)
    kkt[:, nq:, :nq] = jac
    return np.linalg.solve(kkt, rhs)


def _newton_step(problem: Problem, q: np.ndarray, linear: np.ndarray, q0: np.ndarray):
    c, jac, frames = constraints(problem, q)
    grad = np.einsum("nij,nj->ni", problem.stiffness, q - q0) + linear
    sol = kkt_solve(problem.stiffness, jac, -np.concatenate([grad, c], axis=1)[..., None])[..., 0]
    nq = q.shape[1]
    return sol[:, :nq], sol[:, nq:], c, jac, frames


def minimize(problem: Problem, linear: np.ndarray, q_init: np.ndarray):
    """Batched Newton–KKT iterations on ``E(q) = ½ΔqᵀKΔq + linearᵀΔq`` under the constraints.

    Returns the coordinates, the constraint multipliers, the constraint residuals and
    Jacobians, and the frames, all at the final iterate.
    """
    model = problem.cond.model
    q0 = model.neutral()
    q = q_init.copy()
    tol = TOLERANCE * model.subject.segments["thigh"].length
    todo = np.arange(q.shape[0])
    for _ in range(MAX_ITERATIONS):
        step, _, c, _, _ = _newton_step(problem.take(todo), q[todo], linear[todo], q0)
        q[todo] += step
        done = (np.abs(c).max(axis=1) < tol) & (np.abs(step).max(axis=1) < STEP_TOLERANCE)
        todo = todo[~done]
        if todo.size == 0:
            break
    _, lam, c, jac, frames = _newton_step(problem, q, linear, q0)
    return q, lam, c, jac, frames
