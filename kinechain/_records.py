"""Batched records (nested dataclasses, dicts and tuples of arrays whose first axis is the batch):
some elements replaced by those of another record.

A dataclass field declared with ``metadata={"batch": False}`` holds the same value for every
element (an index table, say) and is carried over as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np


def put(record: Any, index: np.ndarray, part: Any) -> Any:
    """A copy of ``record`` whose elements ``index`` are those of ``part`` (a record of the same
    structure over ``len(index)`` elements)."""

    def merged(arrays):
        out = arrays[0].copy()
        out[index] = arrays[1]
        return out

    return _map(merged, [record, part])


def _map(function: Callable[[list[np.ndarray]], np.ndarray], records: list[Any]) -> Any:
    first = records[0]
    if isinstance(first, np.ndarray):
        return function(records)
    if isinstance(first, dict):
        return {key: _map(function, [r[key] for r in records]) for key in first}
    if isinstance(first, tuple):
        return tuple(_map(function, list(items)) for items in zip(*records, strict=True))
    if dataclasses.is_dataclass(first):
        fields = {
            f.name: _map(function, [getattr(r, f.name) for r in records])
            for f in dataclasses.fields(first)
            if f.metadata.get("batch", True)
        }
        return dataclasses.replace(first, **fields)
    return first
