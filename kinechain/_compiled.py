"""Compiled kernels (numba), used where the ``fast`` extra is installed.

A kernel does the arithmetic of a numpy function of this package in one pass per batch element,
without the batch-sized intermediate arrays numpy needs; the numpy function stays the reference,
and the tests hold the two to agree (``tests/test_compiled.py``). ``KINECHAIN_COMPILED=0`` in the
environment turns the kernels off. The kernels live beside the functions they stand in for
(:mod:`kinechain.body.chain`, :mod:`kinechain.body.rotations`, :mod:`kinechain.mechanics.clinical`,
:mod:`kinechain.mechanics.passive`, :mod:`kinechain.posture.kkt`, and for the muscle mechanics
:mod:`kinechain.mechanics._kernels`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

try:
    import numba
except ImportError:  # the fast extra is not installed
    numba = None

#: Whether the compiled kernels are in use (read at every call: a test may turn them off).
ENABLED = numba is not None and os.environ.get("KINECHAIN_COMPILED", "1") != "0"


def enabled() -> bool:
    """Whether the compiled kernels are in use now."""
    return ENABLED


def compiled(function: Callable) -> Callable | None:
    """``function`` compiled to machine code (cached on disk after its first call), or None
    without numba or with the kernels turned off."""
    return numba.njit(cache=True, nogil=True)(function) if ENABLED else None


def compiled_ufunc(function: Callable, signature: str, layout: str) -> Callable | None:
    """``function`` compiled as a generalized ufunc of float64 arrays with core dimensions
    ``layout`` (numpy broadcasts the rest and checks that the core sizes agree; cached on disk), or
    None without numba or with the kernels turned off."""
    return numba.guvectorize([signature], layout, cache=True)(function) if ENABLED else None
