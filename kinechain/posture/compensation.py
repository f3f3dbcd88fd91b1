"""Compensation for weak hip abductors in single-leg tasks: the trunk leans over the stance leg.

The posture principle alone lets a hip whose abductors cannot hold the pelvis give way (the
holding deficit of :mod:`kinechain.posture.energy`): the stance hip adducts and the pelvis drops
on the free side (a Trendelenburg sign). People also lean the trunk over the stance leg (the
Duchenne compensation), which brings the weight of the upper body over the stance hip and lowers
the abduction moment the hip must hold. How far they lean is a motor choice that a stiffness
principle cannot produce; it is priced here by the cost of the force sharing that holds the
posture, the muscular effort ``J = Σ a² + Σ (ρ/R)²`` (:func:`kinechain.posture.energy.holding`).

Leaning trades the stance hip's abductors for the trunk muscles that hold the leaning trunk, so
``J`` has a minimum over the lean ``ℓ`` of the thorax. The effort leaves out muscles the model
does not share forces among (above L1, the neck, the foot and ankle) and costs of balance, so the
minimum itself is not taken as a person's lean: with typical strength it lies about 5° beyond the
posture principle's lean in single-leg stance. The compensation is the shift of that minimum
toward the stance side which weak hip abductors (:data:`ABDUCTORS`) cause, taken in the share
``c`` the input ``abductor_compensation`` asks for::

    ℓ = ℓ₀ + c max(0, ℓ*(strength) − ℓ*(typical abductors))

(toward the stance side), ``ℓ₀`` the lean of the posture solved without the deficit and ``ℓ*``
the least-effort lean with the user's strengths and with the abductor groups at 1 (every other
group as the user gave it). Each ``ℓ*`` is found by a golden-section search over
:data:`LEAN_BRACKET` (every evaluation solves the posture with the lean held) to
:data:`LEAN_TOLERANCE`. Where no minimum is found inside the bracket (the effort is not finite,
or the search ends at the bracket's edge), the lean is not held and ``limit`` says the lean was
not reached. With typical abductors the shift is zero and the lean is ``ℓ₀``. The posture is then
solved with the deficit left at ``ℓ``, which the hip gives way to as before.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .conditions import Conditions

#: The clinical angle the compensation prescribes.
LEAN = "trunk_lateral_lean"
#: The hip abductor groups whose weakness the lean compensates for.
ABDUCTORS = ("gluteus_medius", "gluteus_minimus", "tfl")
#: Leans (rad) searched for the least effort, away from and toward the stance side of ``ℓ₀``.
LEAN_BRACKET = (np.radians(-10.0), np.radians(40.0))
#: Width (rad) of the bracket the golden-section search ends with.
LEAN_TOLERANCE = np.radians(1e-3)
#: Golden ratio conjugate: the share of a bracket kept at each section.
GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def holds_lean(cond: Conditions) -> bool:
    """Whether the task's posture problem carries the trunk lean as a target (single-leg tasks;
    released where no compensation is asked), so that every chunk has the same constraint rows."""
    return len(cond.task.stance) == 1


def compensates(cond: Conditions) -> bool:
    """Whether any element of a single-leg task asks for a trunk lean."""
    return holds_lean(cond) and bool(np.any(cond.abductor_compensation > 0))


def toward_stance(cond: Conditions) -> float:
    """Sign of a lean over the stance leg (``trunk_lateral_lean`` is positive toward the right)."""
    return 1.0 if cond.task.stance[0] == "r" else -1.0


def typical_abductors(cond: Conditions) -> np.ndarray:
    """The batch's strengths (n, M) with the lines of the :data:`ABDUCTORS` groups at 1."""
    strength = cond.strength.copy()
    for group in ABDUCTORS:
        strength[:, cond.model.muscles.groups[group]] = 1.0
    return strength


def golden_section(
    cost: Callable[[np.ndarray], np.ndarray], lower: np.ndarray, upper: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum (n,) of a unimodal ``cost`` on ``[lower, upper]`` for every element of a batch.

    ``cost`` maps n points to n values (``inf`` where undefined, never NaN) and is called once per
    section; all elements take the same number of sections, enough to narrow the widest bracket
    to ``tolerance``. Returns the middle of the last bracket and the lowest value evaluated in it.
    """
    a, b = np.asarray(lower, dtype=float).copy(), np.asarray(upper, dtype=float).copy()
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = cost(c), cost(d)
    sections = int(np.ceil(np.log(tolerance / np.max(b - a)) / np.log(GOLDEN)))
    for _ in range(max(sections, 0)):
        left = fc < fd  # the minimum is in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        new = np.where(left, b - GOLDEN * (b - a), a + GOLDEN * (b - a))
        value = cost(new)
        c, fc, d, fd = (
            np.where(left, new, d),
            np.where(left, value, fd),
            np.where(left, c, new),
            np.where(left, fc, value),
        )
    return 0.5 * (a + b), np.minimum(fc, fd)
