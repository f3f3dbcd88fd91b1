"""The public vocabulary: every input and output of kinechain, declared once.

Each :class:`Variable` carries its name, units, long name, accepted range, default, the
direction that is positive, and the tasks it applies to. Function signatures, input checks,
error messages, the ``units``/``long_name`` attributes of every Dataset variable, the command
line and the tables in ``docs/conventions.md`` all read this declaration; nothing else states a
range, a unit or a default.

Sides: a trailing ``_r``/``_l`` names the right/left side; a clinical angle means the same
anatomical motion on both sides (see :mod:`kinechain.mechanics.clinical`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

SIDES = MappingProxyType({"r": "right", "l": "left"})


@dataclass(frozen=True)
class Variable:
    """One declared input or output.

    Attributes
    ----------
    name : str
        Public name (also the Dataset variable or dimension name).
    units : str
        Units (``"degrees"``, ``"N"``, ``"N m"``, ``"kg"``, ``"m"``, ``"1"``; ``""`` for text).
    long_name : str
        What it is, in words.
    positive : str
        The direction or state that is positive (empty where there is no sign).
    range : tuple of float, optional
        Accepted closed range of an input.
    default : float, optional
        Value used when an input is not given; ``None`` (every clinical input) means free: the
        posture principle finds it.
    tasks : tuple of str
        Tasks the variable applies to; empty = every task.
    dims : tuple of str
        Dimensions an output has besides the batch (``"muscle"``, ``"coordinate"``).
    prescribes : str
        For a clinical input, the clinical angle it fixes.
    """

    name: str
    units: str
    long_name: str
    positive: str = ""
    range: tuple[float, float] | None = None
    default: float | None = None
    tasks: tuple[str, ...] = ()
    dims: tuple[str, ...] = ()
    prescribes: str = ""

    @property
    def attrs(self) -> dict[str, str]:
        """``units`` and ``long_name`` (with the positive direction) for a Dataset variable."""
        text = f"{self.long_name}, positive = {self.positive}" if self.positive else self.long_name
        return {"units": self.units, "long_name": text}


def _sided(name: str, long_name: str, **kw) -> list[Variable]:
    return [Variable(f"{name}_{s}", long_name=f"{long_name} ({side})", **kw) for s, side in SIDES.items()]


def _table(*groups: list[Variable]) -> MappingProxyType:
    return MappingProxyType({v.name: v for group in groups for v in group})


TASKS = (
    "double_stance",
    "single_stance_r",
    "single_stance_l",
    "single_leg_squat_r",
    "single_leg_squat_l",
    "forward_bend",
    "lift",
)
_SQUATS = ("single_leg_squat_r", "single_leg_squat_l")
_BENDS = ("forward_bend", "lift")
_SINGLE_LEG = ("single_stance_r", "single_stance_l", *_SQUATS)

#: Clinical inputs (degrees): each prescribes one clinical angle. An input that is not given (or
#: given as ``None``) is free: the posture principle finds it. Give a value to hold it.
INPUTS = _table(
    *(
        [
            Variable(
                f"knee_valgus_{s}",
                "degrees",
                f"knee valgus, tibia relative to femur (joint coordinate system) ({side})",
                "valgus",
                (-15.0, 15.0),
                None,
                prescribes=f"knee_valgus_{s}",
            ),
            Variable(
                f"knee_fppa_{s}",
                "degrees",
                f"knee frontal-plane projection angle (2-D), as single-leg squat studies report it ({side})",
                "valgus (knee medial to the hip-ankle line)",
                (-45.0, 45.0),
                None,
                prescribes=f"knee_fppa_{s}",
            ),
            Variable(
                f"femoral_ir_{s}",
                "degrees",
                f"femoral internal rotation relative to the pelvis ({side})",
                "internal rotation",
                (-45.0, 45.0),
                None,
                prescribes=f"hip_internal_rotation_{s}",
            ),
            Variable(
                f"rearfoot_eversion_{s}",
                "degrees",
                f"rearfoot eversion, calcaneus relative to the floor (calcaneal stance angle) ({side})",
                "eversion (pronation)",
                (-30.0, 30.0),
                None,
                prescribes=f"rearfoot_eversion_{s}",
            ),
        ]
        for s, side in SIDES.items()
    )
)

#: Task parameters, each for the tasks listed (every task where none are): the task's angles and
#: load, and the support under each foot (a flat floor unless given).
TASK_PARAMETERS = _table(
    [
        Variable("knee_flexion", "degrees", "stance-knee flexion of the squat", "flexion", (0.0, 100.0), 60.0, _SQUATS),
        Variable(
            "trunk_flexion", "degrees", "forward inclination of the thorax", "forward", (-30.0, 60.0), 0.0, _BENDS
        ),
        # Esola MA, McClure PW, Fitzgerald GK, Siegler S. Spine 1996;21(1):71-78 (41 subjects, 3-D
        # tracking): lumbar-to-hip flexion ratio 1.9 over 0-30 deg of trunk inclination, 0.9 over 30-60,
        # 0.4 over 60-90 (abstract read); the default is the early phase, where the tasks' lumbar and
        # pelvic rotations lie, and the accepted range is the published span.
        Variable(
            "lumbopelvic_ratio",
            "1",
            "lumbopelvic rhythm: lumbar flexion per degree of anterior pelvic tilt (rotation on the hips), "
            "both from upright standing",
            "more lumbar",
            (0.4, 1.9),
            1.9,
            _BENDS,
        ),
        Variable(
            "abductor_compensation",
            "1",
            "share taken of the lean of the trunk over the stance leg that weak hip abductors add to the "
            "least-effort lean (0 = none: a hip whose abductors fall short gives way and the pelvis drops; "
            "1 = the whole shift)",
            "more trunk lean",
            (0.0, 1.0),
            0.0,
            _SINGLE_LEG,
        ),
        Variable("load_mass", "kg", "mass held in both hands", "", (0.0, 50.0), 0.0, ("lift",)),
        Variable(
            "load_distance", "m", "horizontal distance of the hands in front of L5/S1", "", (0.0, 0.8), 0.3, ("lift",)
        ),
    ],
    *(
        [
            Variable(
                f"foot_wedge_{s}",
                "degrees",
                f"frontal-plane tilt of the support under the foot (wedge, orthosis post) ({side}); 0 = flat floor",
                "lateral border raised (lateral wedge, everting); negative = medial post",
                (-20.0, 20.0),
                0.0,
            ),
            Variable(
                f"heel_lift_{s}",
                "mm",
                f"height of the heel above the forefoot on the support (heel lift, heeled shoe) ({side}); 0 = flat",
                "heel raised",
                (0.0, 60.0),
                0.0,
            ),
        ]
        for s, side in SIDES.items()
    ),
)

#: Subject size (sex is one of :data:`SEXES`).
SUBJECT_PARAMETERS = _table(
    [
        Variable("mass", "kg", "body mass", range=(20.0, 250.0), default=70.0),
        Variable("height", "m", "stature", range=(1.0, 2.3), default=1.75),
        # Mac-Thiong et al. 2011 (Eur Spine J 20 Suppl 5:572-577; 709 asymptomatic adults, standing
        # radiographs): PI 32-74 deg as mean +/- 2 SD, no sex difference; the default is the mean
        # implied by that range (its midpoint).
        Variable(
            "pelvic_incidence",
            "degrees",
            "pelvic incidence: angle between the S1 endplate normal and the line to the hip axis (morphology)",
            range=(32.0, 74.0),
            default=53.0,
        ),
    ]
)
SEXES = ("male", "female")

#: Muscle groups users can address (append ``_r``/``_l`` for one side), with what they contain.
MUSCLE_GROUPS = MappingProxyType(
    {
        "gluteus_medius": "gluteus medius (3 lines)",
        "gluteus_minimus": "gluteus minimus (3 lines)",
        "gluteus_maximus": "gluteus maximus (3 lines)",
        "hip_external_rotators": "piriformis, gemelli, quadratus femoris",
        "vastus_medialis": "vastus medialis (VMO)",
        "hip_adductors": "adductor longus, brevis, magnus (4), gracilis, pectineus",
        "tfl": "tensor fasciae latae / IT band",
        "hip_flexors": "iliacus, psoas, rectus femoris, sartorius",
        "hamstrings": "semimembranosus, semitendinosus, biceps femoris (long, short)",
        "quadriceps": "rectus femoris, vastus medialis, lateralis, intermedius",
        "erector_spinae": "lumbar erector spinae (longissimus, iliocostalis)",
        "multifidus": "lumbar multifidus",
        "quadratus_lumborum": "quadratus lumborum",
        "abdominals": "rectus abdominis, external and internal obliques",
    }
)

#: Per-group muscle parameters: ``strength={group: value}``, ``tightness={group: value}``.
MUSCLE_PARAMETERS = _table(
    [
        Variable(
            "strength",
            "1",
            "factor on maximum isometric force (1 = typical adult, 0.3 = severely weak)",
            range=(0.0, 2.0),
            default=1.0,
        ),
        Variable(
            "tightness",
            "1",
            "shortening of the tendon slack length, in optimal fibre lengths (0 = typical)",
            range=(0.0, 0.5),
            default=0.0,
        ),
    ]
)

_LEVELS = MappingProxyType({"l5s1": "L5/S1", "l4l5": "L4/L5"})
#: Positive direction of the moments over the ``coordinate`` dimension (muscle + passive + reserve = net).
_EQUILIBRIUM_POSITIVE = (
    "on the distal segment, in the row's direction: hip flexion, adduction, internal rotation; knee flexion; "
    "lumbar rows in the disc frame of the level: lateral_bending bends the upper body right, axial_torsion "
    "turns it left, flexion_extension extends it"
)

#: Clinical outputs of a posture (degrees).
POSTURE_OUTPUTS = _table(
    [
        Variable("anterior_pelvic_tilt", "degrees", "pelvic tilt, pelvis on ground", "anterior tilt"),
        Variable("pelvic_obliquity", "degrees", "pelvic obliquity, pelvis on ground", "right side up (left drops)"),
        Variable("pelvic_rotation", "degrees", "pelvic rotation, pelvis on ground", "pelvis turns left"),
        Variable("lumbar_flexion", "degrees", "lumbar flexion, L1 on pelvis", "flexion"),
        Variable("lumbar_lateral_bending", "degrees", "lumbar lateral bending, L1 on pelvis", "bending to the right"),
        Variable("lumbar_torsion", "degrees", "lumbar torsion, L1 on pelvis", "L1 turns left on the pelvis"),
        Variable("thoracic_flexion", "degrees", "thoracic flexion, thorax (T1-T12) on L1", "flexion"),
        Variable(
            "thoracic_lateral_bending", "degrees", "thoracic lateral bending, thorax on L1", "bending to the right"
        ),
        Variable("thoracic_rotation", "degrees", "thoracic axial rotation, thorax on L1", "thorax turns left"),
        Variable(
            "trunk_lateral_lean",
            "degrees",
            "trunk lateral lean: the thorax's frontal-plane inclination from the vertical",
            "top of the thorax toward the right side",
        ),
    ],
    *(
        _sided(name, text, units="degrees", positive=positive)
        for name, text, positive in (
            ("hip_adduction", "hip adduction, femur on pelvis", "adduction"),
            ("hip_internal_rotation", "hip (femoral) internal rotation, femur on pelvis", "internal rotation"),
            ("knee_valgus", "knee valgus, tibia on femur (joint coordinate system)", "valgus"),
            ("knee_fppa", "knee frontal-plane projection angle (2-D)", "valgus (knee medial to the hip-ankle line)"),
            ("rearfoot_eversion", "rearfoot eversion, calcaneus relative to the floor", "eversion (pronation)"),
            ("tibial_internal_rotation", "tibial rotation over the foot", "tibia rotates internally"),
        )
    ),
)

#: Loads of a posture (the result of :func:`kinechain.statics`).
LOAD_OUTPUTS = _table(
    *(
        [
            Variable(f"{lvl}_compression", "N", f"{text} compression along the endplate normal", "disc pressed"),
            Variable(
                f"{lvl}_shear_ap", "N", f"{text} anterior-posterior shear, disc frame", "upper body pushed forward"
            ),
            Variable(f"{lvl}_shear_lateral", "N", f"{text} lateral shear, disc frame", "upper body pushed right"),
            Variable(
                f"{lvl}_torsion_moment",
                "N m",
                f"{text} net axial moment on the upper body, about the endplate normal (held by the muscles "
                "and the level's passive tissues: muscle_moment and passive_moment)",
                "turning the upper body left",
            ),
            Variable(
                f"{lvl}_flexion_moment",
                "N m",
                f"{text} net sagittal moment on the upper body, about the disc frame's lateral axis",
                "flexing the upper body",
            ),
            Variable(
                f"{lvl}_lateral_bending_moment",
                "N m",
                f"{text} net frontal moment on the upper body, about the disc frame's anterior axis",
                "bending the upper body to the right",
            ),
        ]
        for lvl, text in _LEVELS.items()
    ),
    *(
        _sided(f"{joint}_moment_{axis}", f"net {joint} {axis} moment (internal)", units="N m", positive=positive)
        for joint in ("hip", "knee")
        for axis, positive in (("flexion", "flexion"), ("adduction", "adduction"), ("rotation", "internal rotation"))
    ),
    _sided("hip_contact_force", "hip joint reaction including muscle forces, magnitude", units="N"),
    [
        Variable("muscle_force", "N", "muscle tendon force", dims=("muscle",)),
        Variable("muscle_activation", "1", "muscle activation", dims=("muscle",)),
        *(
            Variable(name, "N m", f"{text} at each equilibrium axis", _EQUILIBRIUM_POSITIVE, dims=("coordinate",))
            for name, text in (
                ("net_moment", "net internal joint moment (from gravity, ground reaction and hand load)"),
                ("muscle_moment", "moment of the muscle forces"),
                ("passive_moment", "passive elastic moment of the joint (ligaments, capsule, disc and facets)"),
                ("reserve_moment", "reserve actuator moment (what muscles and passive structures cannot supply)"),
            )
        ),
        Variable(
            "feasible", "1", "muscles hold the posture without reserves and the centre of pressure is under the foot"
        ),
    ],
)

#: Whether and why a posture solved.
STATUS_OUTPUTS = _table(
    [
        Variable("converged", "1", "posture solved within tolerance and joint ranges"),
        Variable("reason", "", "why a posture did not converge (empty if it did)"),
        Variable(
            "limit",
            "",
            "joint limits the posture reached, and prescribed inputs not reached because of them (empty if none)",
        ),
    ]
)

#: Every output, by name.
OUTPUTS = _table(list(POSTURE_OUTPUTS.values()), list(LOAD_OUTPUTS.values()), list(STATUS_OUTPUTS.values()))


#: Suffix of an input coordinate whose input shares its name with an output.
INPUT_SUFFIX = "_input"


def dimension_name(name: str, group: str = "") -> str:
    """The dimension a swept input becomes: its own name, or ``strength_<group>``."""
    return f"{name}_{group}" if group else name


def coordinate_name(name: str) -> str:
    """The coordinate (and dimension) an input of a batch is labelled by.

    The input's own name, or ``<name>_input`` when an output has that name (``knee_valgus_r``,
    ``knee_fppa_r``, ``rearfoot_eversion_r``): the output — the angle the posture reached, NaN
    where it did not solve — keeps its declared name, the given value stays beside it.
    """
    return f"{name}{INPUT_SUFFIX}" if name in OUTPUTS else name


def input_variable(dimension: str) -> Variable:
    """The declared input behind a dimension name (``knee_valgus_r_input``, ``strength_gluteus_medius``)."""
    dimension = dimension.removesuffix(INPUT_SUFFIX)
    for table in (INPUTS, TASK_PARAMETERS, SUBJECT_PARAMETERS):
        if dimension in table:
            return table[dimension]
    kind, _, group = dimension.partition("_")
    if kind in MUSCLE_PARAMETERS:
        return MUSCLE_PARAMETERS[kind]
    raise KeyError(f"{dimension!r} is not a declared input")


def attributes(name: str) -> dict[str, str]:
    """``units`` and ``long_name`` of an output or an input dimension."""
    if name in OUTPUTS and not name.endswith(INPUT_SUFFIX):
        return OUTPUTS[name].attrs
    variable = input_variable(name)
    if variable.name in MUSCLE_PARAMETERS:
        group = name.partition("_")[2]
        return {"units": variable.units, "long_name": f"{variable.name} of {group.replace('_', ' ')}"}
    return variable.attrs


def markdown_tables() -> str:
    """The inputs and outputs as markdown tables (the generated part of ``docs/conventions.md``)."""

    def rows(table, with_range: bool) -> list[str]:
        out = []
        for v in table.values():
            cells = [f"`{v.name}`", v.units or "—", v.long_name, v.positive or "—"]
            if with_range:
                lo, hi = v.range
                default = "free" if v.default is None else f"{v.default:g}"
                cells += [f"[{lo:g}, {hi:g}]", default, ", ".join(v.tasks) or "all"]
            elif v.dims:
                cells[2] += f" (per {', '.join(v.dims)})"
            out.append("| " + " | ".join(cells) + " |")
        return out

    head_in = ["| name | units | meaning | positive | range | default | tasks |", "|---|---|---|---|---|---|---|"]
    head_out = ["| name | units | meaning | positive |", "|---|---|---|---|"]
    groups = ", ".join(f"`{g}`" for g in MUSCLE_GROUPS)
    lines = ["### Inputs", "", *head_in, *rows(INPUTS, True), *rows(TASK_PARAMETERS, True)]
    lines += ["", "### Subject", "", *head_in, *rows(SUBJECT_PARAMETERS, True)]
    lines += [f"| `sex` | — | selects de Leva's table | — | {', '.join(SEXES)} | male | all |"]
    lines += ["", "### Muscle parameters (per group; `_r`/`_l` for one side)", "", *head_in]
    lines += rows(MUSCLE_PARAMETERS, True)
    lines += ["", f"Groups: {groups}.", "", "### Outputs", "", *head_out]
    lines += rows(POSTURE_OUTPUTS, False) + rows(LOAD_OUTPUTS, False) + rows(STATUS_OUTPUTS, False)
    return "\n".join(lines) + "\n"
