"""Pickling of frozen dataclasses that hold read-only mappings and arrays (``MappingProxyType``
cannot be pickled, and unpickled arrays are writable), so that models, subjects and muscle sets
reach worker processes as they are."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

_PROXIES = "__read_only_mappings__"


class ReadOnlyMappings:
    """Mixin: read-only mappings travel as dicts and come back read-only; the arrays among the
    attributes and the mappings' values come back read-only (the classes using it hold no
    writable ones)."""

    def __getstate__(self) -> dict:
        proxies = [k for k, v in self.__dict__.items() if isinstance(v, MappingProxyType)]
        state = {k: dict(v) if k in proxies else v for k, v in self.__dict__.items()}
        return {**state, _PROXIES: proxies}

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        proxies = state.pop(_PROXIES)
        for value in state.values():
            for array in value.values() if isinstance(value, dict) else (value,):
                if isinstance(array, np.ndarray):
                    array.setflags(write=False)
        self.__dict__.update({k: MappingProxyType(v) if k in proxies else v for k, v in state.items()})
