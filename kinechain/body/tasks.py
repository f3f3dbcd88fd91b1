"""Tasks: which feet stand on the ground, how the trunk is held, and what the hands carry.

=======================  =======================================================================
task                     meaning
=======================  =======================================================================
``double_stance``        both feet on the ground, gaze held level and forward
``single_stance_r/_l``   standing on the right/left foot, the other leg free, gaze held
``single_leg_squat_r/_l`` single stance with the stance knee flexed by ``knee_flexion`` (degrees)
``forward_bend``         double stance, the thorax inclined forward by ``trunk_flexion`` (degrees),
                         lumbar flexion ``lumbopelvic_ratio`` times the pelvis's forward tilt
``lift``                 forward bend holding ``load_mass`` (kg) in both hands, ``load_distance`` (m)
                         in front of the L5/S1 disc centre
=======================  =======================================================================

In every task the whole-body centre of mass stays over the base of support: at its neutral
anterior position, and laterally over the midline (double stance) or over the stance foot
(single stance). The gaze is held: the thorax's anterior axis keeps its heading and stays level;
its roll about that axis (the trunk's lateral lean) is free, except in the bending tasks, where
the thorax is held inclined by ``trunk_flexion`` with its lateral axis horizontal.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._validation import check_choice
from ..variables import TASKS


@dataclass(frozen=True)
class Task:
    """Structure of a task (the numbers — flexion angles, loads — are batched separately)."""

    name: str

    @property
    def stance(self) -> tuple[str, ...]:
        """Sides whose foot stands on its support (see :mod:`kinechain.posture.kkt`)."""
        if self.name.startswith(("single_stance", "single_leg_squat")):
            return (self.name[-1],)
        return ("r", "l")

    @property
    def squat_side(self) -> str | None:
        """Side whose knee flexion the task prescribes, if any."""
        return self.name[-1] if self.name.startswith("single_leg_squat") else None

    @property
    def bends(self) -> bool:
        """Whether the task inclines the thorax by ``trunk_flexion``."""
        return self.name in ("forward_bend", "lift")


def get_task(name: str) -> Task:
    """The :class:`Task` called ``name``; a ValueError lists the known tasks."""
    return Task(check_choice("task", name, TASKS))
