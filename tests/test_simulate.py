import json

import numpy as np
import pytest

import kinechain as kc
from kinechain.variables import POSTURE_OUTPUTS as OUTPUTS


def test_dataset_variables_units_and_attributes(model):
    ds = kc.simulate(model, task="double_stance", knee_valgus_r=10.0)
    for name in OUTPUTS:
        assert ds[name].attrs["units"] == "degrees"
    for level in ("l5s1", "l4l5"):
        for q in ("compression", "shear_ap", "shear_lateral"):
            assert ds[f"{level}_{q}"].attrs["units"] == "N"
        assert ds[f"{level}_torsion_moment"].attrs["units"] == "N m"
    for name in ("hip_moment_adduction_r", "knee_moment_flexion_l", "hip_contact_force_l"):
        assert "units" in ds[name].attrs and "long_name" in ds[name].attrs
    assert ds["muscle_force"].dims == ("muscle",)
    parts = {k: ds[f"{k}_moment"] for k in ("net", "muscle", "passive", "reserve")}
    for part in parts.values():
        assert part.dims == ("coordinate",) and part.attrs["units"] == "N m"
    assert "l5s1_axial_torsion" in ds["coordinate"].values
    np.testing.assert_allclose(parts["muscle"] + parts["passive"] + parts["reserve"], parts["net"], atol=1e-6)
    assert bool(ds["converged"]) and bool(ds["feasible"])
    assert json.loads(ds.attrs["subject"]) == {"mass": 70.0, "height": 1.75, "sex": "male"}
    assert json.loads(ds.attrs["parameters"])["knee_valgus_r"] == 10.0
    assert ds.attrs["kinechain_version"] == kc.__version__


def test_array_inputs_become_dimensions(model):
    ds = kc.simulate(
        model,
        strength={"gluteus_medius": np.linspace(0.2, 1, 3)},
        femoral_ir_r=np.array([0.0, 5.0]),
    )
    assert ds["l5s1_compression"].dims == ("femoral_ir_r", "strength_gluteus_medius")
    assert ds["muscle_force"].dims == ("femoral_ir_r", "strength_gluteus_medius", "muscle")
    single = kc.simulate(model, femoral_ir_r=5.0, strength={"gluteus_medius": 0.6})
    np.testing.assert_allclose(
        ds["lumbar_torsion"].isel(femoral_ir_r=1, strength_gluteus_medius=1), single["lumbar_torsion"], atol=1e-10
    )


def test_ground_reaction_balances_body_weight_and_load(model):
    pose = kc.propagate(model, task="lift", trunk_flexion=30.0, load_mass=[0.0, 12.0], load_distance=0.35)
    loads = kc.statics(pose)
    np.testing.assert_allclose(loads.ground_reaction_force[:, 1], (70.0 + np.array([0.0, 12.0])) * 9.80665)


def test_unconverged_cases_have_no_finite_looking_loads(model, monkeypatch):
    from kinechain.posture import kkt

    monkeypatch.setattr(kkt, "MAX_ITERATIONS", 1)  # too few Newton steps for the second element
    with pytest.warns(UserWarning, match="1 of 2 elements did not solve"):
        ds = kc.simulate(model, femoral_ir_r=np.array([0.0, 20.0]))
    assert ds["converged"].values.tolist() == [True, False]
    assert not ds["feasible"].values[1]
    assert np.isnan(ds["l5s1_compression"].values[1]) and np.isnan(ds["lumbar_torsion"].values[1])
    assert "constraints not satisfied" in str(ds["reason"].values[1])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"knee_valgus_r": 200.0},
        {"strength": {"gluteus_medius": -1.0}},
        {"strength": {"no_such_group": 1.0}},
        {"knee_valgus_r": float("nan")},
        {"knee_valgus_r": np.zeros((2, 2))},
        {"strength": "gluteus_medius"},
    ],
)
def test_bad_input_raises_value_error(model, kwargs):
    with pytest.raises(ValueError):
        kc.simulate(model, **kwargs)


def test_processes_give_the_results_of_one_process(model):
    """``n_jobs=2`` evaluates chunks in two processes; the Dataset is the same to the solver's
    tolerance, labels included, with elements at joint limits among them (whose chunk's constraint
    rows depend on its elements)."""
    inputs = {"task": "single_stance_r", "knee_valgus_r": np.linspace(0.0, 10.0, 40), "femoral_ir_r": [0.0, 8.0, 44.0]}
    xr_testing = pytest.importorskip("xarray.testing")
    parallel, serial = kc.simulate(model, n_jobs=2, **inputs), kc.simulate(model, **inputs)
    assert (serial["limit"] != "").any() and (serial["limit"] == "").any()
    xr_testing.assert_allclose(parallel, serial, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True, "2"])
def test_bad_n_jobs_is_named(model, n_jobs):
    with pytest.raises(ValueError, match="n_jobs"):
        kc.simulate(model, n_jobs=n_jobs)


def test_models_pickle_to_equal_models(model):
    """Worker processes receive the model: its read-only mappings survive pickling, read-only."""
    import pickle
    from types import MappingProxyType

    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.p, model.p)
    assert copy.subject == model.subject and isinstance(copy.subject.segments, MappingProxyType)
    assert isinstance(copy.parameters, MappingProxyType) and dict(copy.parameters) == dict(model.parameters)
    assert isinstance(copy.muscles.groups, MappingProxyType)
    assert not copy.p.flags.writeable and not copy.muscles.compliant_tendon.flags.writeable
    assert not copy.muscles.groups["tfl"].flags.writeable
