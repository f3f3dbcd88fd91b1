"""Equilibrium, symmetry and force sharing of the statics."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import lsq_linear, minimize
from strategies import paired, postures

import kinechain as kc
from kinechain.body.anthropometry import GRAVITY
from kinechain.body.chain import ANCESTORS, body_frames
from kinechain.body.topology import BODIES
from kinechain.mechanics.external import (
    equilibrium_axes,
    external_loads,
    ground_reaction,
    hand_load_point,
    joint_loads,
    muscle_joint_moments,
    pelvis_residual,
)
from kinechain.mechanics.kinematics import coordinate_array
from kinechain.mechanics.muscles import path_geometry, path_points
from kinechain.mechanics.sharing import share_forces
from kinechain.statics import equilibrium_labels


@settings(max_examples=20)
@given(q=postures(n=3), stance=st.sampled_from([("r", "l"), ("r",), ("l",)]), load=st.floats(0.0, 30.0))
def test_whole_body_equilibrium_and_pelvis_closure(model, q, stance, load):
    frames = body_frames(model.p, coordinate_array(q))
    loads = external_loads(model, frames, load, 0.4)
    grf = ground_reaction(model, frames, stance, loads)
    total = sum(grf.force.values())
    np.testing.assert_allclose(total[:, [0, 2]], 0.0, atol=1e-9)
    # moment balance: the ground's vertical forces act, together, under the centre of mass,
    # computed here from the segment masses and the hand load directly
    mass, moment = load, load * hand_load_point(frames, np.full(3, 0.4))
    for element in model.masses:
        b = model.bodies.index(element.body)
        mass += element.mass
        moment = moment + element.mass * (frames.origins[:, b] + frames.rotations[:, b] @ np.asarray(element.com))
    com = moment / mass
    np.testing.assert_allclose(total[:, 1], mass * GRAVITY, rtol=1e-12)
    cop = sum(grf.force[s][:, 1:2] * grf.cop[s] for s in stance) / total[:, 1:2]
    np.testing.assert_allclose(cop[:, [0, 2]], com[:, [0, 2]], atol=1e-9)
    # bottom-up (legs, from the ground) and top-down (lumbar, from the trunk) meet at the pelvis
    force, moment = pelvis_residual(model, frames, loads, joint_loads(frames, loads, grf))
    np.testing.assert_allclose(force, 0.0, atol=1e-9)
    np.testing.assert_allclose(moment, 0.0, atol=1e-9)


def _sharing_reference(a, tau, p, reserve_scale):
    """Per-pose reference solution with scipy.

    p = 2: eliminating the reserves (ρ = τ − A a) leaves a bounded linear least-squares problem,
    solved exactly by ``lsq_linear`` (BVLS). p = 3: SLSQP.
    """
    m, d = a.shape[1], a.shape[0]
    if p == 2:
        stacked = np.vstack([a / reserve_scale, np.eye(m)])
        target = np.r_[tau / reserve_scale, np.zeros(m)]
        act = lsq_linear(stacked, target, bounds=(0.0, 1.0), method="bvls", tol=1e-14).x
        return act, tau - a @ act

    def cost(x):
        return np.sum(x[:m] ** p) + np.sum(x[m:] ** 2)

    cons = {"type": "eq", "fun": lambda x: a @ x[:m] + reserve_scale * x[m:] - tau}
    x0 = np.r_[np.full(m, 0.1), np.zeros(d)]
    res = minimize(
        cost,
        x0,
        method="SLSQP",
        bounds=[(0, 1)] * m + [(None, None)] * d,
        constraints=[cons],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    # the reserves that balance SLSQP's activations exactly (its equality holds only to ~1e-4)
    return res.x[:m], tau - a @ res.x[:m]


def _kkt_violation(a, tau, act, exponent, reserve_scale):
    """Largest violation of the optimality conditions of ``min Σ aᵖ + |τ − A a|²/R²``, 0 ≤ a ≤ 1."""
    grad = exponent * act ** (exponent - 1) - 2 * a.T @ (tau - a @ act) / reserve_scale**2
    free = (act > 1e-9) & (act < 1 - 1e-9)
    return max(
        np.abs(grad[free]).max(initial=0.0),
        -grad[act <= 1e-9].min(initial=0.0),
        grad[act >= 1 - 1e-9].max(initial=0.0),
    ) / (1 + np.abs(2 * a.T @ tau / reserve_scale**2).max())


@pytest.mark.parametrize("reserve_scale", [1.0, 0.01])
@pytest.mark.parametrize("exponent", [2, 3])
@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1))
def test_batched_force_sharing_matches_reference_solver(exponent, reserve_scale, seed):
    rng = np.random.default_rng(seed)
    n, d, m = 4, 4, 9
    a = rng.normal(0.0, 60.0, (n, d, m)) * (rng.random((n, d, m)) < 0.6)
    tau = rng.normal(0.0, 40.0, (n, d))
    act, reserve, ok = share_forces(a, tau, reserve_scale=reserve_scale, exponent=exponent)
    assert ok.all()
    for i in range(n):
        ref_a, ref_r = _sharing_reference(a[i], tau[i], exponent, reserve_scale)
        cost = np.sum(act[i] ** exponent) + np.sum((reserve[i] / reserve_scale) ** 2)
        ref_cost = np.sum(ref_a**exponent) + np.sum((ref_r / reserve_scale) ** 2)
        if exponent == 2 and _kkt_violation(a[i], tau[i], ref_a, 2, reserve_scale) < 1e-9:
            # the exact reference where it reached the optimum: agreement to 1e-6 (activations are
            # determined only to ~1e-6 when reserves cost 1e4 times more, R = 0.01)
            np.testing.assert_allclose(act[i], ref_a, rtol=1e-6, atol=1e-9 / reserve_scale**2)
            np.testing.assert_allclose(reserve[i], ref_r, rtol=1e-6, atol=1e-7 * (1 + np.abs(tau[i]).max()))
        # never worse than the reference (SLSQP's accuracy, or BVLS stopping short); the cubic cost
        # under a heavy reserve penalty is as precise as the rounding of Aᵀ(τ − A a) allows
        precision = 1e-6 if exponent == 2 or reserve_scale == 1.0 else 1e-4
        assert cost <= ref_cost * (1 + precision) + 1e-9
    # equilibrium to 1e-9 of the largest demand, or to the rounding of Aᵀλ (λ = 2ρ/R²)
    lam = 2 * np.abs(reserve) / reserve_scale**2
    rounding = 16 * np.finfo(float).eps * np.einsum("ndm,nem,ne->nd", np.abs(a), np.abs(a), lam)
    residual = np.abs(np.einsum("ndm,nm->nd", a, act) + reserve - tau)
    assert np.all(residual <= 1e-9 * (1 + np.abs(tau).max(axis=1, keepdims=True)) + rounding)


PREVIOUS = Path(__file__).parent / "data" / "force_sharing" / "problems.npz"


def test_force_sharing_agrees_with_the_previous_solver_on_model_problems():
    """The model's own problems (tests/data/force_sharing): the same optimum as the interior point
    + dual Newton solver that preceded the active-set one, to 1e-6 of an activation's range and of
    the largest demand, at the model's reserve scale and a ten times heavier penalty."""
    data = np.load(PREVIOUS)
    a, tau = data["a"], data["tau"]
    for k, reserve_scale in enumerate(data["reserve_scale"]):
        act, reserve, ok = share_forces(a, tau, reserve_scale=reserve_scale)
        both = ok & data[f"converged_{k}"]
        assert both.all()
        np.testing.assert_allclose(act, data[f"activation_{k}"], rtol=0, atol=1e-6)
        scale = np.abs(tau).max(axis=1, keepdims=True)
        assert np.all(np.abs(reserve - data[f"reserve_{k}"]) <= 1e-6 * scale)
    assert np.abs(data["reserve_0"]).max() > 5.0  # some elements lean on the reserves heavily


# optimality reached: to 1e-9 at the model's reserve scale; at R = 1e-4 N·m the D × D systems of
# the active set have condition numbers near |A|²/R² ~ 1e13, and their rounding shows in the gradient
@pytest.mark.parametrize(("reserve_scale", "optimality"), [(1.0, 1e-9), (0.01, 1e-9), (1e-4, 1e-6)])
def test_batched_and_dual_active_set_stages_reach_the_same_optimum(monkeypatch, reserve_scale, optimality):
    """Every element solved by the batched active set alone, and by ``daqp`` (finished on its active
    set) alone, satisfies the optimality conditions however heavily the reserves are penalized, and
    the two agree."""
    from kinechain.mechanics import sharing

    data = np.load(PREVIOUS)
    a, tau = data["a"], data["tau"]
    batched, settled = sharing._active_set(a, tau, reserve_scale**2, 1e-9, np.zeros(a.shape[::2]), 40)
    monkeypatch.setattr(sharing, "MAX_ACTIVE_SET_ITERATIONS", 0)
    act, _, ok = share_forces(a, tau, reserve_scale=reserve_scale)
    assert ok.all() and settled.sum() >= len(a) // 2
    for i in range(len(a)):
        assert _kkt_violation(a[i], tau[i], act[i], 2, reserve_scale) < optimality
    np.testing.assert_allclose(batched[settled], act[settled], rtol=0, atol=1e-8)


def test_elements_left_unsettled_keep_daqps_activations_and_say_so(monkeypatch):
    from kinechain.mechanics import sharing

    data = np.load(PREVIOUS)
    monkeypatch.setattr(sharing, "MAX_ACTIVE_SET_ITERATIONS", 0)
    monkeypatch.setattr(sharing, "POLISH_ITERATIONS", 0)
    act, reserve, ok = share_forces(data["a"], data["tau"], reserve_scale=sharing.RESERVE_SCALE)
    assert not ok.any()
    np.testing.assert_allclose(act, data["activation_0"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(reserve, data["tau"] - np.einsum("ndm,nm->nd", data["a"], act), rtol=0, atol=1e-12)


def test_other_exponents_are_refused():
    with pytest.raises(ValueError, match="exponent must be 2 or 3"):
        share_forces(np.ones((1, 1, 1)), np.ones((1, 1)), exponent=4)


def test_force_sharing_on_model_problem(model):
    pose = kc.propagate(model, knee_valgus_r=paired([0.0, 8.0]), femoral_ir_l=paired([0.0, 5.0]))
    loads = kc.statics(pose)
    assert loads["feasible"].all()
    assert np.abs(loads["reserve_moment"]).max() < 1e-3


def test_symmetric_double_stance_has_no_torsion_or_lateral_shear(model):
    valgus, rotation = paired([3.0, 8.0]), paired([2.0, -4.0])
    pose = kc.propagate(model, knee_valgus_r=valgus, knee_valgus_l=valgus, femoral_ir_r=rotation, femoral_ir_l=rotation)
    loads = kc.statics(pose)
    for level in ("l5s1", "l4l5"):
        for q in ("torsion_moment", "lateral_bending_moment", "shear_lateral"):
            np.testing.assert_allclose(loads[f"{level}_{q}"], 0.0, atol=1e-6, err_msg=q)


def test_mirrored_inputs_mirror_lateral_and_axial_loads(model):
    a = kc.statics(kc.propagate(model, knee_valgus_r=9.0, knee_valgus_l=2.0, femoral_ir_r=6.0, femoral_ir_l=-1.0))
    b = kc.statics(kc.propagate(model, knee_valgus_r=2.0, knee_valgus_l=9.0, femoral_ir_r=-1.0, femoral_ir_l=6.0))
    for level in ("l5s1", "l4l5"):
        for q, sign in (
            ("compression", 1),
            ("shear_ap", 1),
            ("shear_lateral", -1),
            ("torsion_moment", -1),
            ("flexion_moment", 1),
            ("lateral_bending_moment", -1),
        ):
            np.testing.assert_allclose(b[f"{level}_{q}"], sign * a[f"{level}_{q}"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(a["hip_contact_force_r"], b["hip_contact_force_l"], rtol=1e-6)


def test_compression_and_moments_rise_with_trunk_flexion_and_load(model):
    bend = kc.statics(kc.propagate(model, task="forward_bend", trunk_flexion=[0.0, 15.0, 30.0, 45.0, 60.0]))
    assert np.all(np.diff(bend["l5s1_compression"]) > 0)
    # gravity flexes the inclined trunk: what holds it is an extending (negative) net moment that grows,
    # and the flexed lumbar tissues carry a growing part of it (passive, positive on the extension row)
    assert np.all(bend["l5s1_flexion_moment"][1:] < 0) and np.all(np.diff(bend["l5s1_flexion_moment"]) < 0)
    row = equilibrium_labels().index("l5s1_flexion_extension")
    assert np.all(np.diff(bend["passive_moment"][:, row]) > 0)
    assert np.all(bend["passive_moment"][1:, row] < bend["net_moment"][1:, row])
    # and its size is the lumbar motion segment's (Schmidt et al. 1998: flexion 1.8 N·m/deg × 1.91 for
    # preload, data/passive.toml) at the level's share of the flexion, five segments in series
    flexion = -np.radians(bend.pose["lumbar_extension"][2:])
    np.testing.assert_allclose(bend["passive_moment"][2:, row], 1.8 * 1.91 * np.degrees(flexion / 5), rtol=0.06)
    lift = kc.statics(
        kc.propagate(model, task="lift", trunk_flexion=45.0, load_mass=[0.0, 5.0, 10.0, 20.0], load_distance=0.4),
    )
    assert np.all(np.diff(lift["l5s1_compression"]) > 0)


def test_weak_erector_spinae_shifts_force_before_reserves(model):
    strength = np.array([1.0, 0.5, 0.2, 0.02])
    pose = kc.propagate(
        model,
        task="lift",
        trunk_flexion=45.0,
        load_mass=20.0,
        load_distance=0.4,
        strength={"erector_spinae": strength},
    )
    loads = kc.statics(pose)
    es = model.muscles.group_indices("erector_spinae")
    mf = model.muscles.group_indices("multifidus")
    assert np.all(np.diff(loads["muscle_force"][:, es].sum(axis=1)) < 0)
    assert np.all(np.diff(loads["muscle_force"][:, mf].sum(axis=1)) >= 0)
    reserves = np.abs(loads["reserve_moment"]).max(axis=1)
    assert reserves[0] < 1e-3 and reserves[1] < 1e-3  # others cope
    assert reserves[-1] > 1.0 and not loads["feasible"][-1]  # too weak: it says so


MODEL_PROBLEMS = {
    "double stance, valgus": {"knee_valgus_r": paired([0.0, 6.0, 12.0]), "femoral_ir_l": paired([0.0, 4.0, -4.0])},
    "single stance, weak hip abductors": {
        "task": "single_stance_r",
        "strength": {"gluteus_medius": paired([1.0, 0.3, 0.05]), "gluteus_minimus": paired([1.0, 0.3, 0.05])},
    },
    "squat": {"task": "single_leg_squat_r", "knee_flexion": paired([20.0, 40.0, 60.0])},
    "lift, weak erector spinae": {
        "task": "lift",
        "trunk_flexion": 45.0,
        "load_mass": 25.0,
        "strength": {"erector_spinae": paired([1.0, 0.3, 0.05])},
    },
}


@pytest.mark.parametrize("case", list(MODEL_PROBLEMS))
def test_force_sharing_of_model_problems_matches_the_exact_solver(model, monkeypatch, case):
    """The model's own problems (every muscle, R = RESERVE_SCALE), as the posture solve and
    statics() pose them, against scipy's bounded least squares, the exact solution of the quadratic
    cost."""
    from kinechain.mechanics import sharing

    seen = []

    def record(a, tau, **kwargs):
        out = share_forces(a, tau, **kwargs)
        seen.append((a, tau, kwargs, out))
        return out

    monkeypatch.setattr(sharing, "share_forces", record)
    pose = kc.propagate(model, **MODEL_PROBLEMS[case])
    assert pose.converged.all()
    kc.statics(pose)
    # reserves where weak muscles cannot hold the posture
    assert any((np.abs(out[1]).max(axis=1) > 1.0).any() for *_, out in seen) == case.startswith(("single", "lift"))
    for a, tau, kwargs, (act, reserve, ok) in seen:
        assert kwargs["reserve_scale"] == sharing.RESERVE_SCALE and a.shape[2] == len(model.muscles)
        assert ok.all()
        for i in range(a.shape[0]):
            ref_a, ref_r = _sharing_reference(a[i], tau[i], 2, sharing.RESERVE_SCALE)
            cost = np.sum(act[i] ** 2) + np.sum((reserve[i] / sharing.RESERVE_SCALE) ** 2)
            ref_cost = np.sum(ref_a**2) + np.sum((ref_r / sharing.RESERVE_SCALE) ** 2)
            assert cost <= ref_cost * (1 + 1e-12)
            # where reserves of newtons-metres dominate the cost, activations are fixed only to ~1e-4
            # in double precision (their part of the cost is below its rounding), in either solver
            held = np.abs(ref_r).max() <= sharing.RESERVE_LIMIT
            np.testing.assert_allclose(act[i], ref_a, atol=1e-6 if held else 1e-4)
            np.testing.assert_allclose(reserve[i], ref_r, atol=1e-7 * (1 + np.abs(tau[i]).max()))


def test_disc_moments_balance_the_weight_above_the_level(model):
    """Top-down: the level's net moment on the upper body equals minus the moment of everything
    above it (trunk weight, hand load) about the joint centre, and its disc-frame parts recompose it."""
    pose = kc.propagate(model, task="lift", trunk_flexion=[10.0, 40.0], load_mass=8.0, load_distance=0.35)
    loads = kc.statics(pose)
    frames = pose.frames
    labels = equilibrium_labels()
    weights = external_loads(model, frames, pose.conditions.load_mass, pose.conditions.load_distance)
    for level, vertebra, disc_body in (("l5s1", "L5", "sacrum"), ("l4l5", "L4", "L5")):
        centre = frames.origins[:, BODIES.index(vertebra)]
        above = np.isin(
            weights.body, [BODIES.index(b) for b in BODIES[BODIES.index(vertebra) : BODIES.index("thorax") + 1]]
        )
        external = np.cross(weights.point[:, above] - centre[:, None], weights.force[:, above]).sum(axis=1)
        disc = frames.rotations[:, BODIES.index(disc_body)]
        rows = [labels.index(f"{level}_{axis}") for axis in ("lateral_bending", "axial_torsion", "flexion_extension")]
        parts = loads["net_moment"][:, rows]
        np.testing.assert_allclose(np.einsum("nij,nj->ni", disc, parts), -external, atol=1e-9)
        # the level's net moment outputs are the same moment in the disc frame (flexion positive flexing)
        net = parts
        np.testing.assert_allclose(loads[f"{level}_lateral_bending_moment"], net[:, 0], atol=1e-9)
        np.testing.assert_allclose(loads[f"{level}_torsion_moment"], net[:, 1], atol=1e-9)
        np.testing.assert_allclose(loads[f"{level}_flexion_moment"], -net[:, 2], atol=1e-9)


_TASK_INPUTS = {
    "double_stance": {},
    "single_stance_r": {},
    "single_stance_l": {},
    "single_leg_squat_r": {"knee_flexion": 45.0},
    "single_leg_squat_l": {"knee_flexion": 30.0},
    "forward_bend": {"trunk_flexion": 30.0},
    "lift": {"trunk_flexion": 40.0, "load_mass": 10.0, "load_distance": 0.35},
}


def _from_below(model, frames, stance, weights, tension):
    """Per lumbar level, the force and moment (about the joint centre) of everything acting on the chain
    BELOW it: the external loads (segment weights, ground reaction) and, apart, the pull of every muscle at
    its path points on those segments. Independent of the top-down evaluation of the statics."""
    grf = ground_reaction(model, frames, stance, weights)
    body = model.muscles.point_body
    points, grad, _ = path_points(model.muscles, frames)
    out = {}
    for level, vertebra in (("l5s1", "L5"), ("l4l5", "L4")):
        k = BODIES.index(vertebra)
        centre = frames.origins[:, k]
        upper = np.array([k in ANCESTORS[b] for b in range(len(BODIES))])
        below = ~upper[weights.body]
        force = weights.force[:, below].sum(axis=1)
        moment = np.cross(weights.point[:, below] - centre[:, None], weights.force[:, below]).sum(axis=1)
        for side in grf.force:
            force = force + grf.force[side]
            moment = moment + np.cross(grf.point[side] - centre, grf.force[side]) + grf.moment[side]
        on_lower = (body >= 0) & ~upper[np.where(body >= 0, body, 0)]  # (M, P)
        pull = -tension[:, :, None, None] * grad * on_lower[None, :, :, None]  # (n, M, P, 3)
        pull_moment = np.cross(points - centre[:, None, None], pull).sum(axis=(1, 2))
        out[level] = (force, moment, pull.sum(axis=(1, 2)), pull_moment)
    return out


@settings(max_examples=12)
@given(
    task=st.sampled_from(list(_TASK_INPUTS)),
    valgus=st.lists(st.floats(-6.0, 10.0), min_size=3, max_size=3),
    rotation=st.lists(st.floats(-8.0, 8.0), min_size=3, max_size=3),
    strength=st.lists(st.floats(0.1, 1.5), min_size=3, max_size=3),
    group=st.sampled_from(["gluteus_medius", "erector_spinae", "hip_external_rotators", "quadriceps", "abdominals"]),
)
def test_muscle_passive_and_reserve_moments_add_up_to_the_net_moment(model, task, valgus, rotation, strength, group):
    """One story: at every equilibrium coordinate muscle + passive + reserve = net; and every lumbar load
    output is the same evaluated bottom-up (from the ground, through the legs and pelvis) as top-down."""
    side = "l" if task.endswith("_l") else "r"
    inputs = {f"knee_valgus_{side}": paired(valgus), f"femoral_ir_{side}": paired(rotation)}
    pose = kc.propagate(model, task=task, strength={group: paired(strength)}, **inputs, **_TASK_INPUTS[task])
    ok = pose.converged
    loads = kc.statics(pose)
    net, muscle, passive, reserve = (loads[f"{k}_moment"][ok] for k in ("net", "muscle", "passive", "reserve"))
    np.testing.assert_allclose(muscle + passive + reserve, net, atol=1e-7 * (1.0 + np.abs(net).max()))
    # the muscle moments are those of the reported muscle forces
    frames, cond = pose.frames, pose.conditions
    geometry = path_geometry(model.muscles, frames)
    tension = loads["muscle_force"]
    np.testing.assert_allclose(
        np.einsum("ndm,nm->nd", muscle_joint_moments(geometry, equilibrium_axes(frames)), tension)[ok],
        muscle,
        rtol=1e-9,
        atol=1e-9,
    )
    # bottom-up against top-down
    weights = external_loads(model, frames, cond.load_mass, cond.load_distance)
    below = _from_below(model, frames, cond.task.stance, weights, np.nan_to_num(tension))
    labels = equilibrium_labels()
    for level, disc_body in (("l5s1", "sacrum"), ("l4l5", "L5")):
        force, moment, pull, pull_moment = (
            np.einsum("nji,nj->ni", frames.rotations[:, BODIES.index(disc_body)], v)[ok] for v in below[level]
        )
        # the lower chain is in equilibrium: the joint reaction on the upper body is what acts on the lower chain
        reaction, reaction_moment = force + pull, moment + pull_moment
        tol = 1e-6 * (1 + np.abs(reaction).max())
        np.testing.assert_allclose(loads[f"{level}_compression"][ok], reaction[:, 1], atol=tol)
        np.testing.assert_allclose(loads[f"{level}_shear_ap"][ok], -reaction[:, 0], atol=tol)
        np.testing.assert_allclose(loads[f"{level}_shear_lateral"][ok], -reaction[:, 2], atol=tol)
        # the level's net moment: the external loads below
        np.testing.assert_allclose(loads[f"{level}_lateral_bending_moment"][ok], moment[:, 0], atol=tol)
        np.testing.assert_allclose(loads[f"{level}_torsion_moment"][ok], moment[:, 1], atol=tol)
        np.testing.assert_allclose(loads[f"{level}_flexion_moment"][ok], -moment[:, 2], atol=tol)
        # net and muscle moments on the disc axes: the external loads below, and minus the muscles' pull below;
        # what neither carries (the joint reaction's moment) is the level's passive moment plus any reserve
        rows = [labels.index(f"{level}_{axis}") for axis in ("lateral_bending", "axial_torsion", "flexion_extension")]
        np.testing.assert_allclose(net[:, rows], moment, atol=tol)
        np.testing.assert_allclose(muscle[:, rows], -pull_moment, atol=tol)
        np.testing.assert_allclose(passive[:, rows] + reserve[:, rows], reaction_moment, atol=tol)


def test_statics_reuses_the_solve_s_force_sharing_only_where_it_is_its_own(model):
    """Statics takes the posture solve's force sharing where it was computed at the solved posture
    with typical tightness and the quadratic cost, and computes it elsewhere: the loads are those
    of a statics that computes every element."""
    pose = kc.propagate(
        model,
        task="single_stance_r",
        knee_valgus_r=paired([0.0, 8.0, 4.0, 10.0]),
        strength={"gluteus_medius": paired([1.0, 1.0, 0.05, 0.8]), "gluteus_minimus": paired([1.0, 1.0, 0.05, 0.8])},
        tightness={"hip_adductors": paired([0.0, 0.05, 0.0, 0.0])},
    )
    assert pose.sharing_at_q.tolist() == [True, False, False, True]  # tight; too weak to hold
    fresh = dataclasses.replace(pose, sharing=None, sharing_at_q=np.zeros(4, dtype=bool))
    for exponent in (2, 3):
        reused, computed = kc.statics(pose, exponent).outputs(), kc.statics(fresh, exponent).outputs()
        for name, value in computed.items():
            np.testing.assert_allclose(reused[name], value, rtol=1e-12, atol=1e-12, err_msg=name)
