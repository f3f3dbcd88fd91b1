"""Hypothesis strategies for postures within the model's coordinate ranges."""

import numpy as np
import xarray as xr
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kinechain import Subject
from kinechain.body.topology import COORDINATE_RANGES, COORDINATES
from kinechain.variables import SEXES, SUBJECT_PARAMETERS

# Physiological sub-ranges (degrees) so that postures stay well inside each coordinate's range.
_SPAN = {name: (0.6 * lo, 0.6 * hi) for name, (lo, hi) in COORDINATE_RANGES.items()}
_SPAN["knee_angle_r"] = _SPAN["knee_angle_l"] = (0.0, 90.0)
for t in ("pelvis_tx", "pelvis_ty", "pelvis_tz"):
    _SPAN[t] = (-0.5, 0.5)
LOW = np.array([_SPAN[c][0] for c in COORDINATES])
HIGH = np.array([_SPAN[c][1] for c in COORDINATES])


def postures(n: int = 4):
    """Arrays (n, 25) of coordinates in degrees and metres."""
    return arrays(float, (n, len(COORDINATES)), elements=st.floats(0.0, 1.0)).map(lambda u: LOW + u * (HIGH - LOW))


def mirror_coordinates(q: np.ndarray) -> np.ndarray:
    """Coordinates of the mirror-image posture (swap sides, negate lateral and axial motion)."""
    out = q.copy()
    for i, name in enumerate(COORDINATES):
        if name.endswith("_r"):
            out[:, i], out[:, COORDINATES.index(name[:-1] + "l")] = (
                q[:, COORDINATES.index(name[:-1] + "l")],
                q[:, i],
            )
    for name in (
        "pelvis_list",
        "pelvis_rotation",
        "pelvis_tz",
        "lumbar_bending",
        "lumbar_rotation",
        "thoracic_bending",
        "thoracic_rotation",
    ):
        out[:, COORDINATES.index(name)] *= -1
    return out


def paired(values, dim: str = "sample") -> xr.DataArray:
    """Values along a shared dimension: inputs given this way are paired, not crossed."""
    return xr.DataArray(np.asarray(values, dtype=float), dims=dim)


#: Subjects across the accepted mass and height range, either sex, with a body-mass index of
#: 15-45 kg/m^2 (a 20 kg body 2.3 m tall is within both ranges but is no human build).
subjects = st.builds(
    Subject,
    st.floats(*SUBJECT_PARAMETERS["mass"].range),
    st.floats(*SUBJECT_PARAMETERS["height"].range),
    st.sampled_from(SEXES),
).filter(lambda s: 15.0 <= s.mass / s.height**2 <= 45.0)
