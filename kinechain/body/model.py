"""The Model: what the body *is* — segments, joints, geometry and inertia, scaled to a subject.

A :class:`Model` never changes after it is built (like MuJoCo's ``mjModel`` or pinocchio's
``Model``); what varies between evaluations — coordinates, clinical inputs, muscle strength and
tightness — is passed to the functions that take the model as their first argument.

Geometry (joint centres, joint axes, landmarks, muscle attachments) comes from the generic model of
Rajagopal et al. (2016), scaled segment by segment to the subject's de Leva (1996) segment lengths;
the hip joint centres are that model's own, so that they sit where its muscles were attached
around them (the Harrington et al. (2007) regression on the scaled pelvic landmarks is an option);
the lumbar spine is five motion segments (L5/S1 … L1/L2) with documented shares of the lumbar motion
(``data/skeleton.toml``); above it the thoracic spine is one joint at the T12/L1 disc centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from .._data import read_toml
from .._frozen import ReadOnlyMappings
from .._html import html_table
from .._validation import check_choice
from .anthropometry import Subject
from .chain import body_frames
from .musculature import MuscleSet, build_muscles
from .topology import BODIES, COORDINATES, LUMBAR_LEVELS, LUMBAR_VERTEBRAE, THORAX, parameter_names

HIP_CENTRE_METHODS = ("rajagopal2016", "harrington2007")


def skeleton_data() -> dict:
    """The generic skeletal geometry and its sources (``data/skeleton.toml``)."""
    return read_toml("skeleton.toml")


def _mirror(v) -> np.ndarray:
    return np.asarray(v, dtype=float) * np.array([1.0, 1.0, -1.0])


def _mirror_orientation(o) -> np.ndarray:
    """Body X–Y–Z angles of the left offset frame from the right one (OpenSim's convention)."""
    o = np.asarray(o, dtype=float)
    return np.array([-o[0], -o[1], o[2]])


def harrington_hip_centre(asis: np.ndarray, psis: np.ndarray) -> np.ndarray:
    """Right hip joint centre in the pelvis frame from the Harrington et al. (2007) regression.

    Parameters
    ----------
    asis, psis : ndarray, shape (3,)
        Right anterior and posterior superior iliac spines in the pelvis frame (m); the left ones
        are their mirror images.

    Returns
    -------
    ndarray, shape (3,)
        Hip joint centre (m). The regression is applied in the pelvic anatomical frame (origin at
        the ASIS midpoint, X from the PSIS midpoint to the ASIS midpoint, Z through the ASIS) and
        mapped back to the pelvis frame.
    """
    c = skeleton_data()["harrington2007"]
    mid_asis = np.array([asis[0], asis[1], 0.0])
    mid_psis = np.array([psis[0], psis[1], 0.0])
    x_axis = (mid_asis - mid_psis) / np.linalg.norm(mid_asis - mid_psis)
    z_axis = np.array([0.0, 0.0, 1.0])
    y_axis = np.cross(z_axis, x_axis)
    pw = 2.0 * asis[2] * 1000.0
    pd = np.linalg.norm(mid_asis - mid_psis) * 1000.0
    local = np.array([c["ax"] * pd + c["bx"], c["ay"] * pw + c["by"], c["az"] * pw + c["bz"]]) / 1000.0
    return mid_asis + local[0] * x_axis + local[1] * y_axis + local[2] * z_axis


@dataclass(frozen=True)
class MassElement:
    """A mass carried by one body: ``mass`` (kg) at ``com`` (m, body frame)."""

    body: str
    mass: float
    com: tuple[float, float, float]


@dataclass(frozen=True, eq=False)
class Model(ReadOnlyMappings):
    """The lower-limb kinetic chain of one subject; immutable.

    Build it with :meth:`Model.default`. Attributes are read-only mappings and arrays.

    Attributes
    ----------
    subject : Subject
        Whose anthropometry the model is scaled to.
    hip_centre : str
        How the hip joint centres were placed: ``"rajagopal2016"`` (default: the generic model's
        own centres, scaled with the pelvis, consistent with its muscle attachments) or
        ``"harrington2007"`` (the regression on the scaled ASIS/PSIS; the muscle attachments stay
        where the generic model put them, so the hip moment arms change with the centre — see
        docs/validation.md, hip contact force).
    parameters : Mapping[str, float]
        Geometric parameters of the generated kinematics (m, rad, 1), by
        :func:`kinechain.body.symbolic.parameter_names`.
    scale : Mapping[str, float]
        Scale factor applied to each body's generic geometry (1).
    landmarks : Mapping[str, tuple[str, ndarray]]
        Named points: body and position in that body's frame (m).
    masses : tuple of MassElement
        Segment masses (de Leva 1996) and centres of mass. Above the pelvis, de Leva's middle
        trunk (lumbar region) is carried by the L1 frame, and the head, arms and upper trunk by
        the thorax at their composite centre of mass (:func:`trunk_centres_of_mass`).
    standing_height : float
        Height of the pelvis origin above the ground in the neutral posture (m).
    muscles : MuscleSet
        Muscle lines of both sides, scaled to the subject.
    midtarsal_axis : Mapping[str, ndarray]
        Per side, the longitudinal midtarsal axis (unit vector, calcaneus frame) about which the
        rearfoot everts on the planted forefoot (``data/skeleton.toml``).
    """

    subject: Subject
    hip_centre: str
    parameters: MappingProxyType
    scale: MappingProxyType
    landmarks: MappingProxyType
    masses: tuple[MassElement, ...]
    standing_height: float
    muscles: MuscleSet = field(repr=False)
    p: np.ndarray = field(repr=False)
    midtarsal_axis: MappingProxyType = field(repr=False, kw_only=True)

    coordinates = COORDINATES
    bodies = BODIES

    @classmethod
    def default(cls, subject: Subject | None = None, hip_centre: str = "rajagopal2016") -> Model:
        """Build the model of ``subject`` (default: :meth:`Subject.default`).

        Parameters
        ----------
        subject : Subject, optional
            The person; the built-in default is a 70 kg, 1.75 m male.
        hip_centre : {"rajagopal2016", "harrington2007"}
            Hip joint centre placement (see :class:`Model`).
        """
        subject = Subject.default() if subject is None else subject
        if not isinstance(subject, Subject):
            raise ValueError(f"subject must be a kinechain.Subject; got {subject!r}")
        check_choice("hip_centre", hip_centre, HIP_CENTRE_METHODS)
        return _build(subject, hip_centre)

    def neutral(self) -> np.ndarray:
        """Reference standing posture: every joint coordinate zero, the feet on the ground.

        Returns
        -------
        ndarray, shape (n_coordinates,)
            Coordinates in radians and metres; ``pelvis_ty`` places the calcaneus origins on
            the ground plane ``y = 0``.
        """
        q = np.zeros(len(COORDINATES))
        q[COORDINATES.index("pelvis_ty")] = self.standing_height
        return q

    def __repr__(self) -> str:
        s = self.subject
        return (
            f"Model(subject=Subject(mass={s.mass:g}, height={s.height:g}, sex={s.sex!r}, "
            f"pelvic_incidence={s.pelvic_incidence:g}), "
            f"hip_centre={self.hip_centre!r}, {len(COORDINATES)} coordinates, {len(BODIES)} bodies)"
        )

    def _repr_html_(self) -> str:
        s = self.subject
        rows = [(m.body, f"{m.mass:.2f}", ", ".join(f"{c:.3f}" for c in m.com)) for m in self.masses]
        title = (
            f"Model of a {s.mass:g} kg, {s.height:g} m {s.sex}: {len(COORDINATES)} coordinates, {len(BODIES)} bodies, "
            f"{len(self.muscles.names)} muscle lines; hip centres {self.hip_centre}; "
            f"pelvis {self.standing_height:.3f} m above the ground standing"
        )
        return html_table(title, ("body", "mass (kg)", "centre of mass (m, body frame)"), rows)


def trunk_centres_of_mass(
    subject: Subject, s1: np.ndarray, hip_centre: np.ndarray, scale: float
) -> dict[str, tuple[float, np.ndarray]]:
    """Masses (kg) and centres of mass (m, pelvis frame of the neutral posture) above the pelvis.

    de Leva (1996) places the upper and middle trunk centres of mass on the line from the
    suprasternale to the mid-hip joint centre (their percentages from the proximal end), the head
    and neck above C7, and each arm hangs from the acromion. The landmarks (suprasternale, C7,
    acromion) are those of the Rajagopal et al. (2016) torso, relative to its lumbar joint, which
    is the S1 endplate centre ``s1`` here; ``hip_centre`` is the right hip joint centre.

    Returns
    -------
    dict
        ``"middle_trunk"``: de Leva's middle trunk (xiphion to omphalion, the lumbar region), carried
        by L1; ``"upper_body"``: upper trunk, head and both arms, carried by the thorax.
    """
    torso = skeleton_data()["torso"]
    seg = subject.segments
    origin = np.asarray(s1, dtype=float)
    sternal = origin + scale * np.asarray(torso["suprasternale"])
    mid_hip = np.asarray(hip_centre[:2], dtype=float)
    down = (mid_hip - sternal) / np.linalg.norm(mid_hip - sternal)
    upper, middle, head = seg["upper_trunk"], seg["lumbar"], seg["head"]
    parts = [(upper.mass, sternal + down * upper.com_fraction * upper.length)]
    c7 = origin + scale * np.asarray(torso["c7"])
    head_x = 0.5 * (c7[0] + sternal[0])
    parts.append((head.mass, np.array([head_x, c7[1] + (1.0 - head.com_fraction) * head.length])))
    arm_parts = [seg["upper_arm"], seg["forearm"], seg["hand"]]
    arm_mass = sum(a.mass for a in arm_parts)
    below, drop = 0.0, 0.0
    for a in arm_parts:
        drop += a.mass * (below + a.com_fraction * a.length)
        below += a.length
    acromion = origin + scale * np.asarray(torso["acromion"])
    parts.append((2 * arm_mass, acromion - np.array([0.0, drop / arm_mass])))
    total = sum(m for m, _ in parts)
    com = sum(m * x for m, x in parts) / total
    middle_com = sternal + down * (upper.length + middle.com_fraction * middle.length)
    return {
        "middle_trunk": (middle.mass, np.array([middle_com[0], middle_com[1], 0.0])),
        "upper_body": (total, np.array([com[0], com[1], 0.0])),
    }


def require_model(model: object) -> Model:
    """Return ``model`` if it is a :class:`Model`; otherwise raise a ValueError saying how to get one."""
    if not isinstance(model, Model):
        raise ValueError(
            f"model must be a kinechain.Model (build one with kinechain.Model.default(subject)); "
            f"got {type(model).__name__}"
        )
    return model


def _build(subject: Subject, hip_centre: str) -> Model:
    d = skeleton_data()
    seg = subject.segments
    knee = np.asarray(d["femur"]["knee_centre"])
    ankle = np.asarray(d["tibia"]["ankle_centre"])
    heel, toe = np.asarray(d["calcn"]["heel"]), np.asarray(d["calcn"]["toe"])
    scale = {
        "pelvis": subject.height / d["reference_stature"]["value"],
        "femur": seg["thigh"].length / np.linalg.norm(knee),
        "tibia": seg["shank"].length / np.linalg.norm(ankle),
        "foot": seg["foot"].length / np.linalg.norm(toe - heel),
    }
    p, params, hjc = _geometry(scale, hip_centre, np.radians(subject.pelvic_incidence))
    # The generic model (unscaled, its own hip centres): muscle fibre and tendon lengths are
    # scaled by how much each path is longer here than there (as OpenSim's scaling does).
    unit = dict.fromkeys(scale, 1.0)
    # The generic model carries the population-mean pelvic incidence (the default subject's).
    mean_incidence = np.radians(Subject().pelvic_incidence)
    generic = body_frames(_geometry(unit, "rajagopal2016", mean_incidence)[0], np.zeros(len(COORDINATES)))
    sp_, sft = scale["pelvis"], scale["foot"]
    asis, psis = sp_ * np.asarray(d["pelvis"]["asis"]), sp_ * np.asarray(d["pelvis"]["psis"])
    right = {"knee_centre": scale["femur"] * knee, "ankle_centre": scale["tibia"] * ankle}
    s1 = sp_ * np.asarray(d["pelvis"]["s1_centre"])
    landmarks: dict[str, tuple[str, np.ndarray]] = {}
    for side, mirror in (("r", np.asarray), ("l", _mirror)):
        landmarks[f"asis_{side}"] = ("pelvis", mirror(asis))
        landmarks[f"psis_{side}"] = ("pelvis", mirror(psis))
        landmarks[f"hip_centre_{side}"] = (f"femur_{side}", np.zeros(3))
        landmarks[f"knee_centre_{side}"] = (f"tibia_{side}", np.zeros(3))
        landmarks[f"ankle_centre_{side}"] = (f"talus_{side}", np.zeros(3))
        landmarks[f"subtalar_centre_{side}"] = (f"calcn_{side}", np.zeros(3))
        for mark in ("heel", "toe", "mt5", "midtarsal_centre"):
            landmarks[f"{mark}_{side}"] = (
                f"calcn_{side}",
                mirror(sft * np.asarray(d["calcn"][mark])),
            )
    landmarks["s1_centre"] = ("sacrum", np.zeros(3))
    for level, vertebra in zip(LUMBAR_LEVELS, LUMBAR_VERTEBRAE, strict=True):
        landmarks[f"{level}_disc_centre"] = (vertebra, np.zeros(3))
    landmarks["t12l1_disc_centre"] = (THORAX, np.zeros(3))
    for arr in (v for _, v in landmarks.values()):
        arr.setflags(write=False)

    # At the neutral posture with the pelvis at the ground origin: where the calcanei, the L1 and
    # the thorax frames are. The feet define the ground plane; the trunk's centres of mass are
    # placed from the lumbar joint of the generic model (Rajagopal 2016 torso body), here the S1
    # centre: the middle trunk (lumbar region) rides on L1, everything above it on the thorax.
    neutral = body_frames(p, np.zeros(len(COORDINATES)))
    standing_height = float(-neutral.origins[0, BODIES.index("calcn_r"), 1])
    masses = [MassElement("pelvis", seg["pelvis"].mass, tuple(sp_ * np.array([-0.0707, 0.0, 0.0])))]
    trunk = trunk_centres_of_mass(subject, s1, hjc, sp_)
    for body, part in (("L1", "middle_trunk"), (THORAX, "upper_body")):
        mass, com = trunk[part]
        k = BODIES.index(body)
        masses.append(MassElement(body, mass, tuple(neutral.rotations[0, k].T @ (com - neutral.origins[0, k]))))
    for side, mirror in (("r", np.asarray), ("l", _mirror)):
        masses.append(
            MassElement(
                f"femur_{side}",
                seg["thigh"].mass,
                tuple(mirror(seg["thigh"].com_fraction * right["knee_centre"])),
            )
        )
        masses.append(
            MassElement(
                f"tibia_{side}",
                seg["shank"].mass,
                tuple(mirror(seg["shank"].com_fraction * right["ankle_centre"])),
            )
        )
        foot_heel, foot_toe = sft * heel, sft * toe
        masses.append(
            MassElement(
                f"calcn_{side}",
                seg["foot"].mass,
                tuple(mirror(foot_heel + seg["foot"].com_fraction * (foot_toe - foot_heel))),
            )
        )
    return Model(
        subject=subject,
        hip_centre=hip_centre,
        parameters=MappingProxyType(params),
        scale=MappingProxyType(scale),
        landmarks=MappingProxyType(landmarks),
        masses=tuple(masses),
        standing_height=standing_height,
        muscles=build_muscles(scale, neutral, generic),
        p=p,
        midtarsal_axis=MappingProxyType(
            {
                # the file's components are rounded to 5 decimals: made unit again, so that a rotation
                # about the axis is measured in radians
                side: mirror(np.asarray(d["calcn"]["midtarsal_axis"]) / np.linalg.norm(d["calcn"]["midtarsal_axis"]))
                for side, mirror in (("r", np.asarray), ("l", _mirror))
            }
        ),
    )


def _geometry(scale: dict[str, float], hip_centre: str, pelvic_incidence: float):
    """Parameter vector of the generated kinematics for per-body scale factors.

    ``pelvic_incidence`` (rad) is the subject's; with the pelvic tilt that the S1 centre and the
    hip centres give, it sets the neutral sacral slope (``PI = PT + SS``) and the lordosis.
    """
    d = skeleton_data()
    sp_, sf, st, sft = scale["pelvis"], scale["femur"], scale["tibia"], scale["foot"]
    knee = np.asarray(d["femur"]["knee_centre"])
    ankle = np.asarray(d["tibia"]["ankle_centre"])
    asis, psis = sp_ * np.asarray(d["pelvis"]["asis"]), sp_ * np.asarray(d["pelvis"]["psis"])
    if hip_centre == "harrington2007":
        hjc = harrington_hip_centre(asis, psis)
    else:
        hjc = sp_ * np.asarray(d["pelvis"]["hip_centre_rajagopal2016"])

    right = {
        "hip_centre": hjc,
        "knee_centre": sf * knee,
        "ankle_centre": st * ankle,
        "subtalar_centre": sft * np.asarray(d["talus"]["subtalar_centre"]),
        "ankle_axis_orientation": np.asarray(d["tibia"]["ankle_axis_orientation"]),
        "subtalar_axis_orientation": np.asarray(d["talus"]["subtalar_axis_orientation"]),
    }
    params: dict[str, float] = {}
    for side in "rl":
        for name, vec in right.items():
            if side == "l":
                vec = _mirror_orientation(vec) if name.endswith("orientation") else _mirror(vec)
            for c, v in zip("xyz", vec, strict=True):
                params[f"{name}_{side}_{c}"] = float(v)

    lumbar = d["lumbar"]
    s1 = sp_ * np.asarray(d["pelvis"]["s1_centre"])
    # Pelvic tilt of the neutral pelvis: angle from the downward vertical to the line from the
    # S1 endplate centre to the hip axis midpoint, positive when the hip axis is anterior.
    to_hips = np.array([hjc[0], hjc[1]]) - s1
    pelvic_tilt_neutral = np.arctan2(to_hips[0], -to_hips[1])
    sacral_slope = pelvic_incidence - pelvic_tilt_neutral
    params["s1_centre_x"], params["s1_centre_y"] = float(s1[0]), float(s1[1])
    params["sacral_slope_neutral"] = float(sacral_slope)
    discs = sp_ * np.asarray(lumbar["disc_height"])
    bodies = sp_ * np.asarray(lumbar["body_height"])
    params["l5s1_half_disc"] = float(discs[0] / 2)
    # Each level's height runs from its disc centre to the next disc centre up.
    heights = discs / 2 + bodies + np.append(discs[1:], discs[-1]) / 2
    for i, level in enumerate(LUMBAR_LEVELS):
        params[f"{level}_height"] = float(heights[i])
        params[f"{level}_lordosis"] = float(sacral_slope * lumbar["lordosis_share"][i])
    for motion, key in (
        ("extension", "flexion_extension_rom"),
        ("bending", "lateral_bending_rom"),
        ("rotation", "axial_rotation_rom"),
    ):
        rom = np.asarray(lumbar[key], dtype=float)
        for level, frac in zip(LUMBAR_LEVELS, rom / rom.sum(), strict=True):
            params[f"{level}_{motion}_fraction"] = float(frac)

    p = np.array([params[n] for n in parameter_names()])
    p.setflags(write=False)
    return p, params, hjc
