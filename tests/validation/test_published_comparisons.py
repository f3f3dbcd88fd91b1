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
    "knee_moment_arms_quadriceps": ((16.49,), 0.1, (False,)),
    "knee_moment_arms_hamstrings": ((15.33,), 0.1, (False,)),
    "pelvic_tilt": ((15.52,), 0.1, (True,)),
    "eversion_coupling_in_vitro": ((0.753,), 0.01, (True,)),
    "eversion_coupling_running": ((0.753,), 0.01, (False,)),
    "standing_compression": ((679.8,), 5.0, (False,)),
    "flexed_standing_ratio": ((1.681,), 0.02, (False,)),
    "lift_ratio": ((3.699, 4.488), 0.03, (False,)),
    "loaded_lift_compression": ((2515.0, 3051.0), 20.0, (True, False)),
    "niosh_unloaded": ((1344.0,), 20.0, (True,)),
    "squat_fppa": ((6.54,), 0.2, (True,)),
    "fppa_grows_with_femoral_ir": ((2.18,), 0.2, (True,)),
    "nerve_block_single_stance": ((-0.05, 4.22), 0.2, (True, False)),
    "hip_contact_single_stance_in_vivo": ((3.222,), 0.05, (True,)),
    "hip_contact_double_stance_opensim": ((0.756,), 0.03, (True,)),
    "hip_contact_single_stance_r_opensim": ((3.222,), 0.05, (False,)),
    "hip_contact_single_leg_squat_r_opensim": ((2.642,), 0.05, (False,)),
    "hip_contact_double_stance_same_geometry": ((0.751,), 0.03, (False,)),
    "hip_contact_single_stance_r_same_geometry": ((3.214,), 0.05, (False,)),
    "hip_contact_single_leg_squat_r_same_geometry": ((2.627,), 0.05, (False,)),
    "hip_contact_single_stance_kotzar": ((3.222,), 0.05, (False,)),
    "hip_contact_single_stance_same_geometry_in_vivo": ((3.214,), 0.05, (True,)),
    "hip_centre_distance": ((159.06, 189.16), 0.5, (False, False)),
    "passive_knee40_knee_angle_r_opensim": ((-33.91,), 0.2, (False,)),
    "passive_knee40_hip_flexion_r_opensim": ((11.58,), 0.2, (False,)),
    "passive_knee60_hip45_knee_angle_r_opensim": ((-46.42,), 0.2, (False,)),
    "passive_knee60_hip45_hip_flexion_r_opensim": ((-16.05,), 0.2, (False,)),
    "passive_hip60_knee_angle_r_opensim": ((78.01,), 0.5, (False,)),
    "passive_hip60_hip_flexion_r_opensim": ((-151.89,), 0.5, (True,)),
    "passive_hip0_knee15_hip_flexion_r_opensim": ((2.48,), 0.2, (False,)),
    "passive_hip0_knee15_hip_flexion_r_in_vivo": ((2.55,), 0.2, (False,)),
    "passive_knee40_knee_angle_r_in_vivo": ((-36.65,), 0.2, (False,)),
    "passive_knee60_hip45_knee_angle_r_in_vivo": ((-50.40,), 0.2, (False,)),
    "passive_hip60_hip_flexion_r_in_vivo": ((-157.05,), 0.5, (False,)),
    "passive_hip60_knee_angle_r_in_vivo": ((80.31,), 0.5, (False,)),
}

#: Coupling table of docs/model.md: (column, output) → ratio (°/°), to within COUPLING_TOLERANCE.
COUPLING = {
    "per ° knee valgus, double stance": (0.51, -0.014, -0.074, -0.031, 0.016, 0.067, 0.058, 0.05),
    "per ° femoral IR, double stance": (0.016, 0.006, -0.298, -0.06, 0.064, 0.016, 0.234, 0.01),
    "per ° knee valgus, squat": (0.029, -0.489, -0.671, -0.111, 0.143, -0.029, 0.515, 0.47),
    "per ° femoral IR, squat": (-0.129, -0.556, -0.716, -0.16, 0.151, -0.021, 0.545, 0.534),
}
#: Per degree of projected valgus in the squat (docs/model.md), in rows.FPPA_OUTPUTS order.
FPPA = (0.116, 0.163, -0.07, 0.591, -0.126, -0.077)
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
