"""The layout's rules (docs/architecture.md), checked on the source: imports at the top,
dependencies pointing one way, no stage reaching into a sibling's internals."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = {"kam.settings", "kam.month", "kam.errors", "kam.fileio", "kam.schema", "kam.run_id",
          "kam.assets", "kam.warehouse"}
ENTRY_POINTS = {"flows", "kam.cli", "kam.launch", "kam.__main__"}
MODULES = sorted([*ROOT.glob("kam/**/*.py"), *ROOT.glob("flows/*.py")])


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, imported at module level) for every import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in top))
    return found


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:2]) if parts[0] == "kam" else "flows"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_are_at_the_top_of_the_module(path):
    assert [name for name, at_top in _imports(path) if not at_top] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dependencies_point_one_way(path):
    package = _package(path)
    imported = {name for name, _ in _imports(path) if name.split(".")[0] in {"kam", "flows"}}
    for name in imported:
        target = ".".join(name.split(".")[:2])
        if package in ENTRY_POINTS or target in SHARED or target == package:
            continue  # the command line calls the flows; the flows call the stages
        assert not name.startswith("flows"), f"{package} imports the flow module {name}"
        allowed = {
            "kam.report": {"kam.rendering", "kam.publish"},
            "kam.explain": {"kam.rendering"},
            "kam.deliver": {"kam.publish"},
            "kam.clv": set(),
            # the transform stage runs the CLV fit between its two dbt builds
            "kam.transform": {"kam.clv"},
        }.get(package, set())
        assert target in allowed, f"{package} must not import {name}"
