"""The posture principle checked from outside the solver: the solved posture is a constrained
minimum of the stated energy, its constraints hold when measured on landmarks, prescribed
rotations turn the pelvis and lumbar spine the way the closed chain requires, and tight muscles
pull the posture their anatomical way."""

import numpy as np
import pytest
from scipy.linalg import null_space
from scipy.spatial.transform import Rotation
from strategies import paired

import kinechain as kc
from kinechain.body.chain import body_frames
from kinechain.body.topology import COORDINATE_RANGES, COORDINATES, TRANSLATIONS
from kinechain.mechanics.passive import passive_joints
from kinechain.posture.kkt import MIDTARSAL_STIFFNESS, build_problem, constraints, foot_energy, foot_roll
from kinechain.posture.solver import solved_problem

#: Size of the feasible perturbations (rad, m).
STEP = 1e-4
#: Step of the central differences of the Lagrangian's gradient (rad, m).
CURVATURE_STEP = 1e-6
SQUAT = {"task": "single_leg_squat_r", "knee_flexion": 60.0}
#: Knee valgus and femoral rotation held at zero (a clinical input not given is free).
HELD = {"knee_valgus_r": 0.0, "knee_valgus_l": 0.0, "femoral_ir_r": 0.0, "femoral_ir_l": 0.0}
CASES = {
    "double stance, valgus": {**HELD, "knee_valgus_r": 8.0, "femoral_ir_l": -4.0},
    "squat, femoral rotation free": {**HELD, "knee_valgus_r": 5.0, "femoral_ir_r": None, **SQUAT},
    "single stance, weak gluteus medius": {
        **HELD,
        "task": "single_stance_r",
        "knee_valgus_r": None,
        "strength": {"gluteus_medius": 0.25},
    },
    "lift": {**HELD, "task": "lift", "trunk_flexion": 40.0, "load_mass": 10.0, "load_distance": 0.35},
    # the midtarsal springs take part: everted and lifted supports, every clinical input free
    "double stance on a lateral wedge and a heel lift, all free": {"foot_wedge_r": 10.0, "heel_lift_l": 20.0},
    # an active set: the hip stops at its internal-rotation limit, the input is not reached
    "double stance, hip rotation past its limit": {"femoral_ir_r": 40.0},
}
#: Case → joints it holds at a limit → whether the joint stands in for an input released there.
HELD_AT_LIMIT = {
    # the thoracic spine at its flexion range; the lumbar spine and the hips share the rest by the rhythm
    "lift": {"thoracic_extension": False},
    "double stance, hip rotation past its limit": {"hip_rotation_r": True},
}


def _problem(pose):
    """The pose's problem with the limits it holds and the inputs it released, and its multipliers per row."""
    problem = solved_problem(pose)
    first = pose.multipliers.shape[1] - len(COORDINATES)  # then one multiplier per coordinate (pose.multipliers)
    lam = np.concatenate([pose.multipliers[:, :first], pose.multipliers[:, first:][:, problem.limited]], axis=1)
    return problem, lam


def _energy(pose, problem, q):
    """E(q) = V(q) + ½ΔqᵀKΔq + dᵀΔq + ½ k_m Σ θ² of docs/model.md: V the joints' passive energy, K from
    the problem, d the pose's deficit, θ the rotation of each stance rearfoot on its forefoot about the
    midtarsal axis."""
    dq = q - pose.model.neutral()
    roll, _ = foot_roll(problem, body_frames(pose.model.p, q))
    return (
        passive_joints(pose.model).energy(q)
        + 0.5 * np.einsum("ni,nij,nj->n", dq, problem.stiffness, dq)
        + np.einsum("ni,ni->n", pose.deficit, dq)
        + 0.5 * MIDTARSAL_STIFFNESS * np.sum(roll**2, axis=1)
    )


def _lagrangian_gradient(pose, problem, lam, q):
    """∇E + Jᵀλ at ``q`` (n, 25)."""
    _, jac, frames = constraints(problem, q)
    grad = np.einsum("nij,nj->ni", problem.stiffness, q - pose.model.neutral()) + pose.deficit
    grad = grad - passive_joints(pose.model).moment(q)
    return grad + foot_energy(problem, frames)[0] + np.einsum("nmi,nm->ni", jac, lam), grad


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
    problem, lam = _problem(pose)
    q = pose.q
    _, jac, frames = constraints(problem, q)
    # stationarity: ∇E + Jᵀλ = 0 (the Lagrangian's gradient vanishes)
    stationarity, grad = _lagrangian_gradient(pose, problem, lam, q)
    assert np.abs(stationarity).max() < 1e-6 * (1 + np.abs(grad).max())
    # joints stopped at a limit: each held there against the energy (the multiplier of an inequality
    # has its sign), except the joint standing in for an input released at its limit, pulled towards it
    limited = {COORDINATES[i]: lam[0, lam.shape[1] - problem.limited.size + k] for k, i in enumerate(problem.limited)}
    assert set(limited) == set(HELD_AT_LIMIT.get(case, {}))
    for name, multiplier in limited.items():
        upper = problem.limits[0, COORDINATES.index(name)] == np.radians(COORDINATE_RANGES[name][1])
        assert (multiplier if upper else -multiplier) * (-1 if HELD_AT_LIMIT[case][name] else 1) > 0, name
    # second order: the Lagrangian Hessian, projected on the constraint tangent space, is positive definite
    hess = np.zeros((len(COORDINATES), len(COORDINATES)))
    for i in range(len(COORDINATES)):
        dq = np.zeros(len(COORDINATES))
        dq[i] = CURVATURE_STEP
        gp = _lagrangian_gradient(pose, problem, lam, q + dq)[0][0]
        gm = _lagrangian_gradient(pose, problem, lam, q - dq)[0][0]
        hess[:, i] = (gp - gm) / (2 * CURVATURE_STEP)
    hess = 0.5 * (hess + hess.T)
    z = null_space(jac[0])
    reduced = z.T @ hess @ z
    assert z.shape[1] > 0
    assert np.linalg.eigvalsh(reduced).min() > 0
    # a feasible perturbation along the constraint manifold raises E, by the reduced quadratic form
    rng = np.random.default_rng(3)
    energy = _energy(pose, problem, q)[0]
    for _ in range(3):
        u = rng.normal(size=z.shape[1])
        u *= STEP / np.linalg.norm(u)
        moved, residual = _project(problem, q + (z @ u)[None])
        assert residual < 1e-12
        rise = _energy(pose, problem, moved)[0] - energy
        assert rise > 0
        assert rise == pytest.approx(0.5 * u @ reduced @ u, rel=0.05)


def _landmarks(model, pose):
    # a coordinate held at a limit may pass it by rounding (radians to degrees and back)
    coords = {name: np.clip(pose[name], *COORDINATE_RANGES[name]) for name in COORDINATES if name not in TRANSLATIONS}
    coords |= {name: pose[name] for name in TRANSLATIONS}
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


def _support(neutral, side, wedge=0.0, lift=0.0):
    """The support under a foot as docs/model.md states it, as a map of ground points (m).

    From the neutral foot flat on the floor, a heel lift pitches the foot about the toe until the
    heel stands ``lift`` (mm) higher; a wedge then tilts it about the heel–toe line on the floor by
    ``wedge`` (degrees), raising the lateral border.
    """
    heel, toe = (neutral.landmarks[f"{mark}_{side}"][0] * [1.0, 0.0, 1.0] for mark in ("heel", "toe"))
    length = np.linalg.norm(toe - heel)
    long = (toe - heel) / length
    # about the horizontal line through the toe across the foot, the heel (behind the toe) going up
    pitch = Rotation.from_rotvec(-np.arcsin(lift / 1000.0 / length) * np.cross(long, [0.0, 1.0, 0.0]))
    lateral = 1.0 if side == "r" else -1.0  # +z is lateral on the right
    tilt = Rotation.from_rotvec(-lateral * np.radians(wedge) * long)
    centre = 0.5 * (heel + toe)

    def carry(point):
        return centre + tilt.apply(toe + pitch.apply(point - toe) - centre)

    # the oracle's own reading of the words: the heel floor point raised by the lift (then tilted
    # with the support), the lateral border raised by a positive wedge
    np.testing.assert_allclose(carry(heel)[1], lift / 1000.0 * np.cos(np.radians(wedge)), atol=1e-12)
    assert np.sign(tilt.apply([0.0, 0.0, lateral])[1]) == np.sign(wedge)
    return carry, tilt * pitch


#: Knee valgus on the right and femoral rotation on the left, paired; the others held at zero.
SAMPLE = {**HELD, "knee_valgus_r": paired([0.0, 9.0]), "femoral_ir_l": paired([3.0, -6.0])}
LANDMARK_CASES = {
    "double_stance": {},
    "single_stance_r": {"task": "single_stance_r"},
    "single_leg_squat_l": {"task": "single_leg_squat_l", "knee_flexion": 45.0},
    "forward_bend": {"task": "forward_bend", "trunk_flexion": 30.0},
    "double_stance on a lateral wedge (r) and a heel lift (l)": {"foot_wedge_r": 10.0, "heel_lift_l": 25.0},
    "double_stance on a medial post and a heel lift (r)": {"foot_wedge_r": -8.0, "heel_lift_r": 30.0},
}


@pytest.mark.parametrize("case", list(LANDMARK_CASES))
def test_constraints_hold_on_landmarks(model, case):
    """Each stance forefoot stays planted on its support, the rearfoot turning on it only about the
    midtarsal axis; the gaze is held and the bending tasks keep their lumbopelvic rhythm; the centre
    of mass stays over the base:
    measured on landmarks and segment masses, not on the solver's residuals."""
    kwargs = {**SAMPLE, **LANDMARK_CASES[case]}
    pose = kc.propagate(model, **kwargs)
    assert pose.converged.all()
    task = kwargs.get("task", "double_stance")
    neutral = kc.forward_kinematics(model)
    kin = _landmarks(model, pose)
    stance = {"single_stance_r": "r", "single_leg_squat_l": "l"}.get(task, "rl")
    roll = dict(zip(stance, foot_roll(build_problem(pose.conditions), pose.frames)[0].T, strict=True))
    for side in stance:
        carry, turn = _support(
            neutral, side, kwargs.get(f"foot_wedge_{side}", 0.0), kwargs.get(f"heel_lift_{side}", 0.0)
        )
        calcn = model.bodies.index(f"calcn_{side}")
        mid0 = neutral.landmarks[f"midtarsal_centre_{side}"][0]
        # the midtarsal axis through the joint centre, in ground, on the support: the hinge line
        axis = turn.apply(neutral.frames.rotations[0, calcn] @ model.midtarsal_axis[side])
        mid = carry(mid0)
        np.testing.assert_allclose(kin.landmarks[f"midtarsal_centre_{side}"], np.broadcast_to(mid, (2, 3)), atol=1e-9)
        on_axis = kin.frames.origins[:, calcn] + np.einsum(
            "nij,j->ni",
            kin.frames.rotations[:, calcn],
            model.landmarks[f"midtarsal_centre_{side}"][1] + 0.1 * model.midtarsal_axis[side],
        )
        np.testing.assert_allclose(on_axis, np.broadcast_to(mid + 0.1 * axis, (2, 3)), atol=1e-9)
        # the hinge angle, measured on the fifth metatarsal head: the calcaneus is the supported
        # neutral foot turned by it about the hinge line (heel, toe and mt5 all), and it is the
        # rotation the midtarsal spring of the energy resists
        v0, v = carry(neutral.landmarks[f"mt5_{side}"][0]) - mid, kin.landmarks[f"mt5_{side}"] - mid
        v0 = v0 - (v0 @ axis) * axis
        v = v - np.outer(v @ axis, axis)
        hinge = np.arctan2(np.cross(v0, v) @ axis, v @ v0)
        np.testing.assert_allclose(hinge, roll[side], atol=1e-9)
        hinged = Rotation.from_rotvec(np.outer(hinge, axis))
        for mark in ("heel", "toe", "mt5"):
            expected = mid + hinged.apply(carry(neutral.landmarks[f"{mark}_{side}"][0]) - mid)
            np.testing.assert_allclose(kin.landmarks[f"{mark}_{side}"], expected, atol=1e-9, err_msg=mark)
    # the gaze: the thorax's anterior axis level and forward, or pitched down by the trunk flexion (its roll
    # about that axis, the trunk's lateral lean, is free); the T12/L1 disc centre is where the thorax turns
    phi = np.radians(kwargs.get("trunk_flexion", 0.0))
    gaze = kin.frames.rotations[:, model.bodies.index("thorax"), :, 0]
    np.testing.assert_allclose(gaze, np.tile([np.cos(phi), -np.sin(phi), 0.0], (2, 1)), atol=1e-9)
    np.testing.assert_allclose(kin.landmarks["t12l1_disc_centre"], kin.frames.origins[:, model.bodies.index("thorax")])
    if "trunk_flexion" in kwargs:  # the lumbopelvic rhythm (default ratio)
        ratio = kc.variables.TASK_PARAMETERS["lumbopelvic_ratio"].default
        np.testing.assert_allclose(kin.angles["lumbar_flexion"], ratio * kin.angles["anterior_pelvic_tilt"], atol=1e-7)
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
    the closed chain takes a share of the same sign. The gaze is held forward, so on the turned
    pelvis the thorax is turned left, by the lumbar and the thoracic spine together (positive
    ``lumbar_torsion`` and ``thoracic_rotation``): their sum is, to first order, the turn of the
    pelvis's mediolateral axis (hip centre to hip centre) about the vertical."""
    kwargs = {**HELD, **(SQUAT if task != "double_stance" else {})}
    rotation = np.linspace(0.0, 15.0, 4)
    pose = kc.propagate(model, **{**kwargs, "femoral_ir_r": rotation})
    assert pose.converged.all()
    turn = pose["pelvic_rotation"] - pose["pelvic_rotation"][0]
    twist = pose["lumbar_torsion"] - pose["lumbar_torsion"][0]
    thoracic = pose["thoracic_rotation"] - pose["thoracic_rotation"][0]
    assert np.all(np.diff(turn) < 0)
    assert np.all(np.diff(twist) > 0) and np.all(np.diff(thoracic) > 0)
    kin = _landmarks(model, pose)
    across = kin.landmarks["hip_centre_r"] - kin.landmarks["hip_centre_l"]
    heading = np.degrees(np.arctan2(across[:, 0], across[:, 2]))  # positive: right side forward, turned left
    np.testing.assert_allclose(twist + thoracic, -(heading - heading[0]), rtol=0.1, atol=1e-9)
    mirrored = {**kwargs, "femoral_ir_l": rotation}
    if task != "double_stance":
        mirrored["task"] = "single_leg_squat_l"
    mirrored = kc.propagate(model, **mirrored)
    np.testing.assert_allclose(mirrored["lumbar_torsion"] - mirrored["lumbar_torsion"][0], -twist, atol=1e-6)
    np.testing.assert_allclose(mirrored["thoracic_rotation"] - mirrored["thoracic_rotation"][0], -thoracic, atol=1e-6)


@pytest.mark.parametrize("task", ["double_stance", "single_leg_squat_r"])
def test_right_knee_valgus_turns_the_pelvis_right(model, task):
    """Right knee valgus (tibiofemoral, the default measure): the model turns the pelvis right and the
    lumbar spine left on it (docs/model.md coupling table, −0.09 and −0.34 °/° pelvic rotation), with
    the other knee and femoral rotations held at zero or free."""
    kwargs = SQUAT if task != "double_stance" else {}
    for others in (HELD, {}):
        pose = kc.propagate(model, **{**others, **kwargs, "knee_valgus_r": np.linspace(0.0, 12.0, 4)})
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
