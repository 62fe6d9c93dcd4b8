"""Imports run one way: from the command line down to the workbook, never up. The test reads
every module's imports (those that run: not the ones under `if TYPE_CHECKING:`), lazy imports
inside functions included, and checks them against the layers below."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "generator"

# lowest first; a unit may import its own layer and the layers below it
LAYERS = [
    {"errors", "scratch", "periods", "kinds", "zipparts", "names"},
    {"output"},
    {"workbook"},
    {"roles", "privacy"},
    {"rules"},
    {"config"},
    {"validate", "ledger"},
    {"documents"},
    {"planning"},
    {"site"},
    {"cli", "cli_zh"},
]
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}
OUTSIDE = {"resources", "__init__"}          # run-time files, and the package's version


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path):
    """(module imported, line) for every import that runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            if node.module == "generator":           # `from generator import scratch` (a module) or __version__
                for a in node.names:
                    is_module = (PKG / f"{a.name}.py").exists() or (PKG / a.name).is_dir()
                    yield (f"generator.{a.name}" if is_module else "generator"), node.lineno
            else:
                yield node.module, node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("generator"):
                    yield a.name, node.lineno


def modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        if "resources" in rel.parts:
            continue
        yield ".".join(rel.parts), path


def test_every_unit_has_a_layer():
    units = {unit(m) for m, _ in modules()} - OUTSIDE
    assert units <= set(RANK), sorted(units - set(RANK))


def test_no_import_runs_up_the_layers():
    wrong = []
    for module, path in modules():
        here = unit(module)
        if here in OUTSIDE:
            continue
        for target, line in imports(path):
            there = unit(target)
            if there in OUTSIDE or there == here:
                continue
            if RANK[there] > RANK[here]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} {module} imports {target} ({here} -> {there})")
    assert wrong == []


def test_no_circle_between_units():
    edges: dict[str, set[str]] = {}
    for module, path in modules():
        for target, _ in imports(path):
            a, b = unit(module), unit(target)
            if a != b and OUTSIDE.isdisjoint({a, b}):
                edges.setdefault(a, set()).add(b)
    from graphlib import CycleError, TopologicalSorter
    try:
        list(TopologicalSorter(edges).static_order())
    except CycleError as e:
        raise AssertionError(f"import circle: {' -> '.join(e.args[1])}") from None
