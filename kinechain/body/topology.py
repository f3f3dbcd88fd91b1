"""Names and structure of the chain: coordinates, bodies, the tree, and the parameter vector.

Kept free of sympy so that ``import kinechain`` stays fast; :mod:`kinechain.body.symbolic` derives the
chain from these names.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from .._data import read_toml

#: Generalized coordinates, in the order of the ``q`` vector (radians and metres); ``n_q`` in the
#: shapes of the docstrings is their number, ``len(COORDINATES)``.
COORDINATES: tuple[str, ...] = (
    "pelvis_tilt",
    "pelvis_list",
    "pelvis_rotation",
    "pelvis_tx",
    "pelvis_ty",
    "pelvis_tz",
    *(
        f"{name}_{side}"
        for side in "rl"
        for name in (
            "hip_flexion",
            "hip_adduction",
            "hip_rotation",
            "knee_angle",
            "knee_adduction",
            "knee_rotation",
            "ankle_angle",
            "subtalar_angle",
        )
    ),
    "lumbar_extension",
    "lumbar_bending",
    "lumbar_rotation",
    "thoracic_extension",
    "thoracic_bending",
    "thoracic_rotation",
)

#: Coordinates measured in metres; all others are angles.
TRANSLATIONS: tuple[str, ...] = ("pelvis_tx", "pelvis_ty", "pelvis_tz")

#: Lumbar motion segments from the sacrum up; each rotates the vertebra above it.
LUMBAR_LEVELS: tuple[str, ...] = ("l5s1", "l4l5", "l3l4", "l2l3", "l1l2")
#: The vertebra above each level of :data:`LUMBAR_LEVELS`.
LUMBAR_VERTEBRAE: tuple[str, ...] = ("L5", "L4", "L3", "L2", "L1")
#: The thoracic spine (T1–T12 with the rib cage) lumped into one joint at the T12/L1 disc centre:
#: the body above it carries the upper trunk, head and arms.
THORAX = "thorax"


def _coordinate_ranges() -> MappingProxyType:
    """Physiological range of every coordinate, from ``data/joint_ranges.toml`` (cited there).

    A lumbar coordinate's limit is where the first motion segment reaches its range (Yamamoto
    et al. 1989) given each level's share of the motion (``data/skeleton.toml``).
    """
    data = read_toml("joint_ranges.toml")
    lumbar = read_toml("skeleton.toml")["lumbar"]

    def spine(share_key: str, negative: str, positive: str) -> tuple[float, float]:
        share = np.asarray(lumbar[share_key], dtype=float)
        share = share / share.sum()
        lo = np.min(np.asarray(data["lumbar"][negative]) / share)
        hi = np.min(np.asarray(data["lumbar"][positive]) / share)
        return (-float(lo), float(hi))

    pelvis = data["pelvis"]
    return MappingProxyType(
        {
            "pelvis_tilt": tuple(pelvis["tilt"]),
            "pelvis_list": tuple(pelvis["list"]),
            "pelvis_rotation": tuple(pelvis["rotation"]),
            "pelvis_tx": (-5.0, 5.0),
            "pelvis_ty": (-1.0, 2.0),
            "pelvis_tz": (-3.0, 3.0),
            **{f"{name}_{side}": tuple(rng) for side in "rl" for name, rng in data["coordinates"].items()},
            "lumbar_extension": spine("flexion_extension_rom", "flexion", "extension"),
            "lumbar_bending": spine("lateral_bending_rom", "lateral_bending", "lateral_bending"),
            "lumbar_rotation": spine("axial_rotation_rom", "axial_rotation", "axial_rotation"),
            **{f"thoracic_{motion}": tuple(rng) for motion, rng in data["thoracic"].items()},
        }
    )


#: Range of every coordinate (degrees for angles, metres for translations): the physiological
#: ranges of motion of ``data/joint_ranges.toml`` for the joints, a translation envelope for the
#: pelvis. Postures are solved only inside them.
COORDINATE_RANGES = _coordinate_ranges()


#: Segments (bodies) whose frames the generated code returns, in order.
BODIES: tuple[str, ...] = (
    "pelvis",
    "sacrum",
    "L5",
    "L4",
    "L3",
    "L2",
    "L1",
    THORAX,
    "femur_r",
    "tibia_r",
    "talus_r",
    "calcn_r",
    "femur_l",
    "tibia_l",
    "talus_l",
    "calcn_l",
)


def parameter_names() -> tuple[str, ...]:
    """Names of the geometric parameters, in the order of the ``p`` vector."""
    names: list[str] = []
    for side in "rl":
        for point in ("hip_centre", "knee_centre", "ankle_centre", "subtalar_centre"):
            names += [f"{point}_{side}_{c}" for c in "xyz"]
        for axis in ("ankle_axis_orientation", "subtalar_axis_orientation"):
            names += [f"{axis}_{side}_{c}" for c in "xyz"]
    names += ["s1_centre_x", "s1_centre_y", "sacral_slope_neutral", "l5s1_half_disc"]
    names += [f"{lvl}_height" for lvl in LUMBAR_LEVELS]
    names += [f"{lvl}_lordosis" for lvl in LUMBAR_LEVELS]
    for motion in ("extension", "bending", "rotation"):
        names += [f"{lvl}_{motion}_fraction" for lvl in LUMBAR_LEVELS]
    return tuple(names)


#: Parent of every body in :data:`BODIES` (``ground`` for the pelvis).
PARENTS: dict[str, str] = {
    "pelvis": "ground",
    "sacrum": "pelvis",
    "L5": "sacrum",
    "L4": "L5",
    "L3": "L4",
    "L2": "L3",
    "L1": "L2",
    THORAX: "L1",
    **{
        f"{b}_{s}": p
        for s in "rl"
        for b, p in (
            ("femur", "pelvis"),
            ("tibia", f"femur_{s}"),
            ("talus", f"tibia_{s}"),
            ("calcn", f"talus_{s}"),
        )
    },
}


_LEG_JOINTS = {
    "femur": ("hip_flexion", "hip_adduction", "hip_rotation"),
    "tibia": ("knee_angle", "knee_adduction", "knee_rotation"),
    "talus": ("ankle_angle",),
    "calcn": ("subtalar_angle",),
}


def joint_coordinates(body: str) -> tuple[str, ...]:
    """Rotational coordinates of the joint between ``body`` and its parent, in axis order."""
    if body == "pelvis":
        return ("pelvis_tilt", "pelvis_list", "pelvis_rotation")
    if body == "sacrum":
        return ()
    if body.startswith("L"):
        return ("lumbar_extension", "lumbar_bending", "lumbar_rotation")
    if body == THORAX:
        return ("thoracic_extension", "thoracic_bending", "thoracic_rotation")
    name, side = body.split("_")
    return tuple(f"{c}_{side}" for c in _LEG_JOINTS[name])
