"""Figures: rendered headless, checked for what they show."""

import io

import matplotlib
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import kinechain as kc
from kinechain import plot

matplotlib.use("Agg")

LEGS = {"knee_valgus_l": 0.0, "femoral_ir_r": 0.0, "femoral_ir_l": 0.0}


@pytest.fixture(scope="module")
def model():
    return kc.Model.default()


@pytest.fixture(scope="module")
def squats(model):
    common = {**LEGS, "task": "single_leg_squat_r", "knee_flexion": 60.0}
    neutral = kc.propagate(model, knee_valgus_r=0.0, **common)
    valgus = kc.propagate(model, knee_valgus_r=15.0, strength={"gluteus_medius": 0.4}, **common)
    return neutral, valgus


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    return buffer.getvalue()


def _labelled(ax):
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_stick_figure_three_views_one_line_per_pose(squats):
    labels = ["neutral", "15° valgus, weak gluteus medius"]
    fig = plot.stick_figure(squats, labels)
    assert _png(fig).startswith(b"\x89PNG")
    views = fig.axes
    assert [ax.get_title().split()[0] for ax in views] == ["frontal", "sagittal", "transverse"]
    for ax in views:
        assert [line.get_label() for line in _labelled(ax)] == labels
        assert "(m)" in ax.get_xlabel() and "(m)" in ax.get_ylabel()
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    for words in ("pelvic tilt", "pelvic obliquity", "pelvic rotation", "lumbar torsion", "L5/S1 compression", " N"):
        assert words in legend
    assert "+ = anterior tilt" in fig._suptitle.get_text()


def test_stick_figure_draws_every_element_of_a_batch(model):
    pose = kc.propagate(model, knee_valgus_r=[0.0, 5.0, 10.0], **LEGS)
    fig = plot.stick_figure(pose, annotate=False)
    labels = [line.get_label() for line in _labelled(fig.axes[0])]
    assert labels == ["knee_valgus_r_input 0°", "knee_valgus_r_input 5°", "knee_valgus_r_input 10°"]


def test_stick_figure_of_a_symmetric_stance_is_mirror_symmetric(model):
    pose = kc.propagate(model, knee_valgus_r=5.0, knee_valgus_l=5.0, femoral_ir_r=3.0, femoral_ir_l=3.0)
    frontal = _labelled(plot.stick_figure(pose, annotate=False).axes[0])[0]
    z = np.asarray(frontal.get_xdata(), dtype=float)
    right, left, spine = z[0:6], z[7:13], z[-10:]  # legs hip → toe, then S1 … thorax (see plot._chains)
    np.testing.assert_allclose(right, -left, atol=1e-9)
    assert right.min() > 0.0
    np.testing.assert_allclose(spine[np.isfinite(spine)], 0.0, atol=1e-9)


def test_single_stance_ground_reaction_acts_under_the_centre_of_mass(squats):
    # static equilibrium under gravity alone: the centre of pressure lies on the line of gravity
    fig = plot.stick_figure(squats[1], annotate=False)
    for ax in fig.axes[:2]:
        marks = {line.get_label(): line for line in ax.get_lines()}
        com, cop = marks["_centre of mass"].get_xdata()[0], marks["_centre of pressure"].get_xdata()[0]
        assert com == pytest.approx(cop, abs=1e-9)


def test_stick_figure_into_given_axes(squats):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 3)
    assert plot.stick_figure(squats[0], axes=axes) is fig
    with pytest.raises(ValueError, match="three Axes"):
        plot.stick_figure(squats[0], axes=axes[:2])
    with pytest.raises(ValueError, match="one label per drawn pose"):
        plot.stick_figure(squats, ["only one"])


@pytest.fixture(scope="module")
def grid(model):
    return kc.simulate(
        model,
        task="single_leg_squat_r",
        knee_valgus_r=np.linspace(0.0, 15.0, 3),
        strength={"quadriceps": [0.2, 1.0]},
        **LEGS,
    )


def test_sweep_labels_carry_units_and_marks_infeasible_points(grid):
    infeasible = int((grid["converged"] & ~grid["feasible"]).sum())
    assert infeasible > 0  # quadriceps at 20 % cannot hold a 60° single-leg squat
    fig = plot.sweep(grid, "l5s1_compression")
    ax = fig.axes[0]
    assert "(degrees)" in ax.get_xlabel() and "knee valgus" in ax.get_xlabel()
    assert "(N)" in ax.get_ylabel()
    marked = [line for line in ax.get_lines() if line.get_label() == "infeasible"]
    assert sum(len(line.get_xdata()) for line in marked) == infeasible
    assert len([line for line in ax.get_lines() if line.get_label().startswith("strength_quadriceps")]) == 2
    _png(fig)


def test_sweep_marks_unsolved_points_on_the_edge_when_they_have_no_value():
    x = xr.DataArray([0.0, 1.0, 2.0, 3.0], dims="knee_valgus_r", attrs={"units": "degrees", "long_name": "valgus"})
    ds = xr.Dataset(
        {
            "l5s1_compression": ("knee_valgus_r", [600.0, 610.0, np.nan, 650.0], {"units": "N", "long_name": "C"}),
            "converged": ("knee_valgus_r", [True, True, False, True]),
            "feasible": ("knee_valgus_r", [True, False, False, True]),
        },
        coords={"knee_valgus_r": x},
    )
    ax = plot.sweep(ds, "l5s1_compression").axes[0]
    marks = {line.get_label().lstrip("_"): line for line in ax.get_lines()}
    assert list(marks["not converged"].get_xdata()) == [2.0]
    assert marks["not converged"].get_transform() is not ax.transData  # on the bottom edge
    assert list(marks["infeasible"].get_xdata()) == [1.0]
    assert ax.get_xlabel() == "valgus (degrees)"
    assert ax.get_ylabel() == "C (N)"


def test_sweep_map_and_bad_requests(grid):
    fig = plot.sweep(grid, "pelvic_obliquity", kind="map")
    colourbar = fig.axes[-1]
    assert "(degrees)" in colourbar.get_ylabel()
    assert "(1)" in fig.axes[0].get_ylabel()  # strength is a factor
    with pytest.raises(ValueError, match="output must be one of"):
        plot.sweep(grid, "nothing")
    with pytest.raises(ValueError, match="one or two dimensions"):
        plot.sweep(grid, "muscle_force")


def test_sensitivity_bars_largest_on_top_with_intervals():
    values = xr.DataArray(
        [[0.1, 0.6, 0.3], [0.5, 0.05, 0.2]],
        dims=("output", "parameter"),
        coords={"output": ["l5s1_compression", "pelvic_obliquity"], "parameter": ["vmo", "gmed", "tfl"]},
    )
    fig = plot.sensitivity_bars(values, 0.1 * values)
    assert len(fig.axes) == 2
    top = [ax.get_yticklabels()[-1].get_text() for ax in fig.axes]
    assert top == ["gmed", "vmo"]
    assert fig.axes[0].get_title() == "l5s1_compression (N)"
    kinds = [c.__class__.__name__ for c in fig.axes[0].containers]
    assert sorted(kinds) == ["BarContainer", "ErrorbarContainer"]
    assert all(len(ax.patches) == 3 for ax in fig.axes)
    single = plot.sensitivity_bars(xr.Dataset({"ST": values[0], "ST_conf": 0.1 * values[0]}))
    assert [t.get_text() for t in single.axes[0].get_yticklabels()] == ["vmo", "tfl", "gmed"]
    with pytest.raises(ValueError, match="dimensions"):
        plot.sensitivity_bars(values.rename(parameter="p"))


@settings(max_examples=6)
@given(
    st.floats(-10.0, 10.0),
    st.floats(-10.0, 10.0),
    st.floats(-8.0, 8.0),
    st.floats(-8.0, 8.0),
)
def test_mirrored_inputs_draw_mirrored_frontal_figures(model, valgus_r, valgus_l, ir_r, ir_l):
    inputs = {"knee_valgus_r": valgus_r, "knee_valgus_l": valgus_l, "femoral_ir_r": ir_r, "femoral_ir_l": ir_l}
    mirrored = {"knee_valgus_r": valgus_l, "knee_valgus_l": valgus_r, "femoral_ir_r": ir_l, "femoral_ir_l": ir_r}
    poses = [kc.propagate(model, **inputs), kc.propagate(model, **mirrored)]
    fig = plot.stick_figure(poses, ["as given", "mirrored"], annotate=False)
    z, z_mirror = (np.asarray(line.get_xdata(), dtype=float) for line in _labelled(fig.axes[0]))
    y, y_mirror = (np.asarray(line.get_ydata(), dtype=float) for line in _labelled(fig.axes[0]))
    # the right leg of one is the left leg of the other, across the midline; the spine mirrors itself
    np.testing.assert_allclose(z[0:6], -z_mirror[7:13], atol=1e-6)
    np.testing.assert_allclose(y[0:6], y_mirror[7:13], atol=1e-6)
    spine = slice(-10, None)
    np.testing.assert_allclose(z[spine], -z_mirror[spine], atol=1e-6)
