"""The ``kinechain`` command."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
import numpy as np
import xarray as xr

from ._version import __version__
from .body.anthropometry import Subject
from .body.model import Model
from .mechanics.kinematics import forward_kinematics
from .posture import Pose, propagate
from .statics import Loads, statics
from .study.sensitivity import UNSOLVED, sensitivity
from .study.store import Store
from .study.sweep import sweep
from .variables import INPUTS, OUTPUTS, SEXES, SUBJECT_PARAMETERS, TASK_PARAMETERS


def _table(title: str, header: tuple[str, ...], rows: list[tuple]) -> str:
    cells = [header] + [tuple(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    body = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]
    return "\n".join([title, line, body[0], line, *body[1:], line, ""])


#: The demo's scenarios: (heading, right knee valgus in degrees, strength factor of the right
#: gluteus medius and minimus — at 0.1 they can no longer hold a single-leg stance).
SCENARIOS = (
    ("aligned knee", 0.0, 1.0),
    ("15° valgus", 15.0, 1.0),
    ("15° valgus, weak abductors", 15.0, 0.1),
)
#: Muscle groups the demo weakens (the hip abductors).
WEAKENED = ("gluteus_medius_r", "gluteus_minimus_r")
#: The demo's tasks: (task, task parameters, words).
DEMO_TASKS = (
    ("double_stance", {}, "standing on both feet"),
    ("single_leg_squat_r", {"knee_flexion": 60.0}, "single-leg squat on the right leg, knee bent 60°"),
)
#: What the model solves and the demo shows: (output, words).
SOLVED = (
    ("hip_adduction_r", "right hip adduction"),
    ("anterior_pelvic_tilt", "pelvic tilt"),
    ("pelvic_obliquity", "pelvic obliquity"),
    ("pelvic_rotation", "pelvic rotation"),
    ("lumbar_lateral_bending", "lumbar side bending"),
    ("lumbar_torsion", "lumbar torsion (twist)"),
    ("l5s1_compression", "L5/S1 compression"),
    ("l5s1_shear_ap", "L5/S1 front-back shear"),
    ("l5s1_shear_lateral", "L5/S1 side shear"),
    ("l5s1_torsion_moment", "L5/S1 twisting moment"),
)
UNITS = {"degrees": "°", "N": "N", "N m": "N·m"}


def _units(name: str) -> str:
    return UNITS[OUTPUTS[name].units]


def _signed(value: float) -> str:
    """One decimal with its sign; zero (also a rounded −0.04) without one."""
    value = round(float(value), 1) + 0.0
    return f"{value:+.1f}" if value else "0.0"


def body_report(model: Model) -> str:
    """The subject in words: segment masses and lengths, and the pelvis's sagittal geometry."""
    s = model.subject
    seg = s.segments
    rows = [(name, seg[name].mass, seg[name].length) for name in ("foot", "shank", "thigh", "pelvis", "lumbar")]
    rows.append(("head, arms and upper trunk", s.head_arms_trunk_mass, "-"))
    spino = forward_kinematics(model).spinopelvic
    return "\n".join(
        [
            _table("The body (segments from de Leva 1996)", ("segment", "mass (kg)", "length (m)"), rows),
            "Pelvis, standing: pelvic incidence {:.1f}°, sacral slope {:.1f}°, radiographic pelvic tilt {:.1f}°\n"
            "(incidence = tilt + slope). The pelvic angles below are changes from this standing posture.".format(
                *(float(spino[k][0]) for k in ("pelvic_incidence", "sacral_slope", "pelvic_tilt"))
            ),
            "",
        ]
    )


def signs_report() -> str:
    """How to read every sign in the demo, once (from the declarations)."""
    lines = ["How to read the signs (frames: x forward, y up, z to the subject's right)"]
    lines.append("  knee valgus: positive = " + INPUTS["knee_valgus_r"].positive + " (knee towards the midline)")
    lines += [f"  {words}: positive = {OUTPUTS[name].positive}" for name, words in SOLVED]
    return "\n".join(lines) + "\n"


def scenario_poses(model: Model, task: str, parameters: dict, scenarios=SCENARIOS) -> tuple[Pose, Loads]:
    """The scenarios as one paired batch (dimension ``scenario``) and their loads."""
    scenario = [xr.DataArray([value[i] for value in scenarios], dims="scenario") for i in (1, 2)]
    pose = propagate(
        model,
        task=task,
        knee_valgus_r=scenario[0],
        knee_valgus_l=0.0,
        femoral_ir_r=0.0,
        femoral_ir_l=0.0,
        strength=dict.fromkeys(WEAKENED, scenario[1]),
        **parameters,
    )
    return pose, statics(pose)


def scenario_report(model: Model, task: str, parameters: dict, words: str, poses: tuple[Pose, Loads]) -> str:
    """What was prescribed and what the model solved, one column per scenario."""
    pose, loads = poses
    weight = model.subject.weight
    valgus = " or ".join(f"{v:g}°" for v in dict.fromkeys(v for _, v, _ in SCENARIOS))
    strength = " or ".join(f"{100 * v:g} %" for v in dict.fromkeys(v for _, _, v in SCENARIOS))
    held = "".join(
        f"\n  {TASK_PARAMETERS[name].long_name}: {value:g}{UNITS.get(TASK_PARAMETERS[name].units, '')}"
        for name, value in parameters.items()
    )
    prescribed = [
        f"Task: {words}.",
        f"Prescribed (held fixed by the model): right knee valgus {valgus}; left knee valgus 0°; femoral internal",
        f"  rotation 0° on both sides; right gluteus medius and minimus (hip abductors) strength {strength} of a\n"
        f"  typical adult.{held}",
        "Solved (found by the model: the posture of least joint strain that keeps the body balanced over the",
        "  feet, then the muscle forces that hold it):",
    ]
    header = ("quantity", *(name for name, _, _ in SCENARIOS))
    rows = []
    for name, text in SOLVED:
        value = pose[name] if name in pose.angles else loads[name]
        rows.append((f"{text} ({_units(name)})", *(_signed(v) for v in value)))
        if name == "l5s1_compression":
            rows.append(("  as a multiple of body weight", *(f"{v / weight:.2f}" for v in value)))
    rows.append(("muscles can hold it", *("yes" if ok else "NO" for ok in loads["feasible"])))
    note = (
        "'NO': the muscles, at the given strength, cannot supply the joint moments (the model needs reserve\n"
        "moments), or the centre of pressure falls outside the foot.\n"
    )
    return "\n".join(prescribed) + "\n" + _table("", header, rows) + note


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kinechain")
def main() -> None:
    """kinechain: knee valgus and femoral rotation propagated up the kinetic chain."""


@main.command()
@click.option("--mass", default=SUBJECT_PARAMETERS["mass"].default, show_default=True, help="Body mass (kg).")
@click.option("--height", default=SUBJECT_PARAMETERS["height"].default, show_default=True, help="Stature (m).")
@click.option("--sex", type=click.Choice(SEXES), default=SEXES[0], show_default=True)
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the squat as stick figures (three views, aligned knee against valgus with weak hip abductors) "
    "to this PNG file (needs the plot extra: pip install 'kinechain[plot]').",
)
def demo(mass: float, height: float, sex: str, plot_path: str | None) -> None:
    """A clinical summary for one subject: how knee valgus and a weak gluteus medius change pelvic
    posture and lumbar loads, standing and in a single-leg squat."""
    try:
        model = Model.default(Subject(mass, height, sex))
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    s = model.subject
    click.echo(f"kinechain {__version__}: a {s.mass:g} kg, {s.height:g} m {s.sex} subject (--mass, --height, --sex)\n")
    click.echo(body_report(model))
    click.echo(signs_report())
    for task, parameters, words in DEMO_TASKS:
        poses = scenario_poses(model, task, parameters)
        click.echo(scenario_report(model, task, parameters, words, poses))
    if plot_path:
        write_plot(model, plot_path)
        click.echo(f"Stick figures of the squat (aligned knee against 15° valgus with weak hip abductors): {plot_path}")


def write_plot(model: Model, path: str) -> None:
    """Save the squat's first and last scenario as overlaid stick figures in three views (PNG)."""
    try:
        from .plot import stick_figure
    except ImportError as err:
        raise click.ClickException(f"--plot needs matplotlib: pip install 'kinechain[plot]' ({err})") from None
    task, parameters, _ = DEMO_TASKS[-1]
    pair = (SCENARIOS[0], SCENARIOS[-1])
    pose, loads = scenario_poses(model, task, parameters, pair)
    fig = stick_figure(pose, [name for name, _, _ in pair], loads=loads)
    fig.savefig(path, dpi=100)


def _cluster(workers: int | None, scheduler: str | None):
    """A dask client for ``--workers`` (a local cluster of processes) or ``--scheduler``; else nothing."""
    if workers and scheduler:
        raise click.UsageError("give --workers or --scheduler, not both")
    if not workers and not scheduler:
        return contextlib.nullcontext()
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)


def _run(what: str, call):
    try:
        return call()
    except (ValueError, MemoryError, ImportError) as err:
        raise click.ClickException(f"{what}: {err}") from None


_spec = click.argument("spec", type=click.Path(exists=True, dir_okay=False))
_workers = click.option("--workers", type=click.IntRange(1), help="Run on a local dask cluster of N processes.")
_scheduler = click.option("--scheduler", metavar="ADDRESS", help="Run on the dask scheduler at ADDRESS.")
_chunk = click.option(
    "--chunk-size", type=click.IntRange(1), help="Elements per chunk (default: the store's, or 1000)."
)
_quiet = click.option("--no-progress", is_flag=True, help="No progress bar.")


@main.command(name="sweep")
@_spec
@click.option("-o", "--output", required=True, type=click.Path(), help="Store: a zarr directory or a .nc file.")
@_workers
@_scheduler
@_chunk
@_quiet
def sweep_command(spec, output, workers, scheduler, chunk_size, no_progress) -> None:
    """Evaluate a sweep SPEC (TOML) into a store; run it again to resume an interrupted sweep."""
    with _cluster(workers, scheduler) as client:
        _run("sweep", lambda: sweep(spec, output, chunk_size, not no_progress, client))
    click.echo(summary(output))


@main.command(name="sensitivity")
@_spec
@click.option("-o", "--output", required=True, type=click.Path(), help="Result: a .nc file or a zarr directory.")
@click.option("--store", type=click.Path(), help="Stream the sweep to this store (resumable).")
@click.option(
    "--unsolved",
    type=click.Choice(UNSOLVED),
    default="refuse",
    show_default=True,
    help="Unsolved or infeasible elements: refuse, drop their design blocks, or impute the mean.",
)
@_workers
@_scheduler
@_chunk
@_quiet
def sensitivity_command(spec, output, store, unsolved, workers, scheduler, chunk_size, no_progress) -> None:
    """Sensitivity indices of a SPEC (TOML; method sobol, morris or one_at_a_time), ranked per output."""
    if Path(output).exists():
        raise click.ClickException(f"{output} exists; choose another path")
    with _cluster(workers, scheduler) as client:
        result = _run(
            "sensitivity",
            lambda: sensitivity(
                spec, unsolved=unsolved, store=store, chunk_size=chunk_size, progress=not no_progress, client=client
            ),
        )
    if Store(output).netcdf:
        result.to_netcdf(output)
    else:
        result.to_zarr(output, mode="w-", zarr_format=2)
    click.echo(summary(output))


@main.command()
@click.argument("path", type=click.Path(exists=True))
def show(path) -> None:
    """A readable summary of a sweep store or a sensitivity result."""
    click.echo(_run("show", lambda: summary(path)))


def summary(path: str | Path) -> str:
    """What a store or result holds: a sensitivity result's parameters ranked per output, or a
    sweep's design, completion and output ranges over its solved, feasible elements."""
    target = Store(path)
    attrs = target.attrs()
    if "sensitivity_method" in attrs:
        return _ranking(xr.open_dataset(path) if target.netcdf else xr.open_zarr(path))
    if "kinechain_spec" not in attrs:
        raise ValueError(f"{path} is not a kinechain sweep store or sensitivity result")
    done = target.finished()
    ds = target.open()
    sizes = ", ".join(f"{d}={n}" for d, n in ds.sizes.items() if d not in ("muscle", "coordinate"))
    lines = [
        f"{ds.attrs['title']}: {ds.attrs['elements']:,} elements ({sizes})",
        f"chunks written: {int(done.sum())} of {done.size}"
        + ("" if done.all() else " (run the sweep again to finish)"),
    ]
    solved = None
    if "converged" in ds:
        converged, feasible = ds["converged"].values, ds["feasible"].values
        solved = converged & feasible
        lines.append(f"converged: {int(converged.sum()):,}; converged and feasible: {int(solved.sum()):,}")
    rows = []
    for name, var in ds.data_vars.items():
        if name in ("converged", "feasible") or var.ndim != len(solved.shape if solved is not None else var.shape):
            continue
        values = var.values[solved] if solved is not None else var.values.ravel()
        values = values[np.isfinite(values)]
        if values.size:
            rows.append((name, var.attrs.get("units", ""), values.min(), values.mean(), values.max()))
    lines.append(_table("Outputs over solved, feasible elements", ("output", "units", "min", "mean", "max"), rows))
    return "\n".join(lines)


def _ranking(ds: xr.Dataset) -> str:
    method, by = ds.attrs["sensitivity_method"], ds.attrs["ranked_by"]
    columns = {
        "sobol": ("ST", "ST_conf", "S1", "S1_conf"),
        "morris": ("mu_star", "mu_star_conf", "sigma"),
        "one_at_a_time": ("low", "high", "swing"),
    }[method]
    counts = ", ".join(f"{k.removesuffix('_elements')} {ds.attrs[k]}" for k in ds.attrs if k.endswith("_elements"))
    out = [f"{ds.attrs.get('title', 'sensitivity')}, ranked by {by} ({counts})", ""]
    for output in ds["output"].values:
        sel = ds.sel(output=output)
        order = np.argsort(sel["rank"].values)
        rows = [
            (int(sel["rank"].values[i]), str(sel["parameter"].values[i]), *(float(sel[c].values[i]) for c in columns))
            for i in order
        ]
        out.append(_table(f"{output}", ("rank", "parameter", *columns), rows))
    return "\n".join(out)
