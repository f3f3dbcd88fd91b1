"""Only the elements that lean go through the compensation rounds: an element's result does not
depend on the other elements of its batch."""

import numpy as np

import kinechain as kc


def test_mixed_batch_equals_elements_alone(model):
    """Equal to the solver's tolerances (Newton steps end below 1e-9 rad), as any element of any batch."""
    shares = np.array([0.0, 0.6, 0.0, 1.0])
    weak = {group: 0.1 for group in ("gluteus_medius", "gluteus_minimus", "tfl", "gluteus_maximus")}
    batch = kc.propagate(model, task="single_stance_r", abductor_compensation=shares, strength=weak)
    loads = kc.statics(batch)
    assert batch.converged.all()
    for i, share in enumerate(shares):
        alone = kc.propagate(model, task="single_stance_r", abductor_compensation=share, strength=weak)
        for name in ("trunk_lateral_lean", "pelvic_obliquity", "hip_adduction_r", "lumbar_lateral_bending"):
            np.testing.assert_allclose(batch[name][i], alone[name], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(batch.deficit[i], alone.deficit[0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(loads["l5s1_compression"][i], kc.statics(alone)["l5s1_compression"], rtol=1e-6)
    # the lean is what tells the elements apart: none without compensation, most at full
    lean = batch["trunk_lateral_lean"]
    assert lean[0] == lean[2] and abs(lean[3]) > abs(lean[1]) > abs(lean[0])


def test_no_lean_asked_is_no_limit(model):
    """An element of a compensating batch that asks for no lean reports no limit for it."""
    pose = kc.propagate(model, task="single_stance_r", abductor_compensation=[0.0, 1.0])
    assert pose.limit.tolist() == ["", ""]
    assert not pose.released.any()
