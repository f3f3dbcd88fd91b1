"""Notebook display: compact HTML summaries with units."""

import numpy as np
import pytest

import kinechain as kc

LEGS = {"knee_valgus_l": 0.0, "femoral_ir_r": 0.0, "femoral_ir_l": 0.0}


@pytest.fixture(scope="module")
def pose():
    return kc.propagate(kc.Model.default(), knee_valgus_r=[0.0, 10.0], **LEGS)


def test_subject_html_lists_segments_with_units():
    html = kc.Subject(62.0, 1.68, "female")._repr_html_()
    assert "62 kg, 1.68 m, female" in html
    assert "mass (kg)" in html and "length (m)" in html
    thigh = kc.Subject(62.0, 1.68, "female").segments["thigh"]
    assert f"<td>thigh</td><td>{thigh.mass:.2f}</td><td>{thigh.length:.3f}</td>" in html


def test_model_html_names_its_subject_and_masses():
    html = kc.Model.default()._repr_html_()
    assert "70 kg, 1.75 m male" in html and "mass (kg)" in html and "(m, body frame)" in html


def test_pose_html_gives_each_output_its_units_range_and_sign(pose):
    html = pose._repr_html_()
    assert "converged 2/2" in html and "knee_valgus_r_input: 2" in html
    lo, hi = np.round(pose["knee_valgus_r"], 2) + 0.0
    assert f"<td>knee_valgus_r</td><td>degrees</td><td>{lo:.2f} … {hi:.2f}</td><td>valgus</td>" in html
    assert "<td>pelvic_obliquity</td><td>degrees</td>" in html


def test_loads_html_gives_lumbar_loads_in_newtons(pose):
    loads = kc.statics(pose)
    html = loads._repr_html_()
    value = float(loads["l5s1_compression"][0])
    one = kc.statics(kc.propagate(pose.model, knee_valgus_r=0.0, **LEGS))._repr_html_()
    assert f"<td>l5s1_compression</td><td>N</td><td>{value:.2f}</td><td>disc pressed</td>" in one
    assert "<td>l5s1_torsion_moment</td><td>N m</td>" in html
    assert "feasible 2/2" in html
    assert "muscle_force" not in html  # per-muscle outputs stay out of the summary
