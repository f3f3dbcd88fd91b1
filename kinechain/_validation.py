"""Checks at the public boundary: every error names the parameter, its value and the accepted range."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np


def as_finite_array(name: str, value: object, lo: float, hi: float, units: str = "") -> np.ndarray:
    """Return ``value`` as a float64 array after checking it is finite and within ``[lo, hi]``.

    Parameters
    ----------
    name : str
        Public parameter name, used in the error message.
    value : array_like
        Scalar or array of numbers.
    lo, hi : float
        Accepted closed range.
    units : str
        Units shown in the message (e.g. ``"degrees"``).

    Raises
    ------
    ValueError
        If ``value`` is not numeric, contains NaN or infinity, or leaves ``[lo, hi]``.
    """
    unit = f" {units}" if units else ""
    accepted = f"accepted range is [{lo:g}, {hi:g}]{unit}"
    if isinstance(value, bool | np.bool_) or isinstance(value, str | bytes):
        raise ValueError(f"{name} must be a number; got {value!r} ({type(value).__name__}); {accepted}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers; got {value!r}; {accepted}") from None
    if arr.ndim == 0 and math.isfinite(number := float(arr)) and lo <= number <= hi:
        return arr  # a scalar in range, checked without array operations
    bad = ~np.isfinite(arr) | (arr < lo) | (arr > hi)
    if np.any(bad):
        first = arr[bad].flat[0] if arr.ndim else float(arr)
        hint = ""
        if np.isfinite(first) and "degree" in units and abs(first) > hi and abs(np.radians(first)) <= hi:
            hint = " Angles are in degrees."
        raise ValueError(f"{name} must be within [{lo:g}, {hi:g}]{unit}; got {first!r}.{hint}")
    return arr


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise raise a ValueError listing them."""
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def check_number(name: str, value: object, lo: float, hi: float, units: str = "") -> float:
    """Return ``value`` as a float after checking it is a real finite scalar in ``[lo, hi]``."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        unit = f" {units}" if units else ""
        raise ValueError(
            f"{name} must be a real number within [{lo:g}, {hi:g}]{unit}; got {value!r} ({type(value).__name__})"
        )
    return float(as_finite_array(name, value, lo, hi, units))
