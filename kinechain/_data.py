"""Reading the packaged tables in ``kinechain/data`` (comment lines start with ``#``).

Tables are parsed once and handed out read-only: mappings as :class:`types.MappingProxyType`,
lists as tuples, so that no caller can change what every other caller reads.
"""

from __future__ import annotations

import csv
import tomllib
from functools import cache
from importlib import resources
from types import MappingProxyType


def _text(name: str) -> str:
    return resources.files("kinechain.data").joinpath(name).read_text()


def _frozen(value):
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@cache
def read_csv(name: str) -> tuple[MappingProxyType, ...]:
    """Rows of a packaged CSV table (parsed once, read-only), comment lines skipped."""
    rows = csv.DictReader(line for line in _text(name).splitlines() if not line.startswith("#"))
    return tuple(MappingProxyType(row) for row in rows)


@cache
def read_toml(name: str) -> MappingProxyType:
    """A packaged TOML table (parsed once, read-only)."""
    return _frozen(tomllib.loads(_text(name)))
