"""The posture principle checked from outside the solver: the solved posture is a constrained
minimum of the stated energy, its constraints hold when measured on landmarks, prescribed
rotations turn the pelvis and lumbar spine the way the closed chain requires, and tight muscles
pull the posture their anatomical way."""

import numpy as np
import pytest
from scipy.linalg import null_space
from strategies import paired

import kinechain as kc
from kinechain.body.topology import COORDINATES
from kinechain.posture.kkt import build_problem, constraints

#: Size of the feasible perturbations (rad, m).
STEP = 1e-4
SQUAT = {"task": "single_leg_squat_r", "knee_flexion": 60.0}
CASES = {
    "double stance, valgus": {"knee_valgus_r": 8.0, "femoral_ir_l": -4.0},
    "squat, femoral rotation free": {"knee_valgus_r": 5.0, "femoral_ir_r": None, **SQUAT},
    "single stance, weak gluteus medius": {
        "task": "single_stance_r",
        "knee_valgus_r": None,
        "strength": {"gluteus_medius": 0.25},
    },
    "lift": {"task": "lift", "trunk_flexion": 40.0, "load_mass": 10.0, "load_distance": 0.35},
}


def _energy(pose, q):
    """E(q) = ½ΔqᵀKΔq + dᵀΔq of docs/model.md, with K from the problem and d the pose's deficit."""
    problem = build_problem(pose.conditions)
    dq = q - pose.model.neutral()
    return 0.5 * np.einsum("ni,nij,nj->n", dq, problem.stiffness, dq) + np.einsum("ni,ni->n", pose.deficit, dq)


def _project(problem, q, iterations=30):
    """Back onto the constraint manifold by minimum-norm Gauss–Newton corrections."""
    for _ in range(iterations):
        c, jac, _ = constraints(problem, q)
        q = q - np.einsum("nij,nj->ni", np.linalg.pinv(jac), c)
    return q, np.abs(constraints(problem, q)[0]).max()


@pytest.mark.parametrize("case", list(CASES))
def test_solved_posture_is_a_constrained_minimum_of_the_energy(model, case):
    pose = kc.propagate(model, **CASES[case])
    assert pose.converged.all()
    problem = build_problem(pose.conditions)
    q = pose.q
    _, jac, _ = constraints(problem, q)
    # stationarity: ∇E + Jᵀλ = 0 (the Lagrangian's gradient vanishes)
    grad = np.einsum("nij,nj->ni", problem.stiffness, q - model.neutral()) + pose.deficit
    stationarity = grad + np.einsum("nmi,nm->ni", jac, pose.multipliers)
    assert np.abs(stationarity).max() < 1e-6 * (1 + np.abs(grad).max())
    # second order: the Lagrangian Hessian, projected on the constraint tangent space, is positive definite
    h = 1e-6
    hess = problem.stiffness[0].copy()
    for i in range(len(COORDINATES)):
        dq = np.zeros(len(COORDINATES))
        dq[i] = h
        jp = constraints(problem, q + dq)[1][0]
        jm = constraints(problem, q - dq)[1][0]
        hess[:, i] += (jp - jm).T @ pose.multipliers[0] / (2 * h)
    hess = 0.5 * (hess + hess.T)
    z = null_space(jac[0])
    reduced = z.T @ hess @ z
    assert z.shape[1] > 0
    assert np.linalg.eigvalsh(reduced).min() > 0
    # a feasible perturbation along the constraint manifold raises E, by the reduced quadratic form
    rng = np.random.default_rng(3)
    energy = _energy(pose, q)[0]
    for _ in range(3):
        u = rng.normal(size=z.shape[1])
        u *= STEP / np.linalg.norm(u)
        moved, residual = _project(problem, q + (z @ u)[None])
        assert residual < 1e-12
        rise = _energy(pose, moved)[0] - energy
        assert rise > 0
        assert rise == pytest.approx(0.5 * u @ reduced @ u, rel=0.05)


def _landmarks(model, pose):
    coords = {name: pose[name] for name in COORDINATES}
    return kc.forward_kinematics(model, coords)


def _centre_of_mass(model, frames, load_mass=0.0, hand=None):
    total, moment = 0.0, 0.0
    for element in model.masses:
        b = model.bodies.index(element.body)
        point = frames.origins[:, b] + np.einsum("nij,j->ni", frames.rotations[:, b], element.com)
        total, moment = total + element.mass, moment + element.mass * point
    if load_mass:
        total, moment = total + load_mass, moment + load_mass * hand
    return moment / total


@pytest.mark.parametrize("task", ["double_stance", "single_stance_r", "single_leg_squat_l", "forward_bend"])
def test_constraints_hold_on_landmarks(model, task):
    """Feet stay where they stood, the thorax keeps its orientation, the centre of mass stays over
    the base: measured on landmarks and segment masses, not on the solver's residuals."""
    kwargs = {"knee_valgus_r": paired([0.0, 9.0]), "femoral_ir_l": paired([3.0, -6.0])}
    if task == "forward_bend":
        kwargs["trunk_flexion"] = 30.0
    if task.startswith("single_leg_squat"):
        kwargs["knee_flexion"] = 45.0
    pose = kc.propagate(model, task=task, **kwargs)
    assert pose.converged.all()
    neutral = kc.forward_kinematics(model)
    kin = _landmarks(model, pose)
    stance = {"single_stance_r": "r", "single_leg_squat_l": "l"}.get(task, "rl")
    for side in stance:
        for mark in ("heel", "toe", "mt5"):
            where = neutral.landmarks[f"{mark}_{side}"]
            np.testing.assert_allclose(kin.landmarks[f"{mark}_{side}"], np.broadcast_to(where, (2, 3)), atol=1e-9)
    # thorax: its long axis (L1/L2 to T12/L1 disc centres) inclined forward by the trunk flexion, no side lean
    axis = kin.landmarks["t12l1_disc_centre"] - kin.landmarks["l1l2_disc_centre"]
    lean = np.degrees(np.arctan2(axis[:, 0], axis[:, 1]))
    np.testing.assert_allclose(lean, 30.0 if task == "forward_bend" else 0.0, atol=1e-7)
    np.testing.assert_allclose(axis[:, 2], 0.0, atol=1e-10)
    # ... and facing forward: the L1 frame's lateral axis stays horizontal and to the right
    lateral = kin.frames.rotations[:, model.bodies.index("L1"), :, 2]
    np.testing.assert_allclose(lateral, np.tile([0.0, 0.0, 1.0], (2, 1)), atol=1e-9)
    com = _centre_of_mass(model, kin.frames)
    com0 = _centre_of_mass(model, neutral.frames)
    if len(stance) == 2:
        np.testing.assert_allclose(com[:, [0, 2]], np.broadcast_to(com0[:, [0, 2]], (2, 2)), atol=1e-9)
    else:
        foot = 0.5 * (neutral.landmarks[f"heel_{stance}"] + neutral.landmarks[f"toe_{stance}"])
        np.testing.assert_allclose(com[:, 2], foot[0, 2], atol=1e-9)


@pytest.mark.parametrize("task", ["double_stance", "single_leg_squat_r"])
def test_right_femoral_internal_rotation_turns_the_pelvis_right_and_the_thorax_left_on_it(model, task):
    """Right hip internal rotation (femur turning medially on the pelvis, positive about +y) with the
    right foot on the ground: the femur is held by the foot, so the pelvis turns the other way on
    it, to the right (negative ``pelvic_rotation``: positive = pelvis turns left). Every spring of
    the closed chain takes a share of the same sign. The thorax is held facing forward, so on the
    turned pelvis it is turned left: positive ``lumbar_torsion``, about as large."""
    kwargs = SQUAT if task != "double_stance" else {}
    rotation = np.linspace(0.0, 15.0, 4)
    pose = kc.propagate(model, femoral_ir_r=rotation, **kwargs)
    assert pose.converged.all()
    turn = pose["pelvic_rotation"] - pose["pelvic_rotation"][0]
    twist = pose["lumbar_torsion"] - pose["lumbar_torsion"][0]
    assert np.all(np.diff(turn) < 0)
    assert np.all(np.diff(twist) > 0)
    np.testing.assert_allclose(twist[1:], -turn[1:], rtol=0.15)
    if task == "double_stance":
        mirrored = kc.propagate(model, femoral_ir_l=rotation)
    else:
        mirrored = kc.propagate(model, femoral_ir_l=rotation, task="single_leg_squat_l", knee_flexion=60.0)
    np.testing.assert_allclose(mirrored["lumbar_torsion"] - mirrored["lumbar_torsion"][0], -twist, atol=1e-6)


@pytest.mark.parametrize("task", ["double_stance", "single_leg_squat_r"])
def test_right_knee_valgus_turns_the_pelvis_right(model, task):
    """Right knee valgus (tibiofemoral, the default measure): the model turns the pelvis right and the
    lumbar spine left on it (docs/model.md coupling table, −0.04 and −0.18 °/° pelvic rotation)."""
    kwargs = SQUAT if task != "double_stance" else {}
    pose = kc.propagate(model, knee_valgus_r=np.linspace(0.0, 12.0, 4), **kwargs)
    assert pose.converged.all()
    assert np.all(np.diff(pose["pelvic_rotation"]) < 0)
    assert np.all(np.diff(pose["lumbar_torsion"]) > 0)


#: Group → (coordinate or clinical angle, sign of its change when the right-side group is tight).
TIGHT = {
    "gluteus_medius": ("hip_adduction_r", -1),  # abductor
    "gluteus_minimus": ("hip_adduction_r", -1),  # abductor
    "gluteus_maximus": ("hip_flexion_r", -1),  # hip extensor
    "hip_external_rotators": ("hip_rotation_r", -1),  # external rotation
    "vastus_medialis": ("knee_angle_r", -1),  # knee extensor
    "hip_adductors": ("hip_adduction_r", +1),  # adductors
    "tfl": ("hip_flexion_r", +1),  # hip flexor
    "hip_flexors": ("anterior_pelvic_tilt", +1),  # pull the pelvis into anterior tilt
    "hamstrings": ("anterior_pelvic_tilt", -1),  # pull the pelvis into posterior tilt
    "quadriceps": ("knee_angle_r", -1),  # knee extensors
}


@pytest.mark.parametrize("group", list(TIGHT))
def test_a_tight_group_pulls_the_posture_its_anatomical_way(model, group):
    free = {"knee_valgus_r": None, "knee_valgus_l": None, "femoral_ir_r": None, "femoral_ir_l": None}
    pose = kc.propagate(model, tightness={f"{group}_r": [0.0, 0.15, 0.3]}, **free)
    assert pose.converged.all()
    name, sign = TIGHT[group]
    change = sign * np.diff(pose[name])
    assert np.all(change > 1e-3), (group, pose[name])
    # the energy principle: the posture moves so that the tight muscles' pull does positive work
    dq = pose.q - pose.q[0]
    assert np.all(np.einsum("ni,ni->n", pose.deficit, dq)[1:] < 0)


@pytest.mark.parametrize("task", ["double_stance", "single_leg_squat_r", "lift"])
def test_constraint_jacobians_equal_finite_differences(model, task):
    """Away from the solution too (random postures), with a hand load in the lift."""
    kwargs = {"lift": {"trunk_flexion": 40.0, "load_mass": 15.0, "load_distance": 0.4}}.get(task, {})
    pose = kc.propagate(model, task=task, knee_valgus_r=4.0, **kwargs)
    problem = build_problem(pose.conditions)
    q = pose.q + np.random.default_rng(1).normal(0.0, 0.05, pose.q.shape)
    _, jac, _ = constraints(problem, q)
    h = 1e-7
    for i in range(len(COORDINATES)):
        dq = np.zeros(len(COORDINATES))
        dq[i] = h
        fd = (constraints(problem, q + dq)[0] - constraints(problem, q - dq)[0]) / (2 * h)
        np.testing.assert_allclose(jac[..., i], fd, atol=1e-7, err_msg=COORDINATES[i])
