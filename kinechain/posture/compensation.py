"""Compensation for weak hip abductors in single-leg tasks: the trunk leans over the stance leg.

The posture principle alone lets a hip whose abductors cannot hold the pelvis give way (the
holding deficit of :mod:`kinechain.posture.energy`): the stance hip adducts and the pelvis drops
on the free side (a Trendelenburg sign). People also lean the trunk over the stance leg, which
brings the weight of the upper body closer to the stance hip and lowers the abduction moment the
hip must hold (the Duchenne compensation). How much they lean is a motor choice that a stiffness
principle cannot produce, so it is an input, ``abductor_compensation`` (0 to 1): the share of the
stance hip's abduction shortfall that the lean takes over.

The lean is found by rounds of a secant iteration on the shortfall ``ρ`` measured at each lean,
until ``ρ`` is the share ``(1 − c) ρ₀`` left to the hip (``ρ₀`` the shortfall of the posture
solved without the deficit) to within :data:`SHORTFALL_TOLERANCE`. The first step is the first-order
estimate: leaning the thorax by ``δ`` toward the stance side moves the weight ``W`` it carries
(upper trunk, head, arms and any hand load) sideways by about ``h δ``, ``h`` the height of that
weight's centre above the stance hip centre, and lowers the hip's abduction moment by about
``W h δ``; later steps use the change of ``ρ`` the previous rounds measured. Each round solves the
posture with the lean held; the posture is then solved with the deficit left at that lean, which
the hip gives way to as before.
"""

from __future__ import annotations

import numpy as np

from ..body.chain import Frames
from ..body.topology import BODIES, COORDINATES, THORAX
from ..mechanics.external import external_loads
from .conditions import Conditions

#: The clinical angle the compensation prescribes.
LEAN = "trunk_lateral_lean"
#: Most rounds of the lean toward the share of the shortfall asked for (each solves the posture once).
MAX_ROUNDS = 20
#: The lean is found when the shortfall is within this of the share left to the hip (N·m).
SHORTFALL_TOLERANCE = 0.01


def compensates(cond: Conditions) -> bool:
    """Whether any element of a single-leg task asks for a trunk lean."""
    return len(cond.task.stance) == 1 and bool(np.any(cond.abductor_compensation > 0))


def shortfall(cond: Conditions, deficit: np.ndarray) -> np.ndarray:
    """Abduction moment (N·m, (n,)) the stance hip's muscles cannot supply.

    ``deficit`` (n, n_coordinates) is the holding deficit: negative along the stance hip's
    adduction coordinate where the abductors fall short.
    """
    return np.maximum(-deficit[:, COORDINATES.index(f"hip_adduction_{cond.task.stance[0]}")], 0.0)


def lean_step(cond: Conditions, frames: Frames, excess: np.ndarray) -> np.ndarray:
    """Change of the trunk lateral lean (rad, (n,)) that takes ``excess`` (N·m) off the stance hip.

    Positive toward the right: toward the stance side when that is the right leg.
    """
    side = cond.task.stance[0]
    loads = external_loads(cond.model, frames, cond.load_mass, cond.load_distance)
    upper = loads.body == BODIES.index(THORAX)
    weight = -loads.force[:, upper, 1]
    centre = np.einsum("nk,nki->ni", weight, loads.point[:, upper]) / weight.sum(axis=1, keepdims=True)
    height = centre[:, 1] - frames.origins[:, BODIES.index(f"femur_{side}"), 1]
    toward = 1.0 if side == "r" else -1.0
    return toward * excess / (weight.sum(axis=1) * height)
