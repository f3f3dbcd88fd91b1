"""Sensitivity through the sweep engine: exact Sobol indices of the Ishigami function, exact
Morris and tornado measures of a linear function, unsolved elements never averaged silently,
and local derivatives against analytic gradients and the implicit-differentiation coupling."""

import tomllib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import kinechain as kc
from kinechain.study.spec import load_spec

A, B = 7.0, 0.1
PI_BOUNDS = {f"x{i}": {"bounds": [-np.pi, np.pi]} for i in (1, 2, 3)}
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def ishigami(values):
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    return {"y": np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)}


def ishigami_with_holes(values):
    y = ishigami(values)["y"]
    return {"y": np.where(values["x1"] > 2.5, np.nan, y)}


LINEAR = {"x1": 2.0, "x2": -3.0, "x3": 0.5}
LINEAR_BOUNDS = {"x1": [0.0, 1.0], "x2": [0.0, 2.0], "x3": [-1.0, 1.0]}


def linear(values):
    return {"y": sum(a * values[k] for k, a in LINEAR.items()), "z": values["x1"] * 0 + 1.0}


def ishigami_exact():
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * np.pi**8 / 225
    v = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_indices_of_the_ishigami_function_match_the_exact_values():
    spec = {"method": "sobol", "samples": 2**13, "seed": 11, "outputs": ["y"], "parameters": PI_BOUNDS}
    result = kc.sensitivity(spec, function=ishigami, progress=False, chunk_size=10_000)
    assert result["S1"].dims == ("output", "parameter")
    s1, st = ishigami_exact()
    np.testing.assert_allclose(result["S1"].sel(output="y").values, s1, atol=0.02)
    np.testing.assert_allclose(result["ST"].sel(output="y").values, st, atol=0.02)
    assert (result["S1_conf"].values < 0.05).all()
    assert list(result["rank"].sel(output="y").values) == [1, 2, 3]  # by total index: x1, x2, x3


def test_morris_and_tornado_of_a_linear_function_are_exact():
    parameters = {k: {"bounds": b} for k, b in LINEAR_BOUNDS.items()}
    swing = np.array([a * (LINEAR_BOUNDS[k][1] - LINEAR_BOUNDS[k][0]) for k, a in LINEAR.items()])
    morris = kc.sensitivity(
        {"method": "morris", "samples": 10, "seed": 3, "outputs": ["y"], "parameters": parameters},
        function=linear,
        progress=False,
    )
    np.testing.assert_allclose(morris["mu_star"].sel(output="y").values, np.abs(swing), rtol=1e-12)
    np.testing.assert_allclose(morris["sigma"].sel(output="y").values, 0.0, atol=1e-12)
    tornado = kc.sensitivity(
        {"method": "one_at_a_time", "outputs": ["y", "z"], "parameters": parameters}, function=linear, progress=False
    )
    np.testing.assert_allclose(tornado["swing"].sel(output="y").values, swing, rtol=1e-12)
    assert list(tornado["rank"].sel(output="y").values) == [2, 1, 3]
    np.testing.assert_allclose(tornado["swing"].sel(output="z").values, 0.0)


def test_unsolved_elements_are_refused_dropped_or_imputed_never_averaged_silently():
    spec = {"method": "sobol", "samples": 256, "seed": 1, "outputs": ["y"], "parameters": PI_BOUNDS}
    holes = kc.sweep(spec, function=ishigami_with_holes, progress=False)
    bad = int(np.isnan(holes["y"].values).sum())
    assert bad > 0
    with pytest.raises(ValueError, match=rf"{bad} of {256 * 5} elements did not solve"):
        kc.sensitivity(spec, function=ishigami_with_holes, progress=False)
    dropped = kc.sensitivity(spec, function=ishigami_with_holes, progress=False, unsolved="drop")
    assert dropped.attrs["dropped_elements"] % 5 == 0 and dropped.attrs["dropped_elements"] >= bad
    assert dropped.attrs["not_finite_elements"] == bad
    imputed = kc.sensitivity(spec, function=ishigami_with_holes, progress=False, unsolved="impute")
    assert imputed.attrs["imputed_elements"] == bad
    assert np.isfinite(dropped["ST"]).all() and np.isfinite(imputed["ST"]).all()


def test_infeasible_kinechain_elements_are_counted_and_dropped_only_on_request(client):
    spec = {
        "method": "one_at_a_time",
        "task": "single_leg_squat_r",
        "fixed": {"knee_flexion": 60.0},
        "outputs": ["l5s1_compression", "lumbar_torsion"],
        "parameters": {
            "strength.quadriceps": {"bounds": [0.05, 1.0], "baseline": 1.0},
            "knee_valgus_r": {"bounds": [0.0, 8.0], "baseline": 0.0},
        },
    }
    with pytest.raises(ValueError, match=r"1 of 5 elements did not solve or are infeasible \(0 unconverged, 1 infea"):
        kc.sensitivity(spec, progress=False)
    result = kc.sensitivity(spec, progress=False, unsolved="drop")
    xr.testing.assert_identical(result, kc.sensitivity(spec, progress=False, unsolved="drop", client=client))
    assert result.attrs["infeasible_elements"] == 1
    assert np.isnan(result["swing"].sel(parameter="strength.quadriceps")).all()
    assert (result["rank"].sel(parameter="knee_valgus_r") == 1).all()


def test_a_sensitivity_streamed_to_a_store_equals_one_held_in_memory(tmp_path):
    spec = {
        "method": "sobol",
        "samples": 4,
        "seed": 5,
        "outputs": ["l5s1_compression", "pelvic_obliquity"],
        "parameters": {"knee_valgus_r": {"bounds": [0.0, 8.0]}, "strength.gluteus_maximus": {"bounds": [0.6, 1.0]}},
    }
    memory = kc.sensitivity(spec, progress=False)
    stored = kc.sensitivity(spec, store=tmp_path / "sobol.zarr", chunk_size=5, progress=False)
    xr.testing.assert_allclose(memory, stored)
    assert memory.attrs["kinechain_spec"] == load_spec(spec).to_json()


def test_local_derivatives_match_the_analytic_gradient():
    point = {"x1": 0.5, "x2": -1.2, "x3": 2.0}
    spec = {
        "method": "one_at_a_time",
        "outputs": ["y"],
        "parameters": {k: {**v, "baseline": point[k]} for k, v in PI_BOUNDS.items()},
    }
    local = kc.local_sensitivity(spec, function=ishigami)
    x1, x2, x3 = point.values()
    exact = [np.cos(x1) * (1 + B * x3**4), 2 * A * np.sin(x2) * np.cos(x2), 4 * B * x3**3 * np.sin(x1)]
    np.testing.assert_allclose(local["derivative"].sel(output="y").values, exact, rtol=1e-9)


def test_local_derivatives_of_posture_match_the_implicit_differentiation_coupling(model):
    outputs = ["pelvic_obliquity", "lumbar_torsion", "hip_adduction_r"]
    spec = {
        "method": "one_at_a_time",
        "outputs": outputs,
        "parameters": {"knee_valgus_r": {"baseline": 4.0}, "femoral_ir_r": {"baseline": 2.0}},
    }
    local = kc.local_sensitivity(spec)
    pose = kc.propagate(model, knee_valgus_r=4.0, femoral_ir_r=2.0)
    assert bool(kc.statics(pose)["feasible"])  # muscles with capacity to spare: coupling is exact
    ratios = kc.coupling(pose, inputs=["knee_valgus_r", "femoral_ir_r"], outputs=outputs)
    np.testing.assert_allclose(local["derivative"].values, ratios.values, rtol=1e-3, atol=1e-4)


def test_the_example_specs_are_valid_and_the_sobol_example_ranks_its_outputs():
    grid = load_spec(EXAMPLES / "weakness_sweep.toml")
    assert grid.method == "grid" and int(np.prod([len(p.values) for p in grid.parameters])) <= 2000
    data = tomllib.loads((EXAMPLES / "weakness_sobol.toml").read_text())
    assert [p.name for p in load_spec(data).parameters] == grid.names
    result = kc.sensitivity({**data, "samples": 4}, progress=False, unsolved="drop")
    assert {"l5s1_compression", "lumbar_torsion"} <= set(result["output"].values)
    assert sorted(result["rank"].sel(output="l5s1_compression").values) == list(range(1, 8))
