"""The generated numpy code against the sympy derivation it comes from."""

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import sympy.physics.mechanics as me

from kinechain.body import _generated_kinematics as generated
from kinechain.body import symbolic
from kinechain.body.chain import body_frames
from kinechain.body.topology import BODIES, COORDINATES
from kinechain.mechanics import _generated_curves


@pytest.fixture(scope="module")
def chain():
    return symbolic.derive()


def _plain(chain):
    q = sp.symbols(" ".join(f"q{i}" for i in range(len(COORDINATES))))
    return q, dict(zip(chain.q, q, strict=True))


def test_generated_local_joints_match_derivation(chain, model):
    q_plain, subs = _plain(chain)
    exprs = [me.msubs(e, subs) for e in symbolic.expressions(chain, simplify=False)]
    direct = sp.lambdify([q_plain, chain.p], exprs, modules="numpy")
    rng = np.random.default_rng(0)
    for _ in range(3):
        q = rng.uniform(-0.8, 0.8, len(COORDINATES))
        expected = np.array([np.broadcast_to(v, ()) for v in direct(q, model.p)], dtype=float)
        np.testing.assert_allclose(generated.local_joints(q, model.p).ravel(), expected, atol=1e-12)


@pytest.mark.parametrize("body", ["calcn_r", "calcn_l", "L1"])
def test_composed_positions_match_sympy_ground_expressions(chain, model, body):
    q_plain, subs = _plain(chain)
    r = chain.origins[body].pos_from(chain.origin)
    exprs = [me.msubs(r.dot(axis), subs) for axis in (chain.ground.x, chain.ground.y, chain.ground.z)]
    direct = sp.lambdify([q_plain, chain.p], exprs, modules="numpy")
    rng = np.random.default_rng(1)
    q = rng.uniform(-0.6, 0.6, (4, len(COORDINATES)))
    frames = body_frames(model.p, q)
    for n in range(4):
        np.testing.assert_allclose(frames.origins[n, BODIES.index(body)], direct(q[n], model.p), atol=1e-12)


def test_generated_module_sizes():
    assert generated.N_COORDINATES == len(COORDINATES)
    assert generated.N_PARAMETERS == len(symbolic.parameter_names())
    assert generated.N_BODIES == len(BODIES)


def test_generated_modules_equal_what_the_derivation_writes():
    assert Path(generated.__file__).read_text() == symbolic.generate_source()
    assert Path(_generated_curves.__file__).read_text() == symbolic.generate_curves_source()


def test_generated_force_length_curves_match_sympy():
    x = np.linspace(0.3, 1.8, 31)
    for name, expr in symbolic.force_length_curves().items():
        direct = sp.lambdify(sorted(expr.free_symbols, key=str), expr, "numpy")
        np.testing.assert_allclose(getattr(_generated_curves, name)(x), direct(x), rtol=1e-14)
