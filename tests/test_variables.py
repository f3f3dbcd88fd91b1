"""One declaration of inputs and outputs, one batch-shape rule, and refusals before allocation."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from strategies import paired

import kinechain as kc
from kinechain.variables import INPUTS, LOAD_OUTPUTS, OUTPUTS, POSTURE_OUTPUTS, attributes

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "generate_docs.py"


@pytest.fixture(scope="module")
def dataset(model):
    return kc.simulate(model, task="single_leg_squat_r", knee_valgus_r=5.0, strength={"gluteus_medius": [0.5, 1.0]})


def test_every_simulate_variable_carries_the_declared_units_and_long_name(dataset):
    assert set(dataset.data_vars) == set(OUTPUTS)
    for name, var in dataset.data_vars.items():
        assert var.attrs == OUTPUTS[name].attrs, name
        assert var.attrs["long_name"] and "units" in var.attrs
    assert dataset["strength_gluteus_medius"].attrs == attributes("strength_gluteus_medius")


def test_pose_and_loads_datasets_are_the_two_halves_of_simulate(model):
    pose = kc.propagate(model, knee_valgus_r=[0.0, 6.0])
    loads = kc.statics(pose)
    both = xr.merge([pose.to_dataset(), loads.to_dataset()])
    ds = kc.simulate(model, knee_valgus_r=[0.0, 6.0])
    xr.testing.assert_identical(both.drop_attrs(), ds.drop_attrs())
    assert set(pose.to_dataset().data_vars) == {*POSTURE_OUTPUTS, "converged", "reason", "limit"}
    assert set(loads.to_dataset().data_vars) == set(LOAD_OUTPUTS)


def test_docs_list_exactly_the_declared_names():
    spec = importlib.util.spec_from_file_location("generate_docs", TOOLS)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for path, text in tool.generated().items():
        assert path.read_text() == text, f"{path.name} is out of date: run python tools/generate_docs.py"
    conventions = (Path(__file__).resolve().parents[1] / "docs" / "conventions.md").read_text()
    for name in [*INPUTS, *OUTPUTS]:
        assert f"`{name}`" in conventions, name


def test_inputs_sharing_a_dimension_are_paired_not_crossed(model):
    rng = np.random.default_rng(7)
    valgus, rotation = rng.uniform(-8.0, 12.0, 1000), rng.uniform(-8.0, 12.0, 1000)
    pose = kc.propagate(model, knee_valgus_r=paired(valgus), femoral_ir_r=paired(rotation))
    assert pose.batch.dims == ("sample",) and pose.shape == (1000,)
    ds = pose.to_dataset()
    assert dict(ds.sizes) == {"sample": 1000}
    np.testing.assert_array_equal(ds["femoral_ir_r"].values, rotation)  # inputs kept as coordinates
    for i in rng.choice(1000, 6, replace=False):
        one = kc.propagate(model, knee_valgus_r=valgus[i], femoral_ir_r=rotation[i])
        np.testing.assert_allclose(pose.q[i], one.q[0], atol=1e-10)
        np.testing.assert_allclose(pose["lumbar_torsion"][i], one["lumbar_torsion"], atol=1e-10)


def test_plain_arrays_form_a_grid(model):
    ds = kc.simulate(model, knee_valgus_r=[0.0, 5.0, 10.0], femoral_ir_r=[0.0, 4.0])
    # an input named like an output labels its dimension <name>_input; the output keeps its name
    assert ds["lumbar_torsion"].dims == ("knee_valgus_r_input", "femoral_ir_r")
    np.testing.assert_allclose(ds["knee_valgus_r"].isel(femoral_ir_r=0), [0.0, 5.0, 10.0], atol=1e-7)
    assert ds["knee_valgus_r"].attrs == OUTPUTS["knee_valgus_r"].attrs
    assert ds["knee_valgus_r_input"].attrs == INPUTS["knee_valgus_r"].attrs
    one = kc.simulate(model, knee_valgus_r=10.0, femoral_ir_r=4.0)
    sel = ds["lumbar_torsion"].sel(knee_valgus_r_input=10.0, femoral_ir_r=4.0)
    np.testing.assert_allclose(sel, one["lumbar_torsion"])
    ratios = kc.coupling(kc.propagate(model, knee_valgus_r=[0.0, 5.0, 10.0], femoral_ir_r=[0.0, 4.0]))
    assert ratios.dims == ("knee_valgus_r_input", "femoral_ir_r", "output", "input")


def test_simulate_takes_a_model_or_a_subject_first(model):
    by_model = kc.simulate(model, knee_valgus_r=4.0)
    by_subject = kc.simulate(kc.Subject(), knee_valgus_r=4.0)
    np.testing.assert_allclose(by_model["l5s1_compression"], by_subject["l5s1_compression"], rtol=1e-12)
    with pytest.raises(ValueError, match="model must be a kinechain.Model, a kinechain.Subject or None"):
        kc.simulate("default")


def test_a_result_too_large_for_memory_is_refused_before_it_is_allocated(model):
    axis = np.linspace(0.0, 10.0, 100)
    with pytest.raises(MemoryError, match=r"100,000,000 elements .* GiB"):
        kc.simulate(model, knee_valgus_r=axis, femoral_ir_r=axis, knee_valgus_l=axis, femoral_ir_l=axis)


def test_unsolved_elements_have_no_loads(model, monkeypatch):
    from kinechain.posture import kkt

    monkeypatch.setattr(kkt, "MAX_ITERATIONS", 1)  # too few Newton steps for the second element
    with pytest.warns(UserWarning, match="did not solve"):
        pose = kc.propagate(model, femoral_ir_r=[0.0, 20.0])
    loads = kc.statics(pose)
    assert np.isfinite(loads["l5s1_compression"][0]) and np.isnan(loads["l5s1_compression"][1])
    assert np.isnan(loads["muscle_force"][1]).all() and not loads["feasible"][1]
    assert np.isfinite(loads.ground_reaction_force[0]).all() and np.isnan(loads.ground_reaction_force[1]).all()
