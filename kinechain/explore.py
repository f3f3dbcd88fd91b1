"""An interactive explorer for notebooks (the ``explore`` extra: ipywidgets and matplotlib).

Sliders set knee valgus and femoral internal rotation on one side and the strength of the main
hip and knee muscle groups; every change solves the posture (:func:`kinechain.propagate`) and its
loads (:func:`kinechain.statics`) and redraws the stick figure against a reference (aligned legs,
typical strength), with a table of pelvic angles and lumbar loads.

>>> from kinechain.explore import Explorer
>>> Explorer()  # doctest: +SKIP
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from matplotlib.figure import Figure

from ._html import html_table, summary
from .body.model import Model
from .plot import stick_figure
from .posture import Pose, propagate
from .statics import Loads, statics
from .variables import INPUTS, MUSCLE_GROUPS, MUSCLE_PARAMETERS, OUTPUTS, SIDES, TASKS

#: Muscle groups that get a strength slider.
MAIN_GROUPS = ("gluteus_medius", "gluteus_maximus", "hip_external_rotators", "vastus_medialis", "hip_adductors", "tfl")
#: Half-width of the angle sliders (degrees); the declared ranges are wider than a posture can reach.
ANGLE_SPAN = 20.0
#: Rows of the table.
TABLE = (
    "anterior_pelvic_tilt",
    "pelvic_obliquity",
    "pelvic_rotation",
    "lumbar_torsion",
    "l5s1_compression",
    "l5s1_shear_ap",
    "l5s1_shear_lateral",
    "l4l5_compression",
)


class Explorer:
    """Sliders → posture, loads, stick figure and table.

    Parameters
    ----------
    model : Model, optional
        Default: :meth:`kinechain.Model.default`.
    task : str
        One of :data:`kinechain.variables.TASKS`.
    side : {"r", "l"}
        The leg whose valgus and femoral rotation the sliders set; the other leg stays aligned.
    **task_parameters
        Task parameters by name (``knee_flexion`` …), held fixed.

    Attributes
    ----------
    sliders : dict of str to ipywidgets.FloatSlider
        By input name (``knee_valgus_r``, ``femoral_ir_r``) and muscle group.
    image : ipywidgets.Image
        The stick figures (PNG).
    table : ipywidgets.HTML
        Pelvic angles and lumbar loads, reference against current.
    figure : matplotlib.figure.Figure
        The last figure drawn.
    widget : ipywidgets.Widget
        Everything, laid out; a notebook displays the explorer as this widget.
    """

    def __init__(
        self, model: Model | None = None, task: str = "single_leg_squat_r", side: str = "r", **task_parameters
    ):
        if task not in TASKS:
            raise ValueError(f"task must be one of {list(TASKS)}; got {task!r}")
        if side not in SIDES:
            raise ValueError(f"side must be one of {list(SIDES)}; got {side!r}")
        self.model = Model.default() if model is None else model
        self.task, self.side, self.task_parameters = task, side, task_parameters
        self.sliders = {}
        for name in (f"knee_valgus_{side}", f"femoral_ir_{side}"):
            lo, hi = INPUTS[name].range
            self.sliders[name] = widgets.FloatSlider(
                value=0.0,
                min=max(lo, -ANGLE_SPAN),
                max=min(hi, ANGLE_SPAN),
                step=1.0,
                description=name.replace("_", " ") + " (°)",
                style={"description_width": "initial"},
                continuous_update=False,
            )
        lo, hi = MUSCLE_PARAMETERS["strength"].range
        for group in MAIN_GROUPS:
            self.sliders[group] = widgets.FloatSlider(
                value=MUSCLE_PARAMETERS["strength"].default,
                min=lo,
                max=hi,
                step=0.05,
                description=f"{group.replace('_', ' ')} strength",
                tooltip=MUSCLE_GROUPS[group],
                style={"description_width": "initial"},
                continuous_update=False,
            )
        self.image = widgets.Image(format="png")
        self.table = widgets.HTML()
        self.reference = self.solve({name: 0.0 for name in self.sliders if name not in MAIN_GROUPS}, {})
        for slider in self.sliders.values():
            slider.observe(self.update, names="value")
        self.widget = widgets.HBox([widgets.VBox(list(self.sliders.values())), widgets.VBox([self.image, self.table])])
        self.figure: Figure | None = None
        self.update()

    def solve(self, angles: dict[str, float], strength: dict[str, float]) -> tuple[Pose, Loads]:
        """Posture and loads for slider values (the other leg aligned)."""
        other = "l" if self.side == "r" else "r"
        pose = propagate(
            self.model,
            task=self.task,
            strength=strength,
            **{f"knee_valgus_{other}": 0.0, f"femoral_ir_{other}": 0.0},
            **angles,
            **self.task_parameters,
        )
        return pose, statics(pose)

    def update(self, change: object = None) -> Figure:
        """Solve at the sliders' values and redraw (the sliders' callback)."""
        angles = {name: s.value for name, s in self.sliders.items() if name not in MAIN_GROUPS}
        strength = {name: s.value for name, s in self.sliders.items() if name in MAIN_GROUPS}
        current = self.solve(angles, strength)
        poses, loads = zip(self.reference, current, strict=True)
        self.figure = stick_figure(list(poses), ["reference: aligned, typical strength", "current"], loads=list(loads))
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=60)
        self.image.value = buffer.getvalue()
        rows = []
        for name in TABLE:
            values = [
                pose.angles[name] if name in pose.angles else load.values[name]
                for pose, load in (self.reference, current)
            ]
            rows.append(
                (name.replace("_", " "), OUTPUTS[name].units, *(summary(v) for v in values), OUTPUTS[name].positive)
            )
        rows.append(
            (
                "muscles can hold it",
                "",
                *("yes" if l_.values["feasible"][0] else "no" for _, l_ in (self.reference, current)),
                "",
            )
        )
        self.table.value = html_table(
            "Pelvis and lumbar spine", ("quantity", "units", "reference", "current", "positive"), rows
        )
        return self.figure

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
