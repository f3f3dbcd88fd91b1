"""Subject anthropometry: segment masses, lengths, centres of mass and radii of gyration.

Segment inertial parameters follow de Leva (1996), *Adjustments to Zatsiorsky–Seluyanov's
segment inertia parameters*, J Biomech 29(9):1223–1230, Table 4 (``data/deleva1996.csv``).
Segment lengths are de Leva's reference lengths scaled by the ratio of the subject's stature to
the reference stature (1741 mm male, 1735 mm female); masses are fractions of body mass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

from .._data import read_csv
from .._frozen import ReadOnlyMappings
from .._html import html_table
from .._validation import check_choice, check_number
from ..variables import SEXES, SUBJECT_PARAMETERS

#: Stature of de Leva's reference subjects (m).
REFERENCE_STATURE = MappingProxyType({"male": 1.741, "female": 1.735})

#: Segments making up the head–arms–trunk load carried above the lumbar spine.
HEAD_ARMS_TRUNK = (
    "head",
    "upper_trunk",
    "upper_arm",
    "upper_arm",
    "forearm",
    "forearm",
    "hand",
    "hand",
)


@dataclass(frozen=True)
class Segment:
    """Inertial parameters of one body segment, scaled to a subject.

    Attributes
    ----------
    name : str
        Segment name (``foot``, ``shank``, ``thigh``, ``pelvis``, ``lumbar``, ...).
    mass : float
        Segment mass (kg).
    length : float
        Segment length between de Leva's landmarks (m).
    com_fraction : float
        Centre of mass as a fraction of the length from the proximal landmark (1).
    radii_of_gyration : tuple of float
        Radii of gyration about the sagittal, transverse and longitudinal axes through the
        centre of mass, as fractions of the length (1).
    """

    name: str
    mass: float
    length: float
    com_fraction: float
    radii_of_gyration: tuple[float, float, float]

    @property
    def moments_of_inertia(self) -> tuple[float, float, float]:
        """Principal moments of inertia about the COM (kg·m²): sagittal, transverse, longitudinal."""
        return tuple(self.mass * (r * self.length) ** 2 for r in self.radii_of_gyration)


@cache
def _table() -> dict[tuple[str, str], dict[str, float]]:
    rows = read_csv("deleva1996.csv")
    return {(r["segment"], r["sex"]): {k: float(v) for k, v in r.items() if k not in ("segment", "sex")} for r in rows}


@dataclass(frozen=True)
class Subject(ReadOnlyMappings):
    """A person: body mass, stature and sex.

    Ranges and defaults: :data:`kinechain.variables.SUBJECT_PARAMETERS`.

    Parameters
    ----------
    mass : float
        Body mass (kg).
    height : float
        Stature (m).
    sex : {"male", "female"}
        Selects de Leva's male or female table.
    pelvic_incidence : float
        Pelvic incidence (degrees), a fixed trait of the pelvis: it sets the sacral slope of the
        neutral posture (``pelvic_incidence`` minus the pelvic tilt that the pelvic geometry
        gives) and with it the neutral lumbar lordosis. Default: the population mean of
        Mac-Thiong et al. (2011).

    Examples
    --------
    >>> s = Subject(70.0, 1.75, "male")
    >>> round(s.segments["thigh"].mass, 2)
    9.91
    """

    mass: float = SUBJECT_PARAMETERS["mass"].default
    height: float = SUBJECT_PARAMETERS["height"].default
    sex: str = SEXES[0]
    pelvic_incidence: float = SUBJECT_PARAMETERS["pelvic_incidence"].default
    segments: MappingProxyType = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, v in SUBJECT_PARAMETERS.items():
            object.__setattr__(self, name, check_number(name, getattr(self, name), *v.range, v.units))
        check_choice("sex", self.sex, SEXES)
        object.__setattr__(self, "segments", MappingProxyType(self._scale_segments()))

    @classmethod
    def default(cls) -> Subject:
        """The built-in default subject: a 70 kg, 1.75 m male with the mean pelvic incidence."""
        return cls()

    def _repr_html_(self) -> str:
        rows = [(s.name, f"{s.mass:.2f}", f"{s.length:.3f}", f"{s.com_fraction:.3f}") for s in self.segments.values()]
        title = f"Subject: {self.mass:g} kg, {self.height:g} m, {self.sex}; weight {self.weight:.0f} N"
        return html_table(title, ("segment", "mass (kg)", "length (m)", "centre of mass (fraction of length)"), rows)

    @property
    def weight(self) -> float:
        """Body weight (N), with g = 9.80665 m/s²."""
        return self.mass * GRAVITY

    @property
    def stature_scale(self) -> float:
        """Ratio of the subject's stature to de Leva's reference stature (1)."""
        return self.height / REFERENCE_STATURE[self.sex]

    @property
    def head_arms_trunk_mass(self) -> float:
        """Mass of head, neck, both arms and the upper trunk, carried above the lumbar region (kg)."""
        return sum(self.segments[name].mass for name in HEAD_ARMS_TRUNK)

    @property
    def segment_mass_total(self) -> float:
        """Sum of all segment masses, both sides counted (kg); equals ``mass`` to table rounding."""
        bilateral = {"foot", "shank", "thigh", "upper_arm", "forearm", "hand"}
        return sum(s.mass * (2 if s.name in bilateral else 1) for s in self.segments.values())

    def _scale_segments(self) -> dict[str, Segment]:
        scale = self.stature_scale
        out = {}
        for (name, sex), row in _table().items():
            if sex != self.sex:
                continue
            out[name] = Segment(
                name=name,
                mass=row["mass_pct"] / 100.0 * self.mass,
                length=row["length_mm"] / 1000.0 * scale,
                com_fraction=row["com_pct"] / 100.0,
                radii_of_gyration=(
                    row["r_sag"] / 100.0,
                    row["r_trans"] / 100.0,
                    row["r_long"] / 100.0,
                ),
            )
        return out


#: Standard gravity (m/s²).
GRAVITY = 9.80665
