"""Compensation for weak hip abductors in single-leg tasks: the trunk leans over the stance leg.

The posture principle alone lets a hip whose abductors cannot hold the pelvis give way (the
holding deficit of :mod:`kinechain.posture.energy`): the stance hip adducts and the pelvis drops
on the free side (a Trendelenburg sign). People also lean the trunk over the stance leg, which
brings the weight of the upper body closer to the stance hip and lowers the abduction moment the
hip must hold (the Duchenne compensation). How much they lean is a motor choice that a stiffness
principle cannot produce, so it is an input, ``abductor_compensation`` (0 to 1): the share of the
stance hip's abduction shortfall that the lean takes over.

The lean is estimated to first order: leaning the thorax by ``δ`` toward the stance side moves
the weight ``W`` it carries (upper trunk, head, arms and any hand load) sideways by about
``h δ``, ``h`` the height of that weight's centre above the stance hip centre, and lowers the
hip's abduction moment by ``W h δ``. The lean that takes over the share ``c`` of a shortfall
``ρ`` is therefore ``δ = c ρ / (W h)``, added to the lean of the posture solved without the
deficit; the posture is then solved with that lean held, and what the lean does not cover (the
estimate is first order, and the rest of the chain moves too) is given way as before.
"""

from __future__ import annotations

import numpy as np

from ..body.chain import Frames
from ..body.topology import BODIES, COORDINATES, THORAX
from ..mechanics.clinical import clinical_angle
from ..mechanics.external import external_loads
from .conditions import Conditions

#: The clinical angle the compensation prescribes.
LEAN = "trunk_lateral_lean"


def trunk_lean(cond: Conditions, frames: Frames, deficit: np.ndarray) -> np.ndarray | None:
    """Trunk lateral lean (rad, (n,)) that takes over the requested share of the abduction shortfall.

    Parameters
    ----------
    cond : Conditions
        The task (single-leg) and ``abductor_compensation`` of each element.
    frames : Frames
        The postures solved without the holding deficit.
    deficit : ndarray (n, n_coordinates)
        The holding deficit at those postures (N·m): negative along the stance hip's adduction
        coordinate where the abductors fall short.

    Returns
    -------
    ndarray (n,) or None
        ``None`` when the task stands on both feet or no element asks for compensation.
    """
    if len(cond.task.stance) != 1 or not np.any(cond.abductor_compensation > 0):
        return None
    side = cond.task.stance[0]
    shortfall = np.maximum(-deficit[:, COORDINATES.index(f"hip_adduction_{side}")], 0.0)
    loads = external_loads(cond.model, frames, cond.load_mass, cond.load_distance)
    upper = loads.body == BODIES.index(THORAX)
    weight = -loads.force[:, upper, 1]
    centre = np.einsum("nk,nki->ni", weight, loads.point[:, upper]) / weight.sum(axis=1, keepdims=True)
    height = centre[:, 1] - frames.origins[:, BODIES.index(f"femur_{side}"), 1]
    toward = 1.0 if side == "r" else -1.0  # the lean is positive toward the right
    delta = cond.abductor_compensation * shortfall / (weight.sum(axis=1) * height)
    return clinical_angle(frames, LEAN) + toward * delta
