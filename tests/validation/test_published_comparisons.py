"""Every published comparison, asserted: the value kinechain produces, to a stated tolerance, and
whether it lies inside the published band (or meets the row's stated criterion).

A change of the model that moves a number by more than its tolerance fails here; the documents
that print the numbers (``docs/validation.md``, ``docs/model.md``, ``README.md``) are generated
from the same rows (``rows.py``) and checked by ``tests/test_variables.py``.
"""

import numpy as np
import pytest
import rows

#: Row → (kinechain's values, tolerance in the row's units, inside the band for each value).
CLAIMS = {
    "moment_arms_unwrapped": ((0.473,), 0.05, (True,)),
    "moment_arms_wrapped_adduction": ((1.43,), 0.1, (False,)),
    "moment_arms_wrapped_rotation": ((6.66,), 0.2, (False,)),
    "pelvic_tilt": ((19.73,), 0.1, (True,)),
    "eversion_coupling_in_vitro": ((0.768,), 0.01, (True,)),
    "eversion_coupling_running": ((0.768,), 0.01, (False,)),
    "standing_compression": ((669.3,), 5.0, (False,)),
    "flexed_standing_ratio": ((1.493,), 0.02, (False,)),
    "lift_ratio": ((3.599, 4.369), 0.03, (False,)),
    "loaded_lift_compression": ((2408.0, 2924.0), 20.0, (True, False)),
    "niosh_unloaded": ((1442.0,), 20.0, (True,)),
    "lumbopelvic_rhythm": ((8.26,), 0.3, (False,)),
    "squat_fppa": ((3.93,), 0.2, (True,)),
    "fppa_grows_with_femoral_ir": ((6.32,), 0.2, (True,)),
    "hip_contact_single_stance_in_vivo": ((4.760,), 0.05, (False,)),
    "hip_contact_double_stance_opensim": ((1.040,), 0.03, (False,)),
    "hip_contact_single_stance_r_opensim": ((4.760,), 0.05, (False,)),
    "hip_contact_single_leg_squat_r_opensim": ((4.254,), 0.05, (False,)),
}

#: Coupling table of docs/model.md: (column, output) → ratio (°/°), to within COUPLING_TOLERANCE.
COUPLING = {
    "per ° knee valgus, double stance": (0.519, -0.012, -0.041, 0.005, 0.041, -0.012),
    "per ° femoral IR, double stance": (0.015, 0.002, -0.125, -0.071, 0.125, 0.002),
    "per ° knee valgus, squat": (0.238, -0.365, -0.368, -0.055, 0.348, -0.370),
    "per ° femoral IR, squat": (0.123, -0.401, -0.409, -0.132, 0.382, -0.396),
}
#: Per degree of projected valgus in the squat (docs/model.md), in rows.FPPA_OUTPUTS order.
FPPA = (0.165, 0.347, -0.159, 0.344, -0.351, -0.142)
COUPLING_TOLERANCE = 0.01


def test_every_row_has_a_claim():
    assert [r.key for r in rows.rows()] == list(CLAIMS)


@pytest.mark.parametrize("key", list(CLAIMS))
def test_published_comparison(key):
    row = rows.row(key)
    values, tolerance, within = CLAIMS[key]
    np.testing.assert_allclose(row.values, values, atol=tolerance, rtol=0, err_msg=f"{key} ({row.units})")
    assert row.within == within, f"{key}: {row.values} against {row.band or row.bracket}"


def test_every_band_is_a_band():
    for row in rows.rows():
        if row.bracket is None:
            lo, hi = row.band
            assert lo < hi, row.key


@pytest.mark.parametrize("column", list(COUPLING))
def test_coupling_table(column):
    ratios = rows.coupling_ratios()
    outputs = [name for _, name, _ in rows.COUPLING_OUTPUTS]
    got = [ratios[column, name] for name in outputs]
    np.testing.assert_allclose(got, COUPLING[column], atol=COUPLING_TOLERANCE, rtol=0)


def test_projection_angle_coupling():
    got = [rows.fppa_coupling()[name] for name in rows.FPPA_OUTPUTS]
    np.testing.assert_allclose(got, FPPA, atol=COUPLING_TOLERANCE, rtol=0)
