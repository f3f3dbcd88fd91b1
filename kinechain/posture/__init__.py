"""The posture layer: checked inputs, the posture energy, its constrained minimum, coupling ratios."""

from .conditions import Conditions, conditions
from .coupling import coupling
from .solver import Pose, propagate, solve

__all__ = ["Conditions", "Pose", "conditions", "coupling", "propagate", "solve"]
