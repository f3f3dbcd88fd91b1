"""Pictures of the chain and of results (the ``plot`` extra: matplotlib).

:func:`stick_figure` draws solved postures as stick figures in three anatomical views side by
side; :func:`sweep` plots an output of :func:`kinechain.simulate` over one or two swept inputs;
:func:`sensitivity_bars` draws sensitivity indices as a tornado. Every function draws into the
axes it is given or into a new :class:`matplotlib.figure.Figure` that is not registered with
``pyplot`` (nothing to close, nothing shown): display it in a notebook or ``fig.savefig(...)``.

Views (ground frame, ISB/OpenSim: X anterior, Y superior, Z right):

* frontal — seen from the front, so the subject's right is on the left of the picture;
* sagittal — seen from the right, anterior to the right of the picture;
* transverse — seen from above, anterior up and the subject's right to the right.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.transforms as mtransforms
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .body.topology import LUMBAR_LEVELS, THORAX
from .mechanics.external import centre_of_mass, external_loads, ground_reaction
from .mechanics.kinematics import landmark_positions
from .posture import Pose
from .statics import Loads, statics
from .variables import OUTPUTS, attributes

#: The three views: title, (horizontal, vertical) ground axes, axis labels, whether to invert x.
VIEWS = (
    ("frontal (seen from the front)", (2, 1), ("z (m), positive = right", "y (m), positive = up"), True),
    ("sagittal (seen from the right)", (0, 1), ("x (m), positive = anterior", "y (m), positive = up"), False),
    ("transverse (seen from above)", (2, 0), ("z (m), positive = right", "x (m), positive = anterior"), False),
)
#: Quantities annotated under each view's legend: output name, short words, units.
ANNOTATED = (
    ("anterior_pelvic_tilt", "pelvic tilt", "°"),
    ("pelvic_obliquity", "pelvic obliquity", "°"),
    ("pelvic_rotation", "pelvic rotation", "°"),
    ("lumbar_torsion", "lumbar torsion", "°"),
    ("l5s1_compression", "L5/S1 compression", "N"),
)
#: Characters per line of an axis label.
LABEL_WIDTH = 50
#: Length drawn for a ground reaction equal to body weight, as a fraction of stature.
FORCE_SCALE = 0.35


def _chains() -> list[tuple[str, ...]]:
    """Landmark polylines of the stick figure: feet, shanks, thighs, pelvis, lumbar levels."""
    legs = [
        (f"hip_centre_{s}", f"knee_centre_{s}", f"ankle_centre_{s}", f"heel_{s}", f"toe_{s}", f"ankle_centre_{s}")
        for s in "rl"
    ]
    pelvis = [("asis_r", "asis_l", "psis_l", "psis_r", "asis_r"), ("hip_centre_r", "s1_centre", "hip_centre_l")]
    spine = [("s1_centre", *(f"{level}_disc_centre" for level in LUMBAR_LEVELS), "t12l1_disc_centre")]
    return legs + pelvis + spine


JOINT_CENTRES = (
    *(f"{j}_centre_{s}" for s in "rl" for j in ("hip", "knee", "ankle")),
    "s1_centre",
    *(f"{level}_disc_centre" for level in LUMBAR_LEVELS),
    "t12l1_disc_centre",
)


def _element_labels(pose: Pose) -> list[str]:
    """One label per batch element, from the batch coordinates that vary (inputs, strengths)."""
    if pose.batch.n == 1:
        return [pose.task.replace("_", " ")]
    coords = pose.batch.labelled({}).coords
    template = xr.DataArray(np.zeros(pose.shape), dims=pose.batch.dims)
    parts = [[] for _ in range(pose.batch.n)]
    for name, coord in coords.items():
        if coord.size < 2:
            continue
        unit = "°" if coord.attrs.get("units") == "degrees" else ""
        values = coord.broadcast_like(template).transpose(*pose.batch.dims).values.reshape(-1)
        for i, v in enumerate(values):
            parts[i].append(f"{name} {v:g}{unit}")
    return [", ".join(p) or f"{pose.task} #{i}" for i, p in enumerate(parts)]


def _axis_label(name: str, attrs: dict | None = None) -> str:
    """``long name (units)`` from a variable's attributes, or from its declaration."""
    attrs = attrs if attrs and "units" in attrs else _declared(name)
    long_name = attrs.get("long_name", name)
    units = attrs.get("units", "")
    return textwrap.fill(f"{long_name} ({units})" if units else long_name, LABEL_WIDTH)


def _declared(name: str) -> dict:
    try:
        return attributes(name)
    except KeyError:
        return {}


def _sign_note() -> str:
    """The sign of every annotated quantity, from the declaration."""
    return "; ".join(f"{words}: + = {OUTPUTS[name].positive}" for name, words, _ in ANNOTATED)


def _stick_geometry(pose: Pose) -> dict[str, np.ndarray]:
    """Points of the stick figure for every element of ``pose`` (ground frame, m).

    Returns ``segments`` (n, k, 3) polylines separated by NaN rows, ``joints`` (n, j, 3), the
    centre of mass ``com`` (n, 3), and per stance foot the centre of pressure ``cop_<side>`` and
    the ground reaction force ``grf_<side>`` (n, 3) (N).
    """
    model, frames, cond = pose.model, pose.frames, pose.conditions
    marks = landmark_positions(model, frames)
    gap = np.full((pose.batch.n, 1, 3), np.nan)
    pieces = []
    for chain in _chains():
        pieces += [np.stack([marks[m] for m in chain], axis=1), gap]
    top = marks["t12l1_disc_centre"]
    thorax = top + frames.axis(THORAX, 1) * model.subject.segments["upper_trunk"].length
    pieces.append(np.stack([top, thorax], axis=1))
    weights = external_loads(model, frames, cond.load_mass, cond.load_distance)
    grf = ground_reaction(model, frames, cond.task.stance, weights)
    out = {
        "segments": np.concatenate(pieces, axis=1),
        "joints": np.stack([marks[m] for m in JOINT_CENTRES], axis=1),
        "com": centre_of_mass(weights),
    }
    for side in cond.task.stance:
        out[f"cop_{side}"] = grf.cop[side]
        out[f"grf_{side}"] = grf.force[side]
    return out


def _annotation(pose: Pose, loads: Loads | None, i: int) -> str:
    values = []
    for name, words, unit in ANNOTATED:
        source = pose.angles if name in pose.angles else (loads.values if loads is not None else {})
        if name in source:
            values.append(f"{words} {float(source[name][i]):+.1f} {unit}".replace(" °", "°"))
    status = "" if pose.converged[i] else " (not converged)"
    if loads is not None and pose.converged[i] and not loads.values["feasible"][i]:
        status = " (infeasible: muscles cannot hold it)"
    return status + "\n" + "\n".join(values)


def stick_figure(
    poses: Pose | Sequence[Pose],
    labels: Sequence[str] | None = None,
    *,
    loads: Loads | Sequence[Loads] | None = None,
    axes: Sequence[Axes] | None = None,
    annotate: bool = True,
) -> Figure:
    """The chain as a stick figure in frontal, sagittal and transverse views, poses overlaid.

    Drawn for every pose: feet (ankle, heel, toe), shanks, thighs, the pelvis (ASIS and PSIS
    outline, hip centres to S1), the lumbar levels from S1 to T12/L1, the thorax (along its own
    long axis, de Leva's upper-trunk length), the joint centres (dots), the line of gravity
    through the whole-body centre of mass (dashed) and the ground reaction under each stance foot
    at its centre of pressure (arrow; body weight is drawn as :data:`FORCE_SCALE` × stature).
    Everything is drawn where the solved posture puts it: the free leg of a single-stance task
    keeps the joint angles the model gives it, so in a deep squat its foot can reach below the
    ground line.

    Parameters
    ----------
    poses : Pose or sequence of Pose
        Every element of every pose's batch is drawn as one overlaid pose.
    labels : sequence of str, optional
        One per drawn pose; default: the inputs that vary across the batch, or the task.
    loads : Loads or sequence of Loads, optional
        The statics of each pose, for the L5/S1 compression in the annotation; computed with
        :func:`kinechain.statics` when ``annotate`` and not given.
    axes : sequence of three Axes, optional
        Where to draw the frontal, sagittal and transverse views; default: a new figure.
    annotate : bool
        Whether each pose's legend entry lists pelvic tilt, obliquity and rotation, lumbar
        torsion (degrees) and L5/S1 compression (N), with their signs explained below.

    Returns
    -------
    matplotlib.figure.Figure
        With one line labelled per pose in each view (the whole stick figure is one line).
    """
    poses = [poses] if isinstance(poses, Pose) else list(poses)
    if not poses or not all(isinstance(p, Pose) for p in poses):
        raise ValueError("poses must be a kinechain.Pose or a non-empty sequence of them (from kinechain.propagate)")
    if loads is None:
        loads = [statics(p) if annotate else None for p in poses]
    elif isinstance(loads, Loads):
        loads = [loads]
    if len(loads) != len(poses):
        raise ValueError(f"loads must give one Loads per pose; got {len(loads)} for {len(poses)} poses")
    drawn = [(p, l_, i) for p, l_ in zip(poses, loads, strict=True) for i in range(p.batch.n)]
    labels = list(labels) if labels is not None else [lab for p in poses for lab in _element_labels(p)]
    if len(labels) != len(drawn):
        raise ValueError(f"labels must give one label per drawn pose ({len(drawn)}); got {len(labels)}")

    if axes is None:
        fig = Figure(figsize=(15, 7.5), layout="constrained")
        axes = fig.subplots(1, 3)
    else:
        axes = list(axes)
        if len(axes) != 3:
            raise ValueError(f"axes must be three Axes (frontal, sagittal, transverse); got {len(axes)}")
        fig = axes[0].figure

    handles = []
    geometry = {id(pose): _stick_geometry(pose) for pose in poses}
    for k, ((pose, load, i), label) in enumerate(zip(drawn, labels, strict=True)):
        geo = {name: value[i] for name, value in geometry[id(pose)].items()}
        colour = f"C{k % 10}"
        weight = pose.model.subject.weight
        scale = FORCE_SCALE * pose.model.subject.height / weight
        for ax, (_, (h, v), _, _) in zip(axes, VIEWS, strict=True):
            (line,) = ax.plot(geo["segments"][:, h], geo["segments"][:, v], "-", color=colour, lw=2, label=label)
            ax.plot(geo["joints"][:, h], geo["joints"][:, v], "o", color=colour, ms=4, label="_joint centres")
            com = geo["com"]
            if v == 1:
                ax.plot([com[h], com[h]], [com[v], 0.0], "--", color=colour, lw=1, label="_line of gravity")
            ax.plot(com[h], com[v], "P", color=colour, ms=8, label="_centre of mass")
            for side in pose.conditions.task.stance:
                cop, force = geo[f"cop_{side}"], geo[f"grf_{side}"] * scale
                ax.plot(cop[h], cop[v], "^", color=colour, ms=6, label="_centre of pressure")
                if v == 1:
                    ax.arrow(
                        cop[h],
                        cop[v],
                        force[h],
                        force[v],
                        color=colour,
                        width=0.008,
                        alpha=0.6,
                        length_includes_head=True,
                        label="_ground reaction",
                    )
        handles.append((line, label + (_annotation(pose, load, i) if annotate else "")))

    for ax, (title, _, (xlabel, ylabel), invert) in zip(axes, VIEWS, strict=True):
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_aspect("equal", adjustable="datalim")
        ax.grid(True, lw=0.3)
        if invert:
            ax.invert_xaxis()
    axes[1].axhline(0.0, color="0.5", lw=1)
    key = (
        "dots: joint centres; +: centre of mass; dashed: line of gravity; arrow: "
        "ground reaction at the centre of pressure"
    )
    text = [key] + ([_sign_note()] if annotate else [])
    if fig is axes[0].figure and len(fig.axes) == 3:
        fig.legend(*zip(*handles, strict=True), loc="outside lower center", ncols=min(len(handles), 4), fontsize=8)
        fig.suptitle("\n".join(text), fontsize=8)
    else:
        axes[0].legend(*zip(*handles, strict=True), fontsize=7)
    return fig


def _status(data: xr.Dataset | xr.DataArray, like: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Converged and feasible flags broadcast like ``like`` (all true where absent)."""
    true = xr.ones_like(like, dtype=bool)
    if not isinstance(data, xr.Dataset):
        return true, true
    converged = data["converged"].astype(bool) if "converged" in data else true
    feasible = data["feasible"].astype(bool) if "feasible" in data else converged
    return converged.broadcast_like(like) & true, (feasible & converged).broadcast_like(like) & true


def _mark(ax: Axes, x: np.ndarray, y: np.ndarray, where: np.ndarray, label: str, **style) -> None:
    """Markers at ``(x, y)`` where ``where``; an undefined ``y`` is marked on the bottom edge."""
    x, y, where = (np.asarray(a).reshape(-1) for a in (x, y, where))
    if not where.any():
        return
    defined = where & np.isfinite(y)
    ax.plot(x[defined], y[defined], ls="none", label=label, **style)
    edge = where & ~np.isfinite(y)
    if edge.any():
        blended = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
        ax.plot(
            x[edge],
            np.full(edge.sum(), 0.02),
            ls="none",
            transform=blended,
            clip_on=False,
            label=label if not defined.any() else "_" + label,
            **style,
        )


UNSOLVED = {"marker": "x", "color": "red", "ms": 9, "mew": 2}
INFEASIBLE = {"marker": "o", "mfc": "none", "color": "black", "ms": 10, "mew": 1.5}


def sweep(
    data: xr.Dataset | xr.DataArray,
    output: str | None = None,
    *,
    x: str | None = None,
    kind: str = "lines",
    ax: Axes | None = None,
) -> Figure:
    """An output over one or two swept inputs, straight from :func:`kinechain.simulate`.

    Axis labels carry the long names and units of the Dataset's attributes. Points that did not
    converge are marked with a red ×, and converged points the muscles cannot hold (``feasible``
    false) with a black ring; a point without a value (loads of unsolved postures are NaN) is
    marked on the bottom edge.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        The result; its ``converged`` and ``feasible`` variables (if present) mark the points.
    output : str
        The variable to plot (required for a Dataset).
    x : str, optional
        The dimension on the horizontal axis; default: the first dimension.
    kind : {"lines", "map"}
        With two dimensions: one line per value of the other dimension, or a colour map.
    ax : Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(data, xr.Dataset):
        if output not in data:
            raise ValueError(f"output must be one of {sorted(data.data_vars)}; got {output!r}")
        da = data[output]
    else:
        da = data
    if kind not in ("lines", "map"):
        raise ValueError(f"kind must be 'lines' or 'map'; got {kind!r}")
    dims = list(da.dims)
    if len(dims) not in (1, 2):
        raise ValueError(
            f"sweep plots one or two dimensions; {da.name!r} has {dims} (select the others first, e.g. .sel(...))"
        )
    x = dims[0] if x is None else x
    if x not in dims:
        raise ValueError(f"x must be one of the dimensions {dims}; got {x!r}")
    other = [d for d in dims if d != x]
    da = da.transpose(x, *other)
    converged, feasible = _status(data, da)
    infeasible = converged & ~feasible
    if ax is None:
        fig = Figure(figsize=(6.5, 4.5), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    xv = da[x].values
    ylabel = _axis_label(str(da.name), da.attrs)
    if kind == "map" and other:
        yv = da[other[0]].values
        mesh = ax.pcolormesh(xv, yv, da.values.T, shading="nearest")
        fig.colorbar(mesh, ax=ax, label=ylabel)
        grid_x, grid_y = np.meshgrid(xv, yv, indexing="ij")
        _mark(ax, grid_x, grid_y, ~converged.values, "not converged", **UNSOLVED)
        _mark(ax, grid_x, grid_y, infeasible.values, "infeasible", **INFEASIBLE)
        ax.set_ylabel(_axis_label(other[0], da[other[0]].attrs))
    else:
        series = (
            [(None, da, converged, infeasible)]
            if not other
            else [
                (v, da.isel({other[0]: j}), converged.isel({other[0]: j}), infeasible.isel({other[0]: j}))
                for j, v in enumerate(da[other[0]].values)
            ]
        )
        for value, y, _, _ in series:
            label = str(da.name) if value is None else f"{other[0]} = {value:g}"
            ax.plot(xv, y.values, "-", marker=".", label=label)
        for _, y, ok, bad in series:
            _mark(ax, xv, y.values, ~ok.values, "not converged", **UNSOLVED)
            _mark(ax, xv, y.values, bad.values, "infeasible", **INFEASIBLE)
        ax.set_ylabel(ylabel)
    ax.set_xlabel(_axis_label(x, da[x].attrs))
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    if len(unique) > 1 or other:
        ax.legend(unique.values(), unique.keys(), fontsize=8)
    ax.grid(True, lw=0.3)
    return fig


def sensitivity_bars(
    indices: xr.DataArray | xr.Dataset,
    ci: xr.DataArray | None = None,
    *,
    variable: str | None = None,
    axes: Sequence[Axes] | Axes | None = None,
) -> Figure:
    """Sensitivity indices as a tornado: one horizontal bar per parameter, largest on top.

    Parameters
    ----------
    indices : xarray.DataArray or xarray.Dataset
        Dimensions ``("parameter",)`` or ``("output", "parameter")``; one panel per output.
        A Dataset gives the DataArray ``variable`` (its only data variable by default) and, when
        ``ci`` is not given, the confidence interval ``f"{variable}_conf"`` if present.
    ci : xarray.DataArray, optional
        Confidence interval: a half-width with the dimensions of ``indices``, or low and high
        bounds along an extra dimension ``bound`` of length 2. Drawn as error bars.
    variable : str, optional
        See ``indices``.
    axes : Axes or sequence of Axes, optional
        One per output; default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(indices, xr.Dataset):
        names = [n for n in indices.data_vars if not str(n).endswith("_conf")]
        variable = variable if variable is not None else (names[0] if len(names) == 1 else None)
        if variable not in indices:
            raise ValueError(f"variable must name one of {names}; got {variable!r}")
        if ci is None and f"{variable}_conf" in indices:
            ci = indices[f"{variable}_conf"]
        indices = indices[variable]
    if "parameter" not in indices.dims or not set(indices.dims) <= {"output", "parameter"}:
        raise ValueError(f"indices must have dimensions ('parameter',) or ('output', 'parameter'); got {indices.dims}")
    if "output" not in indices.dims:
        indices = indices.expand_dims(output=[str(indices.name or "")])
        ci = None if ci is None else ci.expand_dims(output=indices["output"].values)
    indices = indices.transpose("output", "parameter")
    outputs = [str(o) for o in indices["output"].values]
    if axes is None:
        n_par = indices.sizes["parameter"]
        fig = Figure(figsize=(4.5 * len(outputs), 1.2 + 0.35 * n_par), layout="constrained")
        axes = fig.subplots(1, len(outputs), squeeze=False)[0]
    else:
        axes = [axes] if isinstance(axes, Axes) else list(axes)
        if len(axes) != len(outputs):
            raise ValueError(f"axes must be one Axes per output ({len(outputs)}); got {len(axes)}")
        fig = axes[0].figure
    xlabel = (
        _axis_label(str(indices.name or "sensitivity index"), indices.attrs)
        if indices.attrs
        else ("sensitivity index (1)")
    )
    for ax, output in zip(axes, outputs, strict=True):
        values = indices.sel(output=output)
        order = np.argsort(-np.abs(values.values), kind="stable")[::-1]  # largest drawn last = on top
        params = [str(p) for p in values["parameter"].values[order]]
        v = values.values[order]
        err = None
        if ci is not None:
            c = ci.sel(output=output).transpose(*(d for d in ("bound", "parameter") if d in ci.dims))
            c = c.values[..., order]
            err = np.abs(np.stack([v - c[0], c[1] - v])) if c.ndim == 2 else np.abs(c)
        ax.barh(np.arange(len(v)), v, xerr=err, color=np.where(v >= 0, "C0", "C3"), capsize=3)
        ax.set_yticks(np.arange(len(v)), params)
        ax.axvline(0.0, color="0.3", lw=0.8)
        ax.set_xlabel(xlabel)
        units = _declared(output).get("units")
        ax.set_title(f"{output} ({units})" if units else output, fontsize=9)
    return fig
