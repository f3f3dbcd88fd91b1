"""Compact HTML tables for notebook display (``_repr_html_``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

import numpy as np

from .variables import OUTPUTS


def html_table(title: str, header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A titled HTML table; every cell is escaped."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<div><b>{escape(title)}</b><table><tr>{head}</tr>{body}</table></div>"


def summary(values: np.ndarray) -> str:
    """A value (one element) or the range over a batch, with two decimals (no negative zero)."""
    values = np.asarray(values, dtype=float).reshape(-1)
    finite = np.round(values[np.isfinite(values)], 2) + 0.0
    if finite.size == 0:
        return "—"
    if values.size == 1:
        return f"{finite[0]:.2f}"
    return f"{finite.min():.2f} … {finite.max():.2f}"


def output_rows(values: Mapping[str, np.ndarray]) -> list[tuple[str, str, str, str]]:
    """(name, units, value or range, positive direction) for the declared scalar outputs in ``values``."""
    return [
        (name, OUTPUTS[name].units, summary(values[name]), OUTPUTS[name].positive or "—")
        for name in OUTPUTS
        if name in values and not OUTPUTS[name].dims and values[name].dtype.kind == "f"
    ]
