"""The ``kinechain`` command."""

from __future__ import annotations

import click
import numpy as np

from ._version import __version__
from .body.anthropometry import Subject
from .body.model import Model
from .mechanics.kinematics import forward_kinematics
from .study.simulate import simulate
from .variables import SEXES, SUBJECT_PARAMETERS


def _table(title: str, header: tuple[str, ...], rows: list[tuple]) -> str:
    cells = [header] + [tuple(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    body = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]
    return "\n".join([title, line, body[0], line, *body[1:], line, ""])


def chain_report(model: Model) -> str:
    """Readable tables of a model's segments and landmarks in the neutral standing posture."""
    s = model.subject
    seg = s.segments
    segments = [
        (name, seg[name].mass, seg[name].length, seg[name].com_fraction)
        for name in ("foot", "shank", "thigh", "pelvis", "lumbar", "upper_trunk", "head")
    ]
    segments.append(("head-arms-trunk", s.head_arms_trunk_mass, "-", "-"))
    kin = forward_kinematics(model)
    marks = [
        (name, *map(float, kin.landmarks[name][0]))
        for name in (
            "hip_centre_r",
            "knee_centre_r",
            "ankle_centre_r",
            "heel_r",
            "toe_r",
            "asis_r",
            "psis_r",
            "s1_centre",
            "l5s1_disc_centre",
            "l4l5_disc_centre",
            "t12l1_disc_centre",
        )
    ]
    spino = [(k, float(v[0])) for k, v in kin.spinopelvic.items()]
    return "\n".join(
        [
            f"kinechain {__version__}: subject {s.mass:g} kg, {s.height:g} m, {s.sex}",
            "",
            _table("Segments (de Leva 1996)", ("segment", "mass kg", "length m", "COM frac"), segments),
            _table(
                "Landmarks, neutral standing (ground frame: x anterior, y up, z right)",
                ("landmark", "x m", "y m", "z m"),
                marks,
            ),
            _table("Spinopelvic geometry", ("angle", "degrees"), spino),
        ]
    )


def scenario_report(model: Model) -> str:
    """Posture and lumbar loads in double stance and a single-leg squat, with and without 10°
    of right knee valgus and a weak gluteus medius (strength 0.4)."""
    rows = []
    for task, extra in (("double_stance", {}), ("single_leg_squat_r", {"knee_flexion": 60.0})):
        for valgus in (0.0, 10.0):
            for weak in (1.0, 0.4):
                ds = simulate(model, task=task, knee_valgus_r=valgus, strength={"gluteus_medius": weak}, **extra)
                flag = "" if bool(ds["feasible"]) else " *"
                rows.append(
                    (
                        task + flag,
                        f"{valgus:g}",
                        f"{weak:g}",
                        float(ds["hip_adduction_r"]),
                        float(ds["pelvic_obliquity"]),
                        float(ds["pelvic_rotation"]),
                        float(ds["lumbar_torsion"]),
                        float(ds["l5s1_compression"]),
                        float(ds["l5s1_shear_ap"]),
                        float(ds["l5s1_torsion_moment"]),
                    )
                )
    header = (
        "task",
        "valgus°",
        "GMed",
        "hipAdd°",
        "obliq°",
        "pelvRot°",
        "torsion°",
        "L5S1 C N",
        "AP N",
        "Mt N·m",
    )
    note = "* = infeasible: reserves needed (muscles too weak) or centre of pressure outside the foot\n"
    return _table("Right knee valgus and gluteus medius strength (GMed: factor on max force)", header, rows) + note


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kinechain")
def main() -> None:
    """kinechain: knee valgus and femoral rotation propagated up the kinetic chain."""


@main.command()
@click.option("--mass", default=SUBJECT_PARAMETERS["mass"].default, show_default=True, help="Body mass (kg).")
@click.option("--height", default=SUBJECT_PARAMETERS["height"].default, show_default=True, help="Stature (m).")
@click.option("--sex", type=click.Choice(SEXES), default=SEXES[0], show_default=True)
def demo(mass: float, height: float, sex: str) -> None:
    """Print the default subject's chain, then posture and lumbar loads in double stance and a
    single-leg squat, with and without knee valgus and a weak gluteus medius."""
    try:
        model = Model.default(Subject(mass, height, sex))
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    with np.printoptions(precision=3, suppress=True):
        click.echo(chain_report(model))
        click.echo(scenario_report(model))
