"""The Lagrangian's curvature in the Newton–KKT Hessian: each constraint row type's second
derivatives against finite differences of its Jacobian, and the solution it leads to."""

import numpy as np
import pytest

import kinechain as kc
import kinechain.posture.kkt as kkt
from kinechain.body.topology import COORDINATES
from kinechain.posture.conditions import conditions

STEP = 1e-6  # rad, m: central differences, truncation ~ STEP² · third derivative
TASKS = {
    "single_stance_r": {"knee_valgus_r": 5.0, "femoral_ir_r": 3.0, "rearfoot_eversion_l": 2.0},
    "double_stance": {"knee_valgus_l": 4.0, "heel_lift_r": 20.0, "foot_wedge_l": 4.0, "rearfoot_eversion_r": 2.0},
    "forward_bend": {"knee_valgus_r": 5.0, "femoral_ir_l": 2.0, "rearfoot_eversion_r": 3.0},
    "single_leg_squat_l": {"knee_valgus_l": 3.0, "rearfoot_eversion_l": 2.0},
    "lift": {"load_mass": 10.0, "rearfoot_eversion_r": 3.0},
    "single_stance_l": {"knee_fppa_l": 6.0, "knee_fppa_r": -3.0},
}


def _rows(problem: kkt.Problem) -> dict[str, np.ndarray]:
    """Row indices of each constraint type, in the order of :func:`kkt.constraints`."""
    task = problem.cond.task
    rows, k = {}, 0

    def take(name, m):
        nonlocal k
        rows[name] = np.concatenate([rows.get(name, np.zeros(0, int)), np.arange(k, k + m)])
        k += m

    for _ in task.stance:
        take("foot point", 3)
        take("foot hinge", 2)
    take("gaze", 2)
    if task.bends:
        take("trunk roll and lumbopelvic rhythm", 2)
    take("centre of mass", 2)
    take("clinical angles", len(problem.targets))
    return rows


def _problem(model, task: str, n: int = 3, seed: int = 0):
    cond = conditions(model, task, TASKS[task]).take(np.zeros(n, dtype=int))
    problem = kkt.build_problem(cond)
    rng = np.random.default_rng(seed)
    q = model.neutral()[None] + rng.normal(0.0, 0.15, (n, model.neutral().size))
    return problem, q, rng


def _differences(gradient, q: np.ndarray) -> np.ndarray:
    """Symmetric part of the central-difference derivative (n, n_q, n_q) of ``gradient(q)`` (n, n_q)."""
    eye = np.eye(q.shape[1]) * STEP
    out = np.stack([(gradient(q + e) - gradient(q - e)) / (2 * STEP) for e in eye], axis=-1)
    return 0.5 * (out + out.transpose(0, 2, 1))


@pytest.mark.parametrize("task", list(TASKS))
def test_each_row_types_curvature_is_the_derivative_of_its_jacobian(model, task):
    problem, q, rng = _problem(model, task)
    c, _, frames = kkt.constraints(problem, q)
    for name, rows in _rows(problem).items():
        if rows.size == 0:
            continue
        lam = np.zeros(c.shape)
        lam[:, rows] = rng.normal(size=(q.shape[0], rows.size))

        def gradient(x, lam=lam):
            return np.einsum("nmc,nm->nc", kkt.constraints(problem, x)[1], lam)

        expected = _differences(gradient, q)
        springs = kkt.curvature(problem, frames, np.zeros(c.shape))
        got = kkt.curvature(problem, frames, lam) - springs
        # every row type is curved here (the rearfoot's eversion on the floor among the clinical
        # angles; a joint's own angles are linear in its coordinates), so the check means something
        assert np.abs(expected).max() > 1e-3, name
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6 * np.abs(expected).max(), err_msg=name)


@pytest.mark.parametrize("task", ["single_stance_r", "double_stance"])
def test_midtarsal_springs_curvature_completes_their_hessian(model, task):
    problem, q, _ = _problem(model, task, seed=1)
    c, _, frames = kkt.constraints(problem, q)

    def gradient(x):
        return kkt.foot_energy(problem, kkt.constraints(problem, x)[2])[0]

    expected = _differences(gradient, q)
    got = kkt.foot_energy(problem, frames)[1] + kkt.curvature(problem, frames, np.zeros(c.shape))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6 * np.abs(expected).max())


@pytest.mark.parametrize("angle", [2.0, 0.6, 0.07, 0.03, 1e-3])
def test_log_map_jacobian_derivative(angle):
    rng = np.random.default_rng(2)
    e = rng.normal(size=(4, 3))
    e *= angle / np.linalg.norm(e, axis=1, keepdims=True)
    h = 1e-6 * min(1.0, angle / 1e-3)
    expected = np.stack(
        [(kkt._log_jacobian_inv(e + h * u) - kkt._log_jacobian_inv(e - h * u)) / (2 * h) for u in np.eye(3)], axis=1
    )
    np.testing.assert_allclose(kkt._log_jacobian_inv_derivative(e), expected, rtol=0, atol=1e-6)


def _evaluations(monkeypatch) -> list:
    steps = []
    original = kkt._newton_step

    def recorded(problem, q, *args):
        out = original(problem, q, *args)
        steps.append(np.abs(out[0]).max(axis=1))
        return out

    monkeypatch.setattr(kkt, "_newton_step", recorded)
    return steps


@pytest.mark.parametrize("task", ["single_stance_r", "double_stance", "single_leg_squat_l", "lift", "single_stance_l"])
def test_curvature_changes_the_path_not_the_solution(model, monkeypatch, task):
    """Without the constraints' curvature the iteration converges (linearly) to the same postures."""
    rng = np.random.default_rng(3)
    inputs = {**TASKS[task], "femoral_ir_r" if task != "single_leg_squat_l" else "femoral_ir_l": rng.uniform(-8, 12, 6)}
    with_curvature = kc.propagate(model, task=task, **inputs)
    n_q = len(COORDINATES)
    monkeypatch.setattr(kkt, "curvature", lambda problem, frames, lam, *known: np.zeros((lam.shape[0], n_q, n_q)))
    without = kc.propagate(model, task=task, **inputs)
    assert with_curvature.converged.all() and without.converged.all()
    np.testing.assert_allclose(np.asarray(with_curvature.q), np.asarray(without.q), rtol=0, atol=5e-9)


def test_newton_steps_shrink_quadratically(model, monkeypatch):
    """Near the solution each step is of the order of the previous one squared (exact Hessian)."""
    steps = _evaluations(monkeypatch)
    rng = np.random.default_rng(4)
    kc.propagate(model, task="single_stance_r", knee_valgus_r=rng.uniform(-5, 12, 20), femoral_ir_r=3.0)
    pairs = [(a, b) for a, b in zip(steps, steps[1:], strict=False) if a.shape == b.shape]
    ratios = np.concatenate([b[(a > 1e-7) & (a < 1e-3)] / a[(a > 1e-7) & (a < 1e-3)] ** 2 for a, b in pairs])
    assert ratios.size > 10
    # a linear rate of 1/50 (the iteration without the constraints' curvature) gives 2e-2 / step > 20
    assert ratios.max() < 20.0
