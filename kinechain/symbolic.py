"""The kinematic chain in :mod:`sympy.physics.mechanics`, and the numpy code generated from it.

The chain is a tree rooted at the pelvis, as in OpenSim's lower-limb models:

``ground → pelvis → {femur → tibia → talus → calcaneus} × (right, left)``
``pelvis → sacrum → L5 → L4 → L3 → L2 → L1 (thorax)``

Every reference frame and point is named as a textbook would (``pelvis``, ``femur_r``,
``hip_centre_r``); geometric quantities are symbols (``knee_centre_r_x`` …) so one derivation
serves every subject. :func:`derive` builds the expressions; :func:`generate_source` turns them
into a plain numpy module (common subexpressions eliminated) that is written once to
``kinechain/_generated_kinematics.py`` and imported from there, so importing kinechain never
runs sympy. ``python -m kinechain.symbolic`` regenerates that module; a test checks that the
committed module matches the derivation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
import sympy.physics.mechanics as me

from .topology import (
    BODIES,
    COORDINATES,
    LUMBAR_LEVELS,
    PARENTS,
    joint_coordinates,
    parameter_names,
)


@dataclass(frozen=True)
class Chain:
    """The derived chain: frames, origins and the symbols they depend on."""

    q: tuple[sp.Symbol, ...]
    p: tuple[sp.Symbol, ...]
    ground: me.ReferenceFrame
    origin: me.Point
    frames: dict[str, me.ReferenceFrame]
    origins: dict[str, me.Point]


def _leg(side: str, pelvis, pelvis_origin, q, P, frames, origins) -> None:
    s = 1 if side == "r" else -1
    flex, add, rot, knee, kadd, krot, ankle, subtalar = q
    hip = pelvis_origin.locatenew(f"hip_centre_{side}", _point(pelvis, P, f"hip_centre_{side}"))
    femur = pelvis.orientnew(f"femur_{side}", "Body", (flex, s * add, s * rot), "ZXY")
    knee_pt = hip.locatenew(f"knee_centre_{side}", _point(femur, P, f"knee_centre_{side}"))
    tibia = femur.orientnew(f"tibia_{side}", "Body", (-knee, s * kadd, s * krot), "ZXY")
    ankle_pt = knee_pt.locatenew(f"ankle_centre_{side}", _point(tibia, P, f"ankle_centre_{side}"))
    talus = _pin(tibia, f"talus_{side}", ankle, P, f"ankle_axis_orientation_{side}")
    sub_pt = ankle_pt.locatenew(f"subtalar_centre_{side}", _point(talus, P, f"subtalar_centre_{side}"))
    calcn = _pin(talus, f"calcn_{side}", subtalar, P, f"subtalar_axis_orientation_{side}")
    for name, frame, point in (
        ("femur", femur, hip),
        ("tibia", tibia, knee_pt),
        ("talus", talus, ankle_pt),
        ("calcn", calcn, sub_pt),
    ):
        frames[f"{name}_{side}"] = frame
        origins[f"{name}_{side}"] = point


def _point(frame, P, name):
    return P[f"{name}_x"] * frame.x + P[f"{name}_y"] * frame.y + P[f"{name}_z"] * frame.z


def _pin(parent, name, angle, P, axis):
    """A pin joint about an oblique axis, given as an OpenSim offset orientation (body X–Y–Z)."""
    ox, oy, oz = (P[f"{axis}_{c}"] for c in "xyz")
    offset = parent.orientnew(f"{name}_offset", "Body", (ox, oy, oz), "XYZ")
    turned = offset.orientnew(f"{name}_turned", "Axis", (angle, offset.z))
    return turned.orientnew(name, "Body", (-oz, -oy, -ox), "ZYX")


def derive() -> Chain:
    """Build the chain symbolically.

    Returns
    -------
    Chain
        Frames and origin points of every segment in :data:`BODIES`, as functions of the
        coordinates ``q`` (:data:`COORDINATES`) and the parameters ``p``
        (:func:`parameter_names`).
    """
    qd = me.dynamicsymbols(" ".join(COORDINATES))
    P = {name: sp.Symbol(name, real=True) for name in parameter_names()}
    Q = dict(zip(COORDINATES, qd, strict=True))
    ground = me.ReferenceFrame("ground")
    origin = me.Point("ground_origin")
    origin.set_vel(ground, 0)
    pelvis = ground.orientnew("pelvis", "Body", (Q["pelvis_tilt"], Q["pelvis_list"], Q["pelvis_rotation"]), "ZXY")
    pelvis_origin = origin.locatenew(
        "pelvis_origin",
        Q["pelvis_tx"] * ground.x + Q["pelvis_ty"] * ground.y + Q["pelvis_tz"] * ground.z,
    )
    frames = {"pelvis": pelvis}
    origins = {"pelvis": pelvis_origin}
    for side in "rl":
        names = [c for c in COORDINATES if c.endswith(f"_{side}") and not c.startswith("pelvis")]
        _leg(side, pelvis, pelvis_origin, [Q[n] for n in names], P, frames, origins)

    sacrum = pelvis.orientnew("sacrum", "Axis", (-P["sacral_slope_neutral"], pelvis.z))
    s1 = pelvis_origin.locatenew("s1_centre", P["s1_centre_x"] * pelvis.x + P["s1_centre_y"] * pelvis.y)
    frames["sacrum"] = sacrum
    origins["sacrum"] = s1
    below, joint = sacrum, s1.locatenew("l5s1_centre", P["l5s1_half_disc"] * sacrum.y)
    ext, bend, rot = Q["lumbar_extension"], Q["lumbar_bending"], Q["lumbar_rotation"]
    for level, body in zip(LUMBAR_LEVELS, ("L5", "L4", "L3", "L2", "L1"), strict=True):
        frame = below.orientnew(
            body,
            "Body",
            (
                P[f"{level}_lordosis"] + P[f"{level}_extension_fraction"] * ext,
                P[f"{level}_bending_fraction"] * bend,
                P[f"{level}_rotation_fraction"] * rot,
            ),
            "ZXY",
        )
        frames[body] = frame
        origins[body] = joint
        below, joint = frame, joint.locatenew(f"{body}_top", P[f"{level}_height"] * frame.y)

    return Chain(tuple(qd), tuple(P.values()), ground, origin, frames, origins)


def expressions(chain: Chain, simplify: bool = True) -> list[sp.Expr]:
    """Local joint expressions, flattened, for every body in :data:`BODIES`.

    Per body, 21 numbers: the orientation of the body in its parent (9, row-major, the matrix
    that maps body components to parent components), the position of the body origin from the
    parent origin in parent components (3), and the partial angular velocities of the body in
    its parent with respect to the joint's rotational coordinates (3 × 3, parent components,
    column ``k`` for the ``k``-th coordinate of :func:`joint_coordinates`, zero-padded).
    """
    tidy = sp.simplify if simplify else (lambda e: e)
    t = me.dynamicsymbols._t
    q_of = dict(zip(COORDINATES, chain.q, strict=True))
    out: list[sp.Expr] = []
    for body in BODIES:
        frame, point = chain.frames[body], chain.origins[body]
        parent = PARENTS[body]
        pframe = chain.ground if parent == "ground" else chain.frames[parent]
        porigin = chain.origin if parent == "ground" else chain.origins[parent]
        dcm = pframe.dcm(frame)
        out += [tidy(dcm[i, j]) for i in range(3) for j in range(3)]
        r = point.pos_from(porigin)
        out += [
            tidy(r.dot(pframe.x)),
            tidy(r.dot(pframe.y)),
            tidy(r.dot(pframe.z)),
        ]
        omega = frame.ang_vel_in(pframe)
        coords = joint_coordinates(body)
        partials = [omega.diff(sp.diff(q_of[c], t), pframe) for c in coords]
        for axis in (pframe.x, pframe.y, pframe.z):
            out += [tidy(partials[k].dot(axis)) if k < len(coords) else sp.S.Zero for k in range(3)]
    return out


def generate_source() -> str:
    """Numpy source of ``local_joints(q, p)``, generated from :func:`derive`."""
    from sympy.printing.numpy import NumPyPrinter

    chain = derive()
    q_plain = sp.symbols(" ".join(f"q_{c}" for c in COORDINATES))
    subs = dict(zip(chain.q, q_plain, strict=True))
    exprs = [me.msubs(e, subs) for e in expressions(chain)]
    reps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("x"))
    printer = NumPyPrinter()
    lines = [
        '"""Generated by ``python -m kinechain.symbolic`` from :mod:`kinechain.symbolic`. Do not edit."""',
        "",
        "import numpy",
        "",
        f"N_COORDINATES = {len(COORDINATES)}",
        f"N_PARAMETERS = {len(chain.p)}",
        f"N_BODIES = {len(BODIES)}",
        "",
        "",
        "def local_joints(q, p):",
        '    """Local joint transforms and partial angular velocities.',
        "",
        f"    q : (..., {len(COORDINATES)}) coordinates; p : ({len(chain.p)},) parameters.",
        f"    Returns (..., {len(BODIES)}, 21): see ``kinechain.symbolic.expressions``.",
        '    """',
        "    q = numpy.asarray(q, dtype=float)",
    ]
    used = set().union(*(e.free_symbols for e in exprs)) | set().union(*(e.free_symbols for _, e in reps))
    lines += [f"    {s} = q[..., {i}]" for i, s in enumerate(q_plain) if s in used]
    lines += [f"    {s} = p[{i}]" for i, s in enumerate(chain.p) if s in used]
    lines += [f"    {s} = {printer.doprint(e)}" for s, e in reps]
    lines += [f"    out = numpy.zeros(q.shape[:-1] + ({len(exprs)},))"]
    lines += [f"    out[..., {i}] = {printer.doprint(e)}" for i, e in enumerate(reduced) if e != 0]
    lines += [f"    return out.reshape(q.shape[:-1] + ({len(BODIES)}, 21))", ""]
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - maintenance entry point
    from pathlib import Path

    target = Path(__file__).with_name("_generated_kinematics.py")
    target.write_text(generate_source())
    print(f"wrote {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
