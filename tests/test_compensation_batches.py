"""Only the elements that lean go through the compensation search: an element's result does not
depend on the other elements of its batch or on the chunking."""

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


def test_chunks_with_and_without_compensation_line_up(model, monkeypatch):
    """A batch whose chunks differ in asking for a lean solves as one batch does, and its coupling
    ratios (the lean held where asked) are those of the elements alone."""
    import kinechain.posture.solver as solver

    shares = [0.0, 0.0, 1.0, 1.0]
    weak = {"gluteus_medius": 0.2, "gluteus_minimus": 0.2}
    whole = kc.propagate(model, task="single_stance_r", abductor_compensation=shares, strength=weak)
    monkeypatch.setattr(solver, "CHUNK", 2)
    chunked = kc.propagate(model, task="single_stance_r", abductor_compensation=shares, strength=weak)
    np.testing.assert_allclose(chunked.q, whole.q, atol=1e-9)
    ratios = kc.coupling(chunked, inputs=["knee_valgus_r"], outputs=["pelvic_obliquity"]).values[:, 0, 0]
    # equal inputs, solved from different starts (warm starts): equal to the solver's tolerance
    assert np.all(np.isfinite(ratios))
    np.testing.assert_allclose(ratios[[1, 3]], ratios[[0, 2]], rtol=1e-9)


def test_only_weak_abductors_move_the_lean(model):
    """Weak trunk muscles change the least-effort lean too, but the compensation is the shift that
    weak hip abductors cause: with typical abductors the lean is the posture principle's."""
    weak_trunk = {"abdominals": 0.3}
    pose = kc.propagate(model, task="single_stance_r", strength=weak_trunk, abductor_compensation=[0.0, 1.0])
    assert pose.converged.all()
    # the same lean, held (c = 1) or free (c = 0) as the deficit left is given way to
    np.testing.assert_allclose(pose["trunk_lateral_lean"][1], pose["trunk_lateral_lean"][0], atol=1e-5)


def test_a_lean_the_search_cannot_find_is_reported(model):
    """In a deep single-leg squat every held lean of the bracket stops joints at their limits and
    the effort has no minimum inside it: the lean is not held, and ``limit`` says so."""
    weak = {"gluteus_medius": 0.2, "gluteus_minimus": 0.2}
    pose = kc.propagate(model, task="single_leg_squat_r", knee_flexion=100.0, strength=weak, abductor_compensation=1.0)
    assert pose.converged.all() and "trunk_lateral_lean not reached" in pose.limit[0]
