"""An interactive explorer for notebooks (the ``explore`` extra: ipywidgets and matplotlib).

Sliders set knee valgus (as the tibiofemoral angle or as the frontal-plane projection angle, by a
toggle) and femoral internal rotation on one side, the wedge under each foot and the strength of
the main hip and knee muscle groups; every change solves the posture (:func:`kinechain.propagate`)
and its loads (:func:`kinechain.statics`) and redraws the stick figure against a reference (aligned
legs, flat floor, typical strength), with a table of pelvic angles and lumbar loads.

>>> from kinechain.explore import Explorer
>>> Explorer()  # doctest: +SKIP
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from matplotlib.figure import Figure

from ._html import html_table, summary
from .body.model import Model
from .body.tasks import get_task
from .plot import stick_figure
from .posture import Pose, propagate
from .statics import Loads, statics
from .variables import INPUTS, MUSCLE_GROUPS, MUSCLE_PARAMETERS, OUTPUTS, SIDES, TASK_PARAMETERS, TASKS, Variable

#: Muscle groups that get a strength slider.
MAIN_GROUPS = ("gluteus_medius", "gluteus_maximus", "hip_external_rotators", "vastus_medialis", "hip_adductors", "tfl")
#: Half-width of the angle sliders (degrees); the declared ranges are wider than a posture can reach.
ANGLE_SPAN = 20.0
#: The two ways the valgus slider can prescribe knee valgus (toggle label → input name without side).
VALGUS_MEASURES = {"tibiofemoral angle": "knee_valgus", "projection angle": "knee_fppa"}
#: Label of the reference pose.
REFERENCE = "reference: aligned, flat floor, typical strength"
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
        The leg whose valgus and femoral rotation the sliders set; the other leg stays aligned
        (its tibiofemoral valgus and femoral rotation held at zero).
    **task_parameters
        Task parameters by name (``knee_flexion`` …), held fixed; a foot wedge given here is
        where its slider starts.

    Attributes
    ----------
    sliders : dict of str to ipywidgets.FloatSlider
        By input name (``knee_valgus_r``, ``knee_fppa_r``, ``femoral_ir_r``, ``foot_wedge_r``,
        ``foot_wedge_l``) and muscle group. Only the valgus slider the toggle selects is shown
        and prescribed; the wedge under a foot the task lifts off the ground is disabled.
    valgus : ipywidgets.ToggleButtons
        Prescribe knee valgus as the tibiofemoral angle (``knee_valgus``) or as the projection
        angle (``knee_fppa``); the reference holds the selected one at zero.
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
        wedges = {f"foot_wedge_{s}": TASK_PARAMETERS[f"foot_wedge_{s}"] for s in SIDES}
        self.task, self.side = task, side
        self.task_parameters = {k: v for k, v in task_parameters.items() if k not in wedges}
        angles = (*(f"{measure}_{side}" for measure in VALGUS_MEASURES.values()), f"femoral_ir_{side}")
        self.sliders = {name: _angle_slider(INPUTS[name], 0.0) for name in angles}
        stance = get_task(task).stance
        for name, variable in wedges.items():
            self.sliders[name] = _angle_slider(variable, task_parameters.get(name, variable.default))
            if name[-1] not in stance:
                self.sliders[name].disabled = True
                self.sliders[name].tooltip += f" — this foot is off the ground in {task}"
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
        self.valgus = widgets.ToggleButtons(
            options=list(VALGUS_MEASURES.items()),
            value="knee_valgus",
            description="valgus as",
            tooltips=[INPUTS[f"{measure}_{side}"].long_name for measure in VALGUS_MEASURES.values()],
            style={"description_width": "initial"},
        )
        self.image = widgets.Image(format="png")
        self.table = widgets.HTML()
        self.figure: Figure | None = None
        self._show_selected_valgus()
        self.reference = self.solve(self._reference_inputs(), {})
        for slider in self.sliders.values():
            slider.observe(self.update, names="value")
        self.valgus.observe(self._measure_changed, names="value")
        controls = widgets.VBox([self.valgus, *self.sliders.values()])
        self.widget = widgets.HBox([controls, widgets.VBox([self.image, self.table])])
        self.update()

    @property
    def inputs(self) -> tuple[str, ...]:
        """Names of the inputs the sliders prescribe now (the selected valgus measure, rotation, wedges)."""
        return (f"{self.valgus.value}_{self.side}", f"femoral_ir_{self.side}", *(f"foot_wedge_{s}" for s in SIDES))

    def solve(self, inputs: dict[str, float], strength: dict[str, float]) -> tuple[Pose, Loads]:
        """Posture and loads for slider values (the other leg aligned)."""
        other = "l" if self.side == "r" else "r"
        pose = propagate(
            self.model,
            task=self.task,
            strength=strength,
            **{f"knee_valgus_{other}": 0.0, f"femoral_ir_{other}": 0.0},
            **inputs,
            **self.task_parameters,
        )
        return pose, statics(pose)

    def update(self, change: object = None) -> Figure:
        """Solve at the sliders' values and redraw (the sliders' callback)."""
        inputs = {name: self.sliders[name].value for name in self.inputs}
        strength = {name: s.value for name, s in self.sliders.items() if name in MAIN_GROUPS}
        current = self.solve(inputs, strength)
        poses, loads = zip(self.reference, current, strict=True)
        self.figure = stick_figure(list(poses), [REFERENCE, "current"], loads=list(loads))
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

    def _reference_inputs(self) -> dict[str, float]:
        """The slider side aligned (the selected valgus measure and rotation at zero); wedges left flat."""
        return {f"{self.valgus.value}_{self.side}": 0.0, f"femoral_ir_{self.side}": 0.0}

    def _show_selected_valgus(self) -> None:
        for measure in VALGUS_MEASURES.values():
            shown = measure == self.valgus.value
            self.sliders[f"{measure}_{self.side}"].layout.display = None if shown else "none"

    def _measure_changed(self, change: object = None) -> None:
        """The toggle's callback: show the selected valgus slider, re-solve the reference, redraw."""
        self._show_selected_valgus()
        self.reference = self.solve(self._reference_inputs(), {})
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _angle_slider(variable: Variable, value: float) -> widgets.FloatSlider:
    """A slider over the declared range of an angle input, within ±:data:`ANGLE_SPAN`."""
    lo, hi = variable.range
    return widgets.FloatSlider(
        value=value,
        min=max(lo, -ANGLE_SPAN),
        max=min(hi, ANGLE_SPAN),
        step=1.0,
        description=f"{variable.name.replace('_', ' ')} ({'°' if variable.units == 'degrees' else variable.units})",
        tooltip=variable.attrs["long_name"],
        style={"description_width": "initial"},
        continuous_update=False,
    )
