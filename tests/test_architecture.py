"""The package's structure: layers without import cycles, imports at module level, read-only tables."""

import ast
import pkgutil
from pathlib import Path

import pytest

import kinechain
from kinechain._data import read_csv, read_toml

ROOT = Path(kinechain.__file__).parent
#: Layers from the bottom; a module may import only from its own layer or below.
LAYERS = (
    (
        "kinechain._version",
        "kinechain._data",
        "kinechain._validation",
        "kinechain._html",
        "kinechain._frozen",
        "kinechain._records",
        "kinechain._compiled",
        "kinechain.variables",
        "kinechain.batch",
    ),
    ("kinechain.body",),
    ("kinechain.mechanics",),
    ("kinechain.posture",),
    ("kinechain.statics",),
    ("kinechain.study",),
    ("kinechain.cli", "kinechain.plot", "kinechain.explore", "kinechain"),
)
#: Imports allowed inside functions or guarded blocks: optional extras only (``plot`` needs
#: matplotlib; the ``sweep`` extra's packages; the ``fast`` extra's numba).
OPTIONAL = (
    "kinechain.plot",
    "SALib.analyze",
    "SALib.sample",
    "dask.array",
    "dask.distributed",
    "netCDF4",
    "numba",
    "tqdm.auto",
    "zarr",
)


def _layer(module: str) -> int:
    best = None
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (i, len(prefix))
    assert best is not None, module
    return best[0]


def _modules():
    yield "kinechain", ROOT / "__init__.py"
    for info in pkgutil.walk_packages([str(ROOT)], prefix="kinechain."):
        path = ROOT.joinpath(*info.name.split(".")[1:])
        yield info.name, path / "__init__.py" if info.ispkg else path.with_suffix(".py")


def _imports(name: str, path: Path):
    """(imported kinechain module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, id(node) in top, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top, node.lineno


MODULES = dict(_modules())


def test_no_module_imports_a_higher_layer_and_there_is_no_cycle():
    graph = {}
    for name, path in MODULES.items():
        deps = {t for t, _, _ in _imports(name, path) if t.startswith("kinechain") and t != name}
        graph[name] = deps
        for dep in deps:
            assert _layer(dep) <= _layer(name), f"{name} (layer {_layer(name)}) imports {dep} (layer {_layer(dep)})"
    # no cycle among modules (packages resolve to their __init__)
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for dep in graph.get(node, ()):
            dep = dep if dep in graph else dep.rsplit(".", 1)[0]
            if state.get(dep) == "open":
                raise AssertionError("import cycle: " + " -> ".join([*stack, node, dep]))
            if dep not in state:
                visit(dep, [*stack, node])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_are_at_module_level(name):
    inside = [(t, line) for t, top, line in _imports(name, MODULES[name]) if not top and t not in OPTIONAL]
    assert not inside, f"{name} imports inside a function: {inside}"


def test_packaged_tables_are_read_only():
    table = read_toml("passive.toml")
    with pytest.raises(TypeError):
        table["knee_angle"]["stiffness"] = 0.0
    with pytest.raises(TypeError):
        read_csv("muscles.csv")[0]["max_isometric_force"] = "0"
