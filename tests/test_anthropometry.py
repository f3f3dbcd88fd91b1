import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinechain import Subject

masses = st.floats(20.0, 250.0)
heights = st.floats(1.0, 2.3)
sexes = st.sampled_from(["male", "female"])


@given(masses, heights, sexes)
def test_segment_masses_sum_to_body_mass(mass, height, sex):
    s = Subject(mass, height, sex)
    # de Leva's table sums to 100.00 % (male) and 99.99 % (female)
    assert s.segment_mass_total == pytest.approx(mass, rel=2e-4)


@given(masses, masses, heights, sexes)
def test_mass_scales_masses_linearly_and_leaves_lengths(m1, m2, height, sex):
    a, b = Subject(m1, height, sex), Subject(m2, height, sex)
    for name, seg in a.segments.items():
        assert b.segments[name].mass == pytest.approx(seg.mass * m2 / m1, rel=1e-12)
        assert b.segments[name].length == seg.length


@given(heights, heights, sexes)
def test_lengths_scale_with_stature(h1, h2, sex):
    a, b = Subject(70, h1, sex), Subject(70, h2, sex)
    for name, seg in a.segments.items():
        assert b.segments[name].length == pytest.approx(seg.length * h2 / h1, rel=1e-12)


def test_default_subject_known_values():
    s = Subject.default()
    assert (s.mass, s.height, s.sex) == (70.0, 1.75, "male")
    # de Leva 1996 Table 4: thigh 14.16 % of body mass, 422.2 mm at 1741 mm stature
    assert s.segments["thigh"].mass == pytest.approx(0.1416 * 70)
    assert s.segments["thigh"].length == pytest.approx(0.4222 * 1.75 / 1.741)
    assert s.weight == pytest.approx(70 * 9.80665)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"mass": 0.0}, "mass"),
        ({"mass": -5.0}, "mass"),
        ({"mass": 400.0}, "mass"),
        ({"mass": math.nan}, "mass"),
        ({"mass": "70"}, "mass"),
        ({"mass": True}, "mass"),
        ({"height": 175.0}, "height"),
        ({"height": 0.5}, "height"),
        ({"height": math.inf}, "height"),
        ({"sex": "m"}, "sex"),
        ({"sex": None}, "sex"),
    ],
)
def test_bad_subject_input_names_parameter_and_range(kwargs, name):
    with pytest.raises(ValueError, match=name) as err:
        Subject(**kwargs)
    if name != "sex":
        assert "[" in str(err.value)  # the accepted range
    else:
        assert "male" in str(err.value)
