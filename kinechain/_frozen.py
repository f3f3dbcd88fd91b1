"""Pickling of frozen dataclasses that hold read-only mappings (``MappingProxyType`` cannot be
pickled), so that models, subjects and muscle sets reach worker processes."""

from __future__ import annotations

from types import MappingProxyType

_PROXIES = "__read_only_mappings__"


class ReadOnlyMappings:
    """Mixin: read-only mapping attributes travel as dicts and come back read-only."""

    def __getstate__(self) -> dict:
        proxies = [k for k, v in self.__dict__.items() if isinstance(v, MappingProxyType)]
        state = {k: dict(v) if k in proxies else v for k, v in self.__dict__.items()}
        return {**state, _PROXIES: proxies}

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        proxies = state.pop(_PROXIES)
        self.__dict__.update({k: MappingProxyType(v) if k in proxies else v for k, v in state.items()})
