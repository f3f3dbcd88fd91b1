"""The notebook explorer, driven through its sliders without a browser."""

import numpy as np
import pytest

import kinechain as kc
from kinechain.explore import MAIN_GROUPS, Explorer


@pytest.fixture(scope="module")
def explorer():
    return Explorer(task="single_leg_squat_r", knee_flexion=60.0)


def _lines(fig):
    return [[line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] for ax in fig.axes]


def test_explorer_starts_at_the_reference(explorer):
    assert set(explorer.sliders) == {"knee_valgus_r", "femoral_ir_r", *MAIN_GROUPS}
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    assert _lines(explorer.figure) == [["reference: aligned, typical strength", "current"]] * 3
    assert "<th>reference</th><th>current</th>" in explorer.table.value
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_moving_a_slider_solves_and_redraws(explorer):
    before = explorer.image.value
    explorer.sliders["gluteus_medius"].value = 0.4
    explorer.sliders["knee_valgus_r"].value = 12.0  # each change calls the callback
    assert explorer.image.value != before
    pose = kc.propagate(
        explorer.model,
        task="single_leg_squat_r",
        knee_flexion=60.0,
        knee_valgus_r=12.0,
        knee_valgus_l=0.0,
        femoral_ir_r=0.0,
        femoral_ir_l=0.0,
        strength={group: 0.4 if group == "gluteus_medius" else 1.0 for group in MAIN_GROUPS},
    )
    loads = kc.statics(pose)
    obliquity = np.round(float(pose["pelvic_obliquity"]), 2) + 0.0
    compression = np.round(float(loads["l5s1_compression"]), 2) + 0.0
    reference = np.round(float(explorer.reference[0].angles["pelvic_obliquity"][0]), 2) + 0.0
    row = f"<td>pelvic obliquity</td><td>degrees</td><td>{reference:.2f}</td><td>{obliquity:.2f}</td>"
    assert row in explorer.table.value
    assert f"<td>{compression:.2f}</td><td>disc pressed</td>" in explorer.table.value
    explorer.sliders["knee_valgus_r"].value = 0.0
    explorer.sliders["gluteus_medius"].value = 1.0


def test_explorer_rejects_a_bad_side():
    with pytest.raises(ValueError, match="side must be one of"):
        Explorer(side="x")
