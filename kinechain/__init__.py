"""kinechain — the lower-limb kinetic chain from the foot to the lumbar spine.

Knee valgus and femoral internal rotation, propagated through foot, tibia, femur and pelvis
(both legs closing through the pelvis) into pelvic tilt, obliquity and rotation, lumbar torsion,
and lumbar compression and shear.
"""

from importlib.metadata import PackageNotFoundError, version

from .anthropometry import Subject
from .kinematics import forward_kinematics
from .model import Model
from .posture import Pose, coupling, propagate

try:
    __version__ = version("kinechain")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["Model", "Pose", "Subject", "__version__", "coupling", "forward_kinematics", "propagate"]
