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

from .._compiled import compiled, enabled

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


def joint_angles(relative: Rotation | np.ndarray, joint: str, side: str = "") -> np.ndarray:
    """Joint coordinates (radians, shape (n, 3)) of a child-relative-to-parent rotation.

    Inverse of :func:`joint_rotation` for rotations with ``|adduction| < 90°`` (away from
    gimbal lock of the Z–X–Y sequence). ``relative`` is a scipy Rotation or orientation
    matrices (..., 3, 3).
    """
    matrix = relative.as_matrix() if isinstance(relative, Rotation) else np.asarray(relative, dtype=float)
    return zxy_angles(matrix.reshape(-1, 3, 3)) * _signs(joint, side)


def zxy_angles(matrix: np.ndarray) -> np.ndarray:
    """Intrinsic Z–X–Y angles (radians, shape (..., 3)) of rotation matrices (..., 3, 3).

    For ``R = R_z(α) R_x(β) R_y(γ)`` the third row is ``(−cos β sin γ, sin β, cos β cos γ)``
    and the second column ``(−sin α cos β, cos α cos β, sin β)``. The angles are those of
    scipy's ``as_euler("ZXY")`` (α, γ in (−π, π], β in [−π/2, π/2]) away from gimbal lock.
    """
    r = np.asarray(matrix, dtype=float)
    alpha = np.arctan2(-r[..., 0, 1], r[..., 1, 1])
    beta = np.arctan2(r[..., 2, 1], np.hypot(r[..., 2, 0], r[..., 2, 2]))
    gamma = np.arctan2(-r[..., 2, 0], r[..., 2, 2])
    return np.stack([alpha, beta, gamma], axis=-1)


def rotation_vector(matrix: np.ndarray) -> np.ndarray:
    """Rotation vectors (the SO(3) logarithm, radians, shape (n, 3)) of rotation matrices (n, 3, 3).

    Through the unit quaternion, taken from the largest of the trace and the diagonal
    (Shepperd 1978, J Guid Control 1:223–224), as scipy's ``from_matrix(...).as_rotvec()``;
    angles in [0, π]. A compiled kernel (:func:`_rotation_vectors`) does it where the ``fast``
    extra is installed.
    """
    r = np.asarray(matrix, dtype=float).reshape(-1, 3, 3)
    if enabled():
        return _ROTATION_VECTORS(np.ascontiguousarray(r))
    trace = np.trace(r, axis1=1, axis2=2)
    d0, d1, d2 = r[:, 0, 0], r[:, 1, 1], r[:, 2, 2]
    s10, s20, s21 = r[:, 1, 0] + r[:, 0, 1], r[:, 2, 0] + r[:, 0, 2], r[:, 2, 1] + r[:, 1, 2]
    a10, a02, a21 = r[:, 1, 0] - r[:, 0, 1], r[:, 0, 2] - r[:, 2, 0], r[:, 2, 1] - r[:, 1, 2]
    # candidate quaternions (x, y, z, w), one per pivot: x, y, z or w the largest component
    candidates = np.stack(
        [
            np.stack([1 - trace + 2 * d0, s10, s20, a21], axis=1),
            np.stack([s10, 1 - trace + 2 * d1, s21, a02], axis=1),
            np.stack([s20, s21, 1 - trace + 2 * d2, a10], axis=1),
            np.stack([a21, a02, a10, 1 + trace], axis=1),
        ],
        axis=1,
    )
    pivot = np.argmax(np.stack([d0, d1, d2, trace], axis=1), axis=1)
    quat = candidates[np.arange(r.shape[0]), pivot]
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    quat *= np.where(quat[:, 3] < 0, -1.0, 1.0)[:, None]
    vector = quat[:, :3]
    angle = 2 * np.arctan2(np.linalg.norm(vector, axis=1), quat[:, 3])
    small = angle <= 1e-3
    safe = np.where(small, 1.0, angle)
    scale = np.where(small, 2 + angle**2 / 12 + 7 * angle**4 / 2880, safe / np.sin(safe / 2))
    return scale[:, None] * vector


def _rotation_vectors(r: np.ndarray) -> np.ndarray:
    """:func:`rotation_vector`, one matrix at a time (the compiled kernel)."""
    n = r.shape[0]
    out = np.empty((n, 3))
    quat = np.empty(4)
    for e in range(n):
        d0, d1, d2 = r[e, 0, 0], r[e, 1, 1], r[e, 2, 2]
        trace = d0 + d1 + d2
        s10, s20, s21 = r[e, 1, 0] + r[e, 0, 1], r[e, 2, 0] + r[e, 0, 2], r[e, 2, 1] + r[e, 1, 2]
        a10, a02, a21 = r[e, 1, 0] - r[e, 0, 1], r[e, 0, 2] - r[e, 2, 0], r[e, 2, 1] - r[e, 1, 2]
        pivot, largest = 0, d0
        for k, d in enumerate((d1, d2, trace)):
            if d > largest:
                pivot, largest = k + 1, d
        if pivot == 0:
            quat[0], quat[1], quat[2], quat[3] = 1 - trace + 2 * d0, s10, s20, a21
        elif pivot == 1:
            quat[0], quat[1], quat[2], quat[3] = s10, 1 - trace + 2 * d1, s21, a02
        elif pivot == 2:
            quat[0], quat[1], quat[2], quat[3] = s20, s21, 1 - trace + 2 * d2, a10
        else:
            quat[0], quat[1], quat[2], quat[3] = a21, a02, a10, 1 + trace
        norm = np.sqrt(quat[0] ** 2 + quat[1] ** 2 + quat[2] ** 2 + quat[3] ** 2)
        sign = -1.0 if quat[3] < 0 else 1.0
        for k in range(4):
            quat[k] *= sign / norm
        angle = 2 * np.arctan2(np.sqrt(quat[0] ** 2 + quat[1] ** 2 + quat[2] ** 2), quat[3])
        scale = 2 + angle**2 / 12 + 7 * angle**4 / 2880 if angle <= 1e-3 else angle / np.sin(angle / 2)
        for k in range(3):
            out[e, k] = scale * quat[k]
    return out


#: The compiled kernel of :func:`rotation_vector` (None without it).
_ROTATION_VECTORS = compiled(_rotation_vectors)


def relative_matrix(parent: np.ndarray, child: np.ndarray) -> np.ndarray:
    """Orientation (n, 3, 3) of ``child`` relative to ``parent`` from their matrices in ground (..., 3, 3)."""
    p = np.asarray(parent, dtype=float).reshape(-1, 3, 3)
    c = np.asarray(child, dtype=float).reshape(-1, 3, 3)
    return p.transpose(0, 2, 1) @ c


def relative_rotation(parent: np.ndarray, child: np.ndarray) -> Rotation:
    """Rotation of ``child`` relative to ``parent`` from their orientation matrices in ground.

    Parameters
    ----------
    parent, child : ndarray, shape (..., 3, 3)
        Orientation matrices (columns = segment axes expressed in ground).
    """
    return Rotation.from_matrix(relative_matrix(parent, child))


def mirror_matrix(rotation: np.ndarray) -> np.ndarray:
    """Mirror image of orientation matrices through the sagittal plane: ``M R M``."""
    return MIRROR @ np.asarray(rotation) @ MIRROR
