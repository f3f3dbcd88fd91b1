"""The notebook explorer, driven through its sliders without a browser."""

import pytest

import kinechain as kc
from kinechain._html import summary
from kinechain.explore import MAIN_GROUPS, REFERENCE, Explorer
from kinechain.variables import TASK_PARAMETERS


@pytest.fixture(scope="module")
def explorer():
    return Explorer(task="single_leg_squat_r", knee_flexion=60.0)


def _lines(fig):
    return [[line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] for ax in fig.axes]


def _solve(task, strength=None, **inputs):
    """Posture and loads straight from the library, the other leg aligned as the explorer holds it."""
    pose = kc.propagate(kc.Model.default(), task=task, strength=strength, knee_valgus_l=0.0, femoral_ir_l=0.0, **inputs)
    return pose, kc.statics(pose)


def _assert_table(explorer, reference, current):
    """The explorer's table shows the pelvic obliquity and L5/S1 compression of two direct solves."""
    (ref_pose, ref_loads), (pose, loads) = reference, current
    obliquity = [summary(p.angles["pelvic_obliquity"]) for p in (ref_pose, pose)]
    compression = [summary(lo.values["l5s1_compression"]) for lo in (ref_loads, loads)]
    table = explorer.table.value
    assert f"<td>pelvic obliquity</td><td>degrees</td><td>{obliquity[0]}</td><td>{obliquity[1]}</td>" in table
    assert f"<td>l5s1 compression</td><td>N</td><td>{compression[0]}</td><td>{compression[1]}</td>" in table


def test_explorer_starts_at_the_reference(explorer):
    assert set(explorer.sliders) == {
        "knee_valgus_r",
        "knee_fppa_r",
        "femoral_ir_r",
        "foot_wedge_r",
        "foot_wedge_l",
        *MAIN_GROUPS,
    }
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    assert _lines(explorer.figure) == [[REFERENCE, "current"]] * 3
    assert "<th>reference</th><th>current</th>" in explorer.table.value
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_wedge_sliders_span_the_declared_range(explorer):
    for side in ("r", "l"):
        slider, declared = explorer.sliders[f"foot_wedge_{side}"], TASK_PARAMETERS[f"foot_wedge_{side}"]
        assert (slider.min, slider.max, slider.value) == (*declared.range, declared.default)
    # in a right single-leg squat the left foot is off the ground: its wedge cannot act
    assert explorer.sliders["foot_wedge_l"].disabled and not explorer.sliders["foot_wedge_r"].disabled
    # one valgus slider at a time: the toggle selects which measure is shown and prescribed
    assert explorer.sliders["knee_valgus_r"].layout.display is None
    assert explorer.sliders["knee_fppa_r"].layout.display == "none"


def test_moving_a_slider_solves_and_redraws(explorer):
    before = explorer.image.value
    explorer.sliders["gluteus_medius"].value = 0.4
    explorer.sliders["knee_valgus_r"].value = 12.0  # each change calls the callback
    assert explorer.image.value != before
    task = dict(task="single_leg_squat_r", knee_flexion=60.0)
    strength = {group: 0.4 if group == "gluteus_medius" else 1.0 for group in MAIN_GROUPS}
    _assert_table(
        explorer,
        _solve(**task, knee_valgus_r=0.0, femoral_ir_r=0.0),
        _solve(**task, strength=strength, knee_valgus_r=12.0, femoral_ir_r=0.0),
    )
    explorer.sliders["knee_valgus_r"].value = 0.0
    explorer.sliders["gluteus_medius"].value = 1.0


def test_a_medial_post_under_the_stance_foot(explorer):
    explorer.sliders["foot_wedge_r"].value = -10.0
    task = dict(task="single_leg_squat_r", knee_flexion=60.0, femoral_ir_r=0.0)
    current = _solve(**task, knee_valgus_r=0.0, foot_wedge_r=-10.0)
    _assert_table(explorer, _solve(**task, knee_valgus_r=0.0), current)
    # a medial post raises the medial border of the support: with the knee held, the rearfoot everts less
    assert float(current[0]["rearfoot_eversion_r"]) < float(explorer.reference[0]["rearfoot_eversion_r"])
    explorer.sliders["foot_wedge_r"].value = 0.0


def test_the_toggle_prescribes_the_projection_angle(explorer):
    explorer.valgus.value = "knee_fppa"
    assert explorer.sliders["knee_fppa_r"].layout.display is None
    assert explorer.sliders["knee_valgus_r"].layout.display == "none"
    explorer.sliders["knee_fppa_r"].value = 10.0
    task = dict(task="single_leg_squat_r", knee_flexion=60.0, femoral_ir_r=0.0)
    current = _solve(**task, knee_fppa_r=10.0)
    _assert_table(explorer, _solve(**task, knee_fppa_r=0.0), current)
    assert float(current[0]["knee_fppa_r"]) == pytest.approx(10.0)
    explorer.sliders["knee_fppa_r"].value = 0.0
    explorer.valgus.value = "knee_valgus"


def test_the_left_wedge_acts_when_both_feet_stand():
    both = Explorer(task="double_stance", foot_wedge_l=8.0)
    assert not both.sliders["foot_wedge_l"].disabled and both.sliders["foot_wedge_l"].value == 8.0
    held = dict(task="double_stance", knee_valgus_r=0.0, femoral_ir_r=0.0)
    _assert_table(both, _solve(**held), _solve(**held, foot_wedge_l=8.0))
    both.sliders["foot_wedge_l"].value = -8.0
    _assert_table(both, _solve(**held), _solve(**held, foot_wedge_l=-8.0))


def test_explorer_rejects_a_bad_side():
    with pytest.raises(ValueError, match="side must be one of"):
        Explorer(side="x")
