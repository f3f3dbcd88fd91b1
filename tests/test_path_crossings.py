"""Loads of the muscle paths on each body and everything distal to it, kept only for the muscles
crossing the body's joint, equal the sums over every distal path point."""

import numpy as np
from hypothesis import given, settings
from strategies import postures

from kinechain.body.chain import body_frames
from kinechain.body.topology import BODIES
from kinechain.mechanics.kinematics import coordinate_array
from kinechain.mechanics.muscles import path_geometry, path_points


@settings(max_examples=10)
@given(q=postures(n=3))
def test_crossing_loads_are_the_sums_over_distal_points(model, q):
    """A path wholly on one side of a joint pulls the distal side with zero net force and moment."""
    frames = body_frames(model.p, coordinate_array(q))
    geometry = path_geometry(model.muscles, frames)
    bodies = list(range(len(BODIES)))
    distal = model.muscles.distal  # (K, M, P)
    points, grad, length = path_points(model.muscles, frames)
    np.testing.assert_allclose(geometry.length, length, rtol=1e-12)
    pull = -grad  # (n, M, P, 3) per newton of tension
    arm = points[:, None] - frames.origins[:, :, None, None, :]  # (n, K, M, P, 3)
    force = np.einsum("kmp,nmpi->nkmi", distal, pull)
    moment = np.einsum("kmp,nkmpi->nkmi", distal, np.cross(arm, pull[:, None]))
    np.testing.assert_allclose(geometry.distal_force(bodies), force, rtol=0, atol=1e-12)
    np.testing.assert_allclose(geometry.distal_moment(bodies), moment, rtol=0, atol=1e-12)
