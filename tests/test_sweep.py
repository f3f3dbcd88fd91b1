"""Sweeps: specs checked before running, the engine against simulate(), stores that resume after
SIGKILL bit for bit, and a two-worker dask cluster giving the same numbers as a local run."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import kinechain as kc
from kinechain import batch
from kinechain.study import sweep as sweep_module
from kinechain.study.design import Design, _block, make_design
from kinechain.study.spec import load_spec
from kinechain.variables import INPUTS, MUSCLE_PARAMETERS

OUTPUTS = ["l5s1_compression", "lumbar_torsion", "pelvic_obliquity"]
GRID = {
    "method": "grid",
    "task": "double_stance",
    "outputs": OUTPUTS,
    "parameters": {
        "knee_valgus_r": {"values": [0.0, 6.0, 12.0]},
        "strength.gluteus_medius_r": {"values": [0.3, 1.0]},
        "tightness.hip_adductors": {"values": [0.0, 0.1]},
    },
}
SAMPLED = {
    "method": "latin_hypercube",
    "task": "single_leg_squat_r",
    "samples": 10,
    "seed": 7,
    "outputs": OUTPUTS,
    "fixed": {"knee_flexion": 45.0},
    "parameters": {
        "knee_valgus_r": {"bounds": [0.0, 10.0]},
        "strength.gluteus_maximus": {"bounds": [0.4, 1.0]},
        "tightness.tfl": {"bounds": [0.0, 0.2], "distribution": "normal", "mean": 0.05, "sd": 0.05},
    },
}


def with_parameters(spec, **parameters):
    return {**spec, "parameters": parameters}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"parameters": {"knee_valgus_x": {"values": [1.0]}}}, "unknown parameter 'knee_valgus_x'; known names"),
        ({"parameters": {"strength.gluteus": {"values": [1.0]}}}, "strength.gluteus_medius_r"),
        ({"parameters": {"knee_valgus_r": {"values": [0.0, 60.0]}}}, "outside the declared range [-15, 15]"),
        ({"parameters": {"tightness.tfl": {"values": [0.9]}}}, "tightness.tfl = 0.9 is outside the declared range"),
        ({"parameters": {"knee_valgus_r": {"values": ["abc"]}}}, "knee_valgus_r must be a number within [-15, 15]"),
        ({"outputs": ["l5s1_compresion"]}, "unknown output 'l5s1_compresion'; known"),
        ({"method": "sobolev"}, "unknown method 'sobolev'"),
        ({"method": "sobol", "samples": 12, "parameters": SAMPLED["parameters"]}, "power of 2"),
        ({"mystery": 1}, "unknown spec key 'mystery'"),
        ({"samples": 64}, "samples applies to the sampled methods"),
        ({"fixed": {"knee_valgus_r": 3.0}}, "both fixed and swept"),
        ({"fixed": {"knee_flexion": 30.0}}, "does not apply to task 'double_stance'"),
        ({"parameters": {"sex": {"values": ["male", "other"]}}}, "unknown sex 'other'"),
    ],
)
def test_spec_errors_name_what_is_wrong(change, message):
    with pytest.raises(ValueError) as err:
        load_spec({**GRID, **change})
    assert message in str(err.value)


def test_sampled_bounds_are_checked_against_the_declared_range():
    bad = with_parameters(SAMPLED, **{"strength.vastus_medialis": {"bounds": [0.5, 2.5]}})
    lo, hi = MUSCLE_PARAMETERS["strength"].range
    with pytest.raises(ValueError, match=rf"outside the declared range \[{lo:g}, {hi:g}\]"):
        load_spec(bad)
    # without bounds a sampled parameter spans its declared range
    spec = load_spec(with_parameters(SAMPLED, knee_valgus_l={}))
    assert spec.parameters[0].bounds == INPUTS["knee_valgus_l"].range


def test_a_grid_too_large_for_memory_without_a_store_is_refused_with_its_size(monkeypatch):
    monkeypatch.setattr(batch, "available_memory", lambda: 2**30)
    values = {"values": [float(v) for v in np.linspace(0, 10, 10_000)]}
    huge = with_parameters(GRID, knee_valgus_r=values, knee_valgus_l=values)
    with pytest.raises(MemoryError, match=r"this sweep over 100,000,000 elements .* would need 3.7 GiB .* store"):
        kc.sweep(huge, progress=False)


def test_a_grid_has_one_dimension_per_parameter_and_equals_simulate():
    ds = kc.sweep(GRID, chunk_size=5, progress=False)
    assert ds["l5s1_compression"].dims == ("knee_valgus_r", "strength_gluteus_medius_r", "tightness_hip_adductors")
    assert ds["l5s1_compression"].attrs["units"] == "N"
    ref = kc.simulate(
        knee_valgus_r=[0.0, 6.0, 12.0],
        strength={"gluteus_medius_r": [0.3, 1.0]},
        tightness={"hip_adductors": [0.0, 0.1]},
    )
    for name in OUTPUTS:
        np.testing.assert_allclose(ds[name].values, ref[name].values, rtol=1e-9, atol=1e-9)
    assert load_spec(GRID).to_json() == ds.attrs["kinechain_spec"]


def test_sampled_sweeps_have_a_sample_dimension_with_the_values_as_coordinates():
    ds = kc.sweep(SAMPLED, progress=False)
    assert ds["lumbar_torsion"].dims == ("sample",)
    assert ds.sizes["sample"] == 10
    valgus = ds["knee_valgus_r"].values
    assert ((valgus >= 0) & (valgus <= 10)).all()
    # latin hypercube: one value in each tenth of the range
    assert sorted(np.floor(valgus).astype(int)) == list(range(10))
    ref = kc.simulate(
        task="single_leg_squat_r",
        knee_flexion=45.0,
        knee_valgus_r=xr.DataArray(valgus, dims="sample"),
        strength={"gluteus_maximus": xr.DataArray(ds["strength_gluteus_maximus"].values, dims="sample")},
        tightness={"tfl": xr.DataArray(ds["tightness_tfl"].values, dims="sample")},
    )
    np.testing.assert_allclose(ds["l5s1_compression"].values, ref["l5s1_compression"].values, rtol=1e-9)


def test_same_seed_same_numbers_other_seed_other_design():
    a, b = kc.sweep(SAMPLED, progress=False), kc.sweep(SAMPLED, progress=False)
    xr.testing.assert_identical(a, b)
    other = make_design(load_spec({**SAMPLED, "seed": 8}), 100)
    assert not np.array_equal(other.columns["knee_valgus_r"], a["knee_valgus_r"].values)


def test_each_subject_gets_its_own_model():
    spec = {**GRID, "parameters": {"mass": {"values": [55.0, 90.0]}, "sex": {"values": ["male", "female"]}}}
    ds = kc.sweep(spec, progress=False)
    for mass in (55.0, 90.0):
        for sex in ("male", "female"):
            ref = kc.simulate(kc.Subject(mass, 1.75, sex))
            got = ds.sel(mass=mass, sex=sex)
            np.testing.assert_allclose(got["l5s1_compression"].values, ref["l5s1_compression"].values, rtol=1e-9)
    assert ds["l5s1_compression"].sel(sex="male", mass=90.0) > ds["l5s1_compression"].sel(sex="male", mass=55.0)


@settings(max_examples=60)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=4), st.integers(1, 50))
def test_grid_chunks_tile_the_grid_in_flat_order(sizes, chunk_size):
    names = tuple("abcd"[: len(sizes)])
    design = Design(names, names, tuple(sizes), {}, _block(tuple(sizes), chunk_size))
    seen = np.zeros(design.n, int)
    for chunk in design.chunks():
        assert 0 < chunk.stop - chunk.start <= chunk_size
        grid = np.zeros(sizes, int)
        grid[chunk.region] = 1
        flat = np.flatnonzero(grid.ravel())
        np.testing.assert_array_equal(flat, np.arange(chunk.start, chunk.stop))
        seen[chunk.start : chunk.stop] += 1
    assert (seen == 1).all()


@pytest.mark.parametrize("suffix", [".zarr", ".nc"])
def test_a_store_holds_the_same_numbers_and_refuses_another_spec(tmp_path, suffix):
    memory = kc.sweep(GRID, chunk_size=4, progress=False)
    path = tmp_path / f"grid{suffix}"
    stored = kc.sweep(GRID, store=path, chunk_size=4, progress=False)
    xr.testing.assert_identical(memory, stored.load())
    # running it again finds every chunk written and computes nothing
    again = kc.sweep(GRID, store=path, progress=False)
    xr.testing.assert_identical(memory, again.load())
    other = {**GRID, "outputs": ["l5s1_compression"]}
    with pytest.raises(ValueError, match="written by a different spec .*outputs"):
        kc.sweep(other, store=path, progress=False)
    with pytest.raises(ValueError, match="chunks of 4 elements, not 5"):
        kc.sweep(GRID, store=path, chunk_size=5, progress=False)


RESUME = {
    "method": "grid",
    "task": "double_stance",
    "outputs": ["l5s1_compression", "pelvic_rotation", "muscle_force"],
    "parameters": {
        "femoral_ir_r": {"values": [float(v) for v in np.linspace(-10, 10, 21)]},
        "strength.gluteus_maximus": {"values": [0.5, 1.0]},
        "knee_valgus_r": {"values": [0.0, 8.0]},
    },
}


def _ledger(path):
    import zarr

    try:
        return zarr.open_group(path, mode="r")["chunk_done"][:]
    except Exception:  # noqa: BLE001 - the store is being created
        return None


def test_a_sweep_killed_with_sigkill_resumes_to_the_same_store(tmp_path, monkeypatch):
    store = tmp_path / "resume.zarr"
    script = textwrap.dedent(
        f"""
        import kinechain as kc
        kc.sweep({RESUME!r}, store={str(store)!r}, chunk_size=4, progress=False)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    done = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        done = _ledger(store)
        if done is not None and 2 <= done.sum() < len(done) - 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be killed; make it longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _ledger(store)
    assert 0 < killed_at.sum() < len(killed_at)

    calls = []
    run_chunk = sweep_module.run_chunk
    monkeypatch.setattr(sweep_module, "run_chunk", lambda *a: calls.append(1) or run_chunk(*a))
    resumed = kc.sweep(RESUME, store=store, progress=False)
    assert len(calls) == len(killed_at) - killed_at.sum()  # stored chunks are not computed again
    assert _ledger(store).all()
    uninterrupted = kc.sweep(RESUME, store=tmp_path / "whole.zarr", chunk_size=4, progress=False)
    xr.testing.assert_identical(resumed.load(), uninterrupted.load())
    for name in resumed.data_vars:
        assert resumed[name].values.tobytes() == uninterrupted[name].values.tobytes()


def test_a_two_worker_cluster_gives_the_local_numbers(client, tmp_path):
    local = kc.sweep(SAMPLED, chunk_size=3, progress=False)
    remote = kc.sweep(SAMPLED, chunk_size=3, progress=False, client=client)
    xr.testing.assert_identical(local, remote)
    stored = kc.sweep(GRID, store=tmp_path / "dask.zarr", chunk_size=2, progress=False, client=client)
    xr.testing.assert_identical(kc.sweep(GRID, chunk_size=2, progress=False), stored.load())


def test_no_progress_bar_when_standard_error_is_not_a_terminal(capsys):
    kc.sweep(with_parameters(GRID, knee_valgus_r={"values": [0.0, 1.0]}), progress=True)
    assert capsys.readouterr().err == ""
