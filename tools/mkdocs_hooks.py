"""Build hooks of the documentation site (``mkdocs.yml``).

The notebooks live in ``examples/`` (where the tests run them); this hook adds them to the site
as pages under ``examples/``, rendered by mkdocs-jupyter without execution. It also draws the
stick figure of the conventions page from the package itself.
"""

from __future__ import annotations

import io
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

import kinechain as kc
from kinechain import plot

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIGURE = "figures/stick_figure.png"


@event_priority(100)  # before mkdocs-jupyter turns notebooks into pages
def on_files(files, config):
    """Add every ``examples/*.ipynb`` (as ``examples/<name>.ipynb``) and the generated figure."""
    for path in sorted(EXAMPLES.glob("*.ipynb")):
        src_uri = path.relative_to(ROOT).as_posix()
        files.append(File(src_uri, str(ROOT), config.site_dir, config.use_directory_urls))
    files.append(File.generated(config, FIGURE, content=_stick_figure_png()))
    return files


def _stick_figure_png() -> bytes:
    model = kc.Model.default()
    pose = kc.propagate(
        model,
        task="single_leg_squat_r",
        knee_flexion=60.0,
        knee_valgus_r=[0.0, 15.0],
        knee_valgus_l=0.0,
        femoral_ir_r=0.0,
        femoral_ir_l=0.0,
    )
    buffer = io.BytesIO()
    plot.stick_figure(pose, ["aligned knee", "15° knee valgus"]).savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()
