"""kinechain — the lower-limb kinetic chain from the foot to the lumbar spine.

Knee valgus and femoral internal rotation, propagated through foot, tibia, femur and pelvis
(both legs closing through the pelvis) into pelvic tilt, obliquity and rotation, lumbar torsion,
and lumbar compression and shear.
"""

from ._version import __version__
from .anthropometry import Subject
from .kinematics import forward_kinematics
from .model import Model
from .posture import Pose, coupling, propagate
from .simulate import simulate
from .statics import Loads, statics

__all__ = [
    "Loads",
    "Model",
    "Pose",
    "Subject",
    "__version__",
    "coupling",
    "forward_kinematics",
    "propagate",
    "simulate",
    "statics",
]
