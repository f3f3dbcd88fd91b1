"""Reading the packaged tables in ``kinechain/data`` (comment lines start with ``#``)."""

from __future__ import annotations

import csv
import tomllib
from functools import cache
from importlib import resources


def _text(name: str) -> str:
    return resources.files("kinechain.data").joinpath(name).read_text()


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a packaged CSV table, comment lines skipped."""
    return list(csv.DictReader(line for line in _text(name).splitlines() if not line.startswith("#")))


@cache
def read_toml(name: str) -> dict:
    """A packaged TOML table (parsed once)."""
    return tomllib.loads(_text(name))
