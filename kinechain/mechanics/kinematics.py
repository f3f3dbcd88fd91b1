"""Forward kinematics for users: coordinates in degrees → frames, landmarks and clinical angles."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .._validation import as_finite_array
from ..body.chain import Frames, body_frames
from ..body.model import require_model
from ..body.topology import COORDINATE_RANGES, COORDINATES, LUMBAR_LEVELS, LUMBAR_VERTEBRAE, TRANSLATIONS
from .clinical import clinical_angles


def landmark_positions(model, frames: Frames) -> dict[str, np.ndarray]:
    """Ground positions (n, 3) of every landmark of ``model`` (m)."""
    return {name: frames.point(body, local) for name, (body, local) in model.landmarks.items()}


def disc_normals(frames: Frames) -> dict[str, np.ndarray]:
    """Unit normals (n, 3) of the endplate below each lumbar disc, pointing superiorly.

    The L5/S1 disc sits on the sacral endplate (the sacrum's Y axis); each higher disc sits on
    the superior endplate of the vertebra below it.
    """
    below = ("sacrum", *LUMBAR_VERTEBRAE[:-1])
    return {f"{level}_normal": frames.axis(body, 1) for level, body in zip(LUMBAR_LEVELS, below, strict=True)}


def spinopelvic(model, frames: Frames) -> dict[str, np.ndarray]:
    """Spinopelvic angles (radians, shape (n,)) in the pelvis's sagittal plane.

    Returns
    -------
    dict
        ``pelvic_incidence``: angle between the perpendicular to the sacral endplate at its centre
        and the line from there to the hip axis midpoint (a property of the pelvis, constant
        across postures). ``pelvic_tilt``: angle from the downward vertical to that line, positive
        when the hip axis lies anterior to the endplate centre (retroversion increases it).
        ``sacral_slope``: angle between the endplate and the horizontal, positive when the
        endplate faces anteriorly. ``pelvic_incidence = pelvic_tilt + sacral_slope``.
    """
    pelvis = frames.rotations[:, frames.index("pelvis")]

    def sagittal(v: np.ndarray) -> np.ndarray:
        local = np.einsum("nji,nj->ni", pelvis, v)
        return np.arctan2(local[:, 0], -local[:, 1])  # angle from pelvis -Y towards +X

    s1 = frames.point("sacrum", np.zeros(3))
    hips = 0.5 * (frames.point("femur_r", np.zeros(3)) + frames.point("femur_l", np.zeros(3)))
    normal = frames.axis("sacrum", 1)
    down = np.broadcast_to([0.0, -1.0, 0.0], normal.shape)
    to_hips = sagittal(hips - s1)
    tilt = _wrap(to_hips - sagittal(down))
    slope = _wrap(sagittal(-down) - sagittal(normal))
    incidence = _wrap(to_hips - sagittal(-normal))
    return {"pelvic_incidence": incidence, "pelvic_tilt": tilt, "sacral_slope": slope}


def _wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + np.pi) % (2 * np.pi) - np.pi


def coordinate_array(coordinates, n: int | None = None) -> np.ndarray:
    """Internal coordinate array (n, n_q) in radians and metres from public values.

    Parameters
    ----------
    coordinates : Mapping[str, array_like] or array_like of shape (n, n_q)
        Coordinates in degrees (angles) and metres (``pelvis_t*``), by name (missing names
        are zero) or as an array in :data:`COORDINATES` order. Values broadcast over the batch.

    Raises
    ------
    ValueError
        For an unknown name, a wrong shape, a non-finite value or a value outside
        :data:`kinechain.body.topology.COORDINATE_RANGES`.
    """
    if isinstance(coordinates, dict | MappingProxyType):
        unknown = sorted(set(coordinates) - set(COORDINATES))
        if unknown:
            raise ValueError(f"unknown coordinate(s) {unknown}; known coordinates are {list(COORDINATES)}")
        columns = {
            name: as_finite_array(name, value, *COORDINATE_RANGES[name], "m" if name in TRANSLATIONS else "degrees")
            for name, value in coordinates.items()
        }
        shape = np.broadcast_shapes(*(c.shape for c in columns.values()), () if n is None else (n,))
        size = int(np.prod(shape)) if shape else 1
        q = np.zeros((size, len(COORDINATES)))
        for name, col in columns.items():
            q[:, COORDINATES.index(name)] = np.broadcast_to(col, shape).reshape(-1)
    else:
        arr = np.asarray(coordinates, dtype=float)
        if arr.ndim not in (1, 2) or arr.shape[-1] != len(COORDINATES):
            raise ValueError(
                f"coordinates must have shape (n, {len(COORDINATES)}) or ({len(COORDINATES)},); got {arr.shape}"
            )
        arr = np.atleast_2d(arr)
        q = np.empty_like(arr)
        for i, name in enumerate(COORDINATES):
            units = "m" if name in TRANSLATIONS else "degrees"
            q[:, i] = as_finite_array(name, arr[:, i], *COORDINATE_RANGES[name], units)
    angles = [i for i, c in enumerate(COORDINATES) if c not in TRANSLATIONS]
    q[:, angles] = np.radians(q[:, angles])
    return q


@dataclass(frozen=True)
class Kinematics:
    """Forward kinematics of a batch of postures (see :func:`forward_kinematics`).

    Attributes
    ----------
    q : ndarray, shape (n, n_q)
        Coordinates (radians, metres).
    frames : Frames
        Segment origins and orientations in ground.
    landmarks : dict of str to ndarray (n, 3)
        Named points in ground (m).
    disc_normals : dict of str to ndarray (n, 3)
        Superior endplate normal below each lumbar disc (unit vectors).
    spinopelvic : dict of str to ndarray (n,)
        Pelvic incidence, pelvic tilt and sacral slope (degrees).
    angles : dict of str to ndarray (n,)
        Clinical angles (degrees), see :mod:`kinechain.mechanics.clinical`.
    """

    q: np.ndarray
    frames: Frames
    landmarks: dict
    disc_normals: dict
    spinopelvic: dict
    angles: dict


def forward_kinematics(model, coordinates=None) -> Kinematics:
    """Segment frames, landmarks and clinical angles of a batch of postures.

    Parameters
    ----------
    model : Model
    coordinates : Mapping[str, array_like] or array_like (n, n_q), optional
        Joint coordinates in degrees (pelvis translations in metres), by OpenSim name; missing
        names take their neutral value (zero, and ``pelvis_ty`` at the model's standing height).

    Returns
    -------
    Kinematics

    Examples
    --------
    >>> import kinechain as kc
    >>> kin = kc.forward_kinematics(kc.Model.default(), {"hip_adduction_r": [0.0, 10.0]})
    >>> kin.angles["hip_adduction_r"].round(6).tolist()
    [0.0, 10.0]
    """
    require_model(model)
    coordinates = {} if coordinates is None else coordinates
    if isinstance(coordinates, dict | MappingProxyType) and "pelvis_ty" not in coordinates:
        coordinates = {**coordinates, "pelvis_ty": model.standing_height}
    q = coordinate_array(coordinates)
    frames = body_frames(model.p, q)
    return Kinematics(
        q=q,
        frames=frames,
        landmarks=landmark_positions(model, frames),
        disc_normals=disc_normals(frames),
        spinopelvic={k: np.degrees(v) for k, v in spinopelvic(model, frames).items()},
        angles={k: np.degrees(v) for k, v in clinical_angles(frames).items()},
    )
