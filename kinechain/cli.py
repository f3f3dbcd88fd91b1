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
from .study.sensitivity import UNSOLVED, sensitivity
from .study.simulate import simulate
from .study.store import LEDGER, Store
from .study.sweep import sweep
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
            "sensitivity", lambda: sensitivity(spec, store, chunk_size, not no_progress, client, None, unsolved)
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
    ds = xr.open_dataset(path) if target.netcdf else xr.open_zarr(path)
    if "sensitivity_method" in ds.attrs:
        return _ranking(ds)
    if "kinechain_spec" not in ds.attrs:
        raise ValueError(f"{path} is not a kinechain sweep store or sensitivity result")
    done = np.asarray(ds[LEDGER].values) == 1
    ds = ds.drop_vars(LEDGER)
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
