"""Rewrite the generated sections of the documents from the code that owns them.

Run ``python tools/generate_docs.py`` after changing a declaration or anything that moves a
published number; ``tests/test_variables.py`` fails while a committed document differs from what
this script writes. A generated section sits between ``<!-- generated: NAME -->`` and
``<!-- end generated: NAME -->``. The validation table, the coupling table and the README's
comparison come from ``tests/validation/rows.py``, which the validation tests also use.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from kinechain import variables

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "validation"))
import rows  # noqa: E402  (the validation rows live with the tests that assert them)

#: (document from the repository root, section name) → function returning the section's markdown.
SECTIONS = {
    ("docs/conventions.md", "inputs-and-outputs"): variables.markdown_tables,
    **rows.SECTIONS,
}


def render(text: str, name: str, body: str) -> str:
    """``text`` with the generated section ``name`` replaced by ``body``."""
    pattern = re.compile(rf"(<!-- generated: {name} -->\n).*?(<!-- end generated: {name} -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"no generated section {name!r}")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def generated() -> dict[Path, str]:
    """Every document with a generated section, as it should read."""
    out: dict[Path, str] = {}
    for (doc, name), make in SECTIONS.items():
        path = ROOT / doc
        out[path] = render(out.get(path, path.read_text()), name, make())
    return out


if __name__ == "__main__":
    for path, text in generated().items():
        if path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path}", file=sys.stderr)
