"""Clinical joint angles from segment orientations, with the sign of each stated.

Every clinical angle is a joint-coordinate-system angle (intrinsic Z–X–Y, Grood & Suntay 1983;
Wu et al. 2002) of one segment relative to another, named after its positive direction:

=============================  ======================  ===========  =============================
clinical name                  child rel. to parent    JCS axis     positive direction
=============================  ======================  ===========  =============================
``anterior_pelvic_tilt``       pelvis / ground         −Z           anterior (forward) tilt
``pelvic_obliquity``           pelvis / ground         −X           right side up (left drops)
``pelvic_rotation``            pelvis / ground         +Y           pelvis turns left (right
                                                                    side forward)
``lumbar_flexion``             L1 / pelvis             −Z           flexion
``lumbar_lateral_bending``     L1 / pelvis             +X           bending to the right
``lumbar_torsion``             L1 / pelvis             +Y           thorax turns left
``thoracic_flexion``           thorax / L1             −Z           flexion
``thoracic_lateral_bending``   thorax / L1             +X           bending to the right
``thoracic_rotation``          thorax / L1             +Y           thorax turns left
``trunk_lateral_lean``         thorax / ground         +X           top of the thorax to the
                                                                    right
``hip_flexion_{r,l}``          femur / pelvis          +Z           flexion
``hip_adduction_{r,l}``        femur / pelvis          ±X           adduction
``hip_internal_rotation_*``    femur / pelvis          ±Y           internal rotation
``knee_flexion_*``             tibia / femur           −Z           flexion
``knee_valgus_*``              tibia / femur           ∓X           valgus (abduction)
``tibial_internal_rotation_*`` tibia / calcaneus       ∓Y           tibia rotates internally
                                                                    over the foot
``rearfoot_eversion_*``        calcaneus / ground      ∓X           eversion (pronation)
``ankle_dorsiflexion_*``       calcaneus / tibia       +Z           dorsiflexion
=============================  ======================  ===========  =============================

Upper signs are for the right side, lower for the left: the left side uses mirrored axes, so a
clinical angle means the same anatomical motion on both legs. ``knee_fppa_{r,l}`` adds the 2-D
frontal-plane projection angle of the knee (positive = valgus), the measure single-leg squat
studies report; it is not a joint-coordinate-system angle. The lumbar angles are L1
relative to the pelvis (rigid with the sacrum), the thoracic angles the thorax (T1–T12, one joint
at the T12/L1 disc) relative to L1, all zero in the neutral posture. ``trunk_lateral_lean`` is the
thorax's frontal-plane inclination from the vertical: the X angle of its Z–X–Y orientation in the
ground, about the floating anterior axis after the sagittal inclination. Rearfoot eversion is
the calcaneus relative to the floor (the ground frame), as the standing measures define it: the
resting calcaneal stance position is the angle of the calcaneal bisection with the vertical, and
Pinto et al. (2008, Man Ther 13:513) report the calcaneus's position in the frontal plane of the
laboratory; with the neutral foot flat on a level floor it is zero in the neutral posture.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from .._compiled import compiled, enabled
from ..body.chain import Frames
from ..body.rotations import JOINT_SIGNS, joint_angles, relative_matrix, zxy_angles
from ..body.topology import BODIES, THORAX

#: name → (child, parent, JCS joint for side signs, component 0/1/2 = Z/X/Y, sign)
_DEFINITIONS: dict[str, tuple[str, str, str, int, float]] = {
    "anterior_pelvic_tilt": ("pelvis", "ground", "pelvis", 0, -1.0),
    "pelvic_obliquity": ("pelvis", "ground", "pelvis", 1, -1.0),
    "pelvic_rotation": ("pelvis", "ground", "pelvis", 2, 1.0),
    "lumbar_flexion": ("L1", "pelvis", "lumbar", 0, -1.0),
    "lumbar_lateral_bending": ("L1", "pelvis", "lumbar", 1, 1.0),
    "lumbar_torsion": ("L1", "pelvis", "lumbar", 2, 1.0),
    "thoracic_flexion": (THORAX, "L1", "thoracic", 0, -1.0),
    "thoracic_lateral_bending": (THORAX, "L1", "thoracic", 1, 1.0),
    "thoracic_rotation": (THORAX, "L1", "thoracic", 2, 1.0),
    "trunk_lateral_lean": (THORAX, "ground", "thoracic", 1, 1.0),
}
for _s in "rl":
    _DEFINITIONS |= {
        f"hip_flexion_{_s}": (f"femur_{_s}", "pelvis", "hip", 0, 1.0),
        f"hip_adduction_{_s}": (f"femur_{_s}", "pelvis", "hip", 1, 1.0),
        f"hip_internal_rotation_{_s}": (f"femur_{_s}", "pelvis", "hip", 2, 1.0),
        f"knee_flexion_{_s}": (f"tibia_{_s}", f"femur_{_s}", "knee", 0, 1.0),
        f"knee_valgus_{_s}": (f"tibia_{_s}", f"femur_{_s}", "knee", 1, -1.0),
        f"ankle_dorsiflexion_{_s}": (f"calcn_{_s}", f"tibia_{_s}", "ankle_complex", 0, 1.0),
        f"rearfoot_eversion_{_s}": (f"calcn_{_s}", "ground", "ankle_complex", 1, -1.0),
        f"tibial_internal_rotation_{_s}": (f"calcn_{_s}", f"tibia_{_s}", "ankle_complex", 2, -1.0),
    }

#: Clinical angle names, with (child, parent, joint, component, sign) definitions.
CLINICAL_ANGLES = MappingProxyType(_DEFINITIONS)
#: Clinical angles that are 2-D projections rather than joint-coordinate-system angles.
PROJECTION_ANGLES = ("knee_fppa_r", "knee_fppa_l")
#: Every clinical angle: the joint-coordinate-system angles, then the projections.
ANGLE_NAMES = (*CLINICAL_ANGLES, *PROJECTION_ANGLES)


def _side(body: str) -> str:
    return body[-1] if body[-2:] in ("_r", "_l") else ""


#: Every (child, parent, joint) decomposed for :data:`CLINICAL_ANGLES`.
_KEYS = tuple(dict.fromkeys(definition[:3] for definition in _DEFINITIONS.values()))
#: Their parent bodies (the ground after the bodies), child bodies and the joint's side signs (P, 3).
_PAIRS = (
    np.array([len(BODIES) if parent == "ground" else BODIES.index(parent) for _, parent, _ in _KEYS]),
    np.array([BODIES.index(child) for child, _, _ in _KEYS]),
    np.array([JOINT_SIGNS[(joint, _side(child))] for child, _, joint in _KEYS], dtype=float),
)
#: For every joint-coordinate-system angle: its decomposition, component and sign.
_COMPONENTS = (
    np.array([_KEYS.index(d[:3]) for d in _DEFINITIONS.values()]),
    np.array([d[3] for d in _DEFINITIONS.values()]),
    np.array([d[4] for d in _DEFINITIONS.values()]),
)


def clinical_angles(frames: Frames) -> dict[str, np.ndarray]:
    """Every clinical angle (radians, shape (n,)) of a batch of postures, ``knee_fppa_*`` included.

    Parameters
    ----------
    frames : Frames
        Segment frames from :func:`kinechain.kinematics.body_frames`.
    """
    return dict(zip(ANGLE_NAMES, clinical_angle_table(frames), strict=True))


def clinical_angle_table(frames: Frames) -> np.ndarray:
    """Every clinical angle (radians, shape (len(ANGLE_NAMES), n)), in :data:`ANGLE_NAMES` order:
    each child–parent orientation decomposed once, all of them in one batch."""
    rotations = frames.rotations
    n = rotations.shape[0]
    # the ground's orientation after the bodies' (the identity)
    rotations = np.concatenate([rotations, np.broadcast_to(np.eye(3), (n, 1, 3, 3))], axis=1)
    parent, child, signs = _PAIRS
    angles = zxy_angles(rotations[:, parent].transpose(0, 1, 3, 2) @ rotations[:, child]) * signs  # (n, P, 3)
    pair, component, sign = _COMPONENTS
    return np.concatenate([sign[:, None] * angles[:, pair, component].T, _projection_angles(frames, "rl").T])


def clinical_angle(frames: Frames, name: str) -> np.ndarray:
    """One clinical angle (radians, shape (n,))."""
    if name in PROJECTION_ANGLES:
        return frontal_plane_projection_angle(frames, name[-1])
    child, parent, joint, k, sign = CLINICAL_ANGLES[name]
    n = frames.origins.shape[0]
    rp = np.broadcast_to(np.eye(3), (n, 3, 3)) if parent == "ground" else frames.rotations[:, frames.index(parent)]
    rc = frames.rotations[:, frames.index(child)]
    return sign * joint_angles(relative_matrix(rp, rc), joint, _side(child))[:, k]


def clinical_jacobian(frames: Frames, name: str) -> np.ndarray:
    """Derivative (n, n_coordinates) of a clinical angle with respect to the coordinates (rad per rad).

    The relative angular velocity of the two segments, expressed in the parent, maps to the
    Z–X–Y angle rates through ``ω = α̇ e_z + β̇ R_z(α) e_x + γ̇ R_z(α) R_x(β) e_y``. The
    frontal-plane projection angles follow from the Jacobians of the hip, knee and ankle centres.
    """
    return clinical_angle_and_jacobian(frames, name)[1]


def clinical_angle_and_jacobian(frames: Frames, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A clinical angle (rad, (n,)) and its :func:`clinical_jacobian` (n, n_coordinates), from one
    decomposition of the joint's rotation (a compiled kernel, :func:`_angle_rates`, where the
    ``fast`` extra is installed)."""
    if name in PROJECTION_ANGLES:
        return frontal_plane_projection_angle(frames, name[-1]), _projection_jacobian(frames, name[-1])
    child, parent, k, scale = angle_definition(name)
    rc = frames.rotations[:, frames.index(child)]
    omega = frames.angular_jacobian(child)
    if parent == "ground":
        rp = _IDENTITY
    else:
        rp = frames.rotations[:, frames.index(parent)]
        omega = omega - frames.angular_jacobian(parent)
    angle, rate = (_ANGLE_RATES if enabled() else _angle_rates_numpy)(rp, rc, omega, k)
    return scale * angle, scale * rate


def angle_definition(name: str) -> tuple[str, str, int, float]:
    """A joint-coordinate-system clinical angle's child and parent bodies, the Z–X–Y angle
    (0, 1, 2) it is, and the sign (±1) that makes the raw angle the clinical one on its side.

    Raises
    ------
    ValueError
        For a name that is not a joint-coordinate-system clinical angle.
    """
    try:
        child, parent, joint, k, sign = CLINICAL_ANGLES[name]
    except KeyError:
        known = sorted([*CLINICAL_ANGLES, *PROJECTION_ANGLES])
        raise ValueError(f"unknown clinical angle {name!r}; known: {known}") from None
    return child, parent, k, sign * JOINT_SIGNS[(joint, _side(child))][k]


def _angle_rates_numpy(rp: np.ndarray, rc: np.ndarray, omega: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The Z–X–Y angle ``k`` (n,) of ``rc`` relative to ``rp`` ((n or 1, 3, 3) and (n, 3, 3)) and
    its derivative (n, n_q), ``omega`` (n, 3, n_q) the relative angular-velocity Jacobian in ground."""
    relative = rp.transpose(0, 2, 1) @ rc
    omega_parent = rp.transpose(0, 2, 1) @ omega
    raw = zxy_angles(relative)
    ca, sa = np.cos(raw[:, 0, None]), np.sin(raw[:, 0, None])
    cb, sb = np.cos(raw[:, 1, None]), np.sin(raw[:, 1, None])
    wx, wy, wz = omega_parent[:, 0], omega_parent[:, 1], omega_parent[:, 2]
    # the x and y rows give the X and Y rates, then the z row the Z rate
    y_rate = (ca * wy - sa * wx) / cb
    rates = (wz - sb * y_rate, ca * wx + sa * wy, y_rate)  # Z, X, Y angle rates (n, n_coordinates)
    return raw[:, k], rates[k]


def _angle_rates(rp: np.ndarray, rc: np.ndarray, omega: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_angle_rates_numpy`, one posture at a time (the compiled kernel)."""
    n, _, nq = omega.shape
    angle, rate = np.empty(n), np.empty((n, nq))
    r, w = np.empty((3, 3)), np.empty(3)
    for e in range(n):
        p = 0 if rp.shape[0] == 1 else e
        for i in range(3):
            for j in range(3):
                r[i, j] = rp[p, 0, i] * rc[e, 0, j] + rp[p, 1, i] * rc[e, 1, j] + rp[p, 2, i] * rc[e, 2, j]
        alpha = np.arctan2(-r[0, 1], r[1, 1])
        beta = np.arctan2(r[2, 1], np.hypot(r[2, 0], r[2, 2]))
        angle[e] = alpha if k == 0 else beta if k == 1 else np.arctan2(-r[2, 0], r[2, 2])
        ca, sa, cb, sb = np.cos(alpha), np.sin(alpha), np.cos(beta), np.sin(beta)
        for c in range(nq):
            for i in range(3):
                w[i] = rp[p, 0, i] * omega[e, 0, c] + rp[p, 1, i] * omega[e, 1, c] + rp[p, 2, i] * omega[e, 2, c]
            y_rate = (ca * w[1] - sa * w[0]) / cb
            rate[e, c] = w[2] - sb * y_rate if k == 0 else ca * w[0] + sa * w[1] if k == 1 else y_rate
    return angle, rate


#: The ground's orientation, the parent of the angles measured from it; the compiled kernel of
#: :func:`clinical_angle_and_jacobian` (None without it).
_IDENTITY = np.eye(3)[None]
_ANGLE_RATES = compiled(_angle_rates)


def _leg_centres(frames: Frames, side: str):
    return [frames.origins[:, frames.index(f"{b}_{side}")] for b in ("femur", "tibia", "talus")]


def _projection_jacobian(frames: Frames, side: str) -> np.ndarray:
    """Derivative (n, n_coordinates) of the knee frontal-plane projection angle (rad per rad)."""
    hip, knee, ankle = _leg_centres(frames, side)
    jh, jk, ja = (
        frames.point_jacobian(f"{b}_{side}", p[:, None])[:, 0, 1:]
        for b, p in zip(("femur", "tibia", "talus"), (hip, knee, ankle), strict=True)
    )
    t, u = (knee - hip)[:, 1:], (ankle - knee)[:, 1:]
    dt, du = jk - jh, ja - jk  # (n, 2, n_coordinates)
    cross = t[:, 0] * u[:, 1] - t[:, 1] * u[:, 0]
    dot = np.einsum("ni,ni->n", t, u)
    d_cross = dt[:, 0] * u[:, 1, None] + t[:, 0, None] * du[:, 1] - dt[:, 1] * u[:, 0, None] - t[:, 1, None] * du[:, 0]
    d_dot = np.einsum("nic,ni->nc", dt, u) + np.einsum("ni,nic->nc", t, du)
    d_turn = (dot[:, None] * d_cross - cross[:, None] * d_dot) / (cross**2 + dot**2)[:, None]
    return -d_turn if side == "r" else d_turn


def frontal_plane_projection_angle(frames: Frames, side: str) -> np.ndarray:
    """Knee frontal-plane projection angle (FPPA) (radians, shape (n,)), positive = valgus.

    The 2-D angle a camera facing the subject sees: the deviation of the shank (knee → ankle
    joint centre) from the line of the thigh (hip → knee joint centre), both projected on the
    ground's frontal plane (y–z); positive when the knee lies medial to the hip–ankle line. It
    is what single-leg squat studies report as "knee valgus" (e.g. Herrington 2014).
    """
    return _projection_angles(frames, side)[:, 0]


def _projection_angles(frames: Frames, sides: str) -> np.ndarray:
    """:func:`frontal_plane_projection_angle` of each of ``sides`` (n, len(sides))."""
    hip, knee, ankle = (
        frames.origins[:, [BODIES.index(f"{b}_{s}") for s in sides], 1:] for b in ("femur", "tibia", "talus")
    )
    thigh, shank = knee - hip, ankle - knee
    # signed turn from thigh to shank in the (y, z) plane; for the right leg a knee medial to the
    # hip-ankle line turns the shank laterally (+z) on the way down
    turn = np.arctan2(
        thigh[..., 0] * shank[..., 1] - thigh[..., 1] * shank[..., 0], np.einsum("nsi,nsi->ns", thigh, shank)
    )
    return turn * np.array([-1.0 if s == "r" else 1.0 for s in sides])
