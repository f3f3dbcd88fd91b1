"""Rotations and joint coordinate systems.

All frames follow OpenSim's lower-limb models (Delp et al. 1990; Rajagopal et al. 2016), which
agree with the ISB recommendations (Wu et al. 2002, J Biomech 35:543–548) for axis directions:
``X`` anterior, ``Y`` superior, ``Z`` to the right, in every segment at the reference posture.

A three-axis joint rotates the child relative to the parent by the *intrinsic* sequence
``Z → X' → Y''`` (scipy ``"ZXY"``, upper case): flexion about the parent's medio-lateral axis,
ab/adduction about the floating axis, axial rotation about the child's long axis. That is the
joint coordinate system of Grood & Suntay (1983, J Biomech Eng 105:136–144) used by Wu et al.
2002 for the hip and by OpenSim for the hip, knee, pelvis and lumbar joints.

Sign conventions are per side so that a coordinate means the same anatomical motion on both
legs (OpenSim negates the ab/adduction and rotation axes on the left). ``JOINT_SIGNS`` holds the
sign applied to each angle before it becomes a rotation about the ``Z``, ``X`` and ``Y`` axes.
Angles inside the library are radians.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from scipy.spatial.transform import Rotation

#: Axis sequence of every three-axis joint (intrinsic, upper case in scipy).
JCS_SEQUENCE = "ZXY"

#: Signs mapping the joint coordinates (flexion, adduction, rotation order) onto rotations
#: about Z, X, Y. Hip: positive = flexion, adduction, internal rotation (OpenSim ``hip_*``).
#: Knee: positive = flexion, adduction (varus), internal rotation of the tibia (Rajagopal 2016
#: ``knee_angle`` positive in flexion; ``knee_adduction``/``knee_rotation`` as in Lai et al. 2017).
#: Pelvis (ground → pelvis): ``pelvis_tilt`` positive = posterior tilt, ``pelvis_list``
#: positive = right side down, ``pelvis_rotation`` positive = pelvis turns to the left.
#: Lumbar (pelvis → thorax): ``lumbar_extension`` positive = extension, ``lumbar_bending``
#: positive = bending to the right, ``lumbar_rotation`` positive = thorax turns to the left.
#: Thoracic (L1 → thorax): ``thoracic_extension``, ``thoracic_bending``, ``thoracic_rotation`` as
#: the lumbar ones.
JOINT_SIGNS = MappingProxyType(
    {
        ("hip", "r"): (1.0, 1.0, 1.0),
        ("hip", "l"): (1.0, -1.0, -1.0),
        ("knee", "r"): (-1.0, 1.0, 1.0),
        ("knee", "l"): (-1.0, -1.0, -1.0),
        ("ankle_complex", "r"): (1.0, 1.0, 1.0),
        ("ankle_complex", "l"): (1.0, -1.0, -1.0),
        ("pelvis", ""): (1.0, 1.0, 1.0),
        ("lumbar", ""): (1.0, 1.0, 1.0),
        ("thoracic", ""): (1.0, 1.0, 1.0),
    }
)

#: Reflection through the sagittal plane (z → −z) that maps right onto left.
MIRROR = np.diag([1.0, 1.0, -1.0])


def _signs(joint: str, side: str) -> np.ndarray:
    try:
        return np.asarray(JOINT_SIGNS[(joint, side)])
    except KeyError:
        known = sorted({f"{j}{'_' + s if s else ''}" for j, s in JOINT_SIGNS})
        raise ValueError(f"joint/side must be one of {known}; got {joint!r}, {side!r}") from None


def joint_rotation(angles: np.ndarray, joint: str, side: str = "") -> Rotation:
    """Rotation of the child segment relative to the parent from joint coordinates.

    Parameters
    ----------
    angles : array_like, shape (..., 3)
        Joint coordinates in radians, in the order (flexion, adduction, rotation) — e.g.
        (``hip_flexion_r``, ``hip_adduction_r``, ``hip_rotation_r``).
    joint : {"hip", "knee", "ankle_complex", "pelvis", "lumbar", "thoracic"}
    side : {"r", "l", ""}
        Leg side; empty for the pelvis and lumbar joints.

    Returns
    -------
    scipy.spatial.transform.Rotation
        Rotation (batch shape flattened to one leading dimension) mapping child-frame vectors
        into the parent frame.
    """
    a = np.asarray(angles, dtype=float)
    return Rotation.from_euler(JCS_SEQUENCE, a.reshape(-1, 3) * _signs(joint, side))


def joint_angles(relative: Rotation, joint: str, side: str = "") -> np.ndarray:
    """Joint coordinates (radians, shape (n, 3)) of a child-relative-to-parent rotation.

    Inverse of :func:`joint_rotation` for rotations with ``|adduction| < 90°`` (away from
    gimbal lock of the Z–X–Y sequence).
    """
    with np.errstate(invalid="ignore"):
        euler = np.atleast_2d(relative.as_euler(JCS_SEQUENCE))
    return euler * _signs(joint, side)


def relative_rotation(parent: np.ndarray, child: np.ndarray) -> Rotation:
    """Rotation of ``child`` relative to ``parent`` from their orientation matrices in ground.

    Parameters
    ----------
    parent, child : ndarray, shape (..., 3, 3)
        Orientation matrices (columns = segment axes expressed in ground).
    """
    p = np.asarray(parent, dtype=float).reshape(-1, 3, 3)
    c = np.asarray(child, dtype=float).reshape(-1, 3, 3)
    return Rotation.from_matrix(np.einsum("nji,njk->nik", p, c))


def mirror_matrix(rotation: np.ndarray) -> np.ndarray:
    """Mirror image of orientation matrices through the sagittal plane: ``M R M``."""
    return MIRROR @ np.asarray(rotation) @ MIRROR
