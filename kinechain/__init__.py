"""kinechain — the lower-limb kinetic chain from the foot to the lumbar spine.

Knee valgus and femoral internal rotation, propagated through foot, tibia, femur and pelvis
(both legs closing through the pelvis) into pelvic tilt, obliquity and rotation, lumbar torsion,
and lumbar compression and shear.

Layers, each importing only those below it: :mod:`kinechain.variables` and
:mod:`kinechain.batch` (the declared vocabulary and the batch-shape rule), :mod:`kinechain.body`
(what the body is), :mod:`kinechain.mechanics` (kinematics, muscles, loads),
:mod:`kinechain.posture` (``propagate``, ``coupling``), :mod:`kinechain.statics`,
:mod:`kinechain.study` (``simulate``, ``sweep``, ``sensitivity``), and on top the command line,
:mod:`kinechain.plot` (pictures; the ``plot`` extra) and :mod:`kinechain.explore` (notebook
sliders; the ``explore`` extra), which ``import kinechain`` does not load.
"""

from ._version import __version__
from .body.anthropometry import Subject
from .body.model import Model
from .mechanics.kinematics import forward_kinematics
from .posture import Pose, coupling, propagate
from .statics import Loads, statics
from .study.sensitivity import local_sensitivity, sensitivity
from .study.simulate import simulate
from .study.sweep import sweep

__all__ = [
    "Loads",
    "Model",
    "Pose",
    "Subject",
    "__version__",
    "coupling",
    "forward_kinematics",
    "local_sensitivity",
    "propagate",
    "sensitivity",
    "simulate",
    "statics",
    "sweep",
]
