"""The layout's rules (docs/architecture.md), checked on the source: imports at the top,
dependencies pointing one way, no stage reaching into a sibling's internals."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = {"kam.settings", "kam.month", "kam.errors", "kam.fileio", "kam.schema", "kam.run_id",
          "kam.assets", "kam.warehouse"}
ENTRY_POINTS = {"flows", "kam.cli", "kam.launch", "kam.__main__"}
MODULES = sorted([*ROOT.glob("kam/**/*.py"), *ROOT.glob("flows/*.py")])
# The imports made where they are used, by the entry points only: the reporting stack
# (WeasyPrint, matplotlib: about a second) when they render, so a command or a run that
# stops before the reports never pays for it; Great Expectations and dbt (seconds) in the
# tasks that validate and build, which the `kam` command loads while Prefect's server starts.
DEFERRED = ("kam.report", "kam.validate.validation", "kam.transform.dbt")
# What importing the command line and the flow must not load, for the same reasons.
LOADED_WHEN_USED = ("weasyprint", "matplotlib", "great_expectations", "dbt")


def _deferred(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in DEFERRED)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, imported at module level) for every import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    # `if TYPE_CHECKING:` imports are annotations only, read by type checkers, not run
    top |= {id(node) for block in tree.body
            if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
            for node in block.body}
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
    may_defer = _package(path) in ENTRY_POINTS
    assert [name for name, at_top in _imports(path) if not at_top
            and not (may_defer and _deferred(name))] == []


def test_the_command_line_and_the_flow_load_no_reporting_validation_or_dbt_stack(tmp_path):
    # A script file, not `python -c`: a `-c` program that imports Great Expectations ends
    # silently during the import (pyspark, imported with it, prints "Skipping doctests").
    check = tmp_path / "imports.py"
    check.write_text(
        "import sys\nimport flows.monthly_review\nimport kam.cli\n"
        "print('\\n'.join(sys.modules))\n", encoding="utf-8")
    modules = subprocess.run([sys.executable, str(check)], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout.split()
    assert sorted(m for m in modules
                  if m.split(".")[0] in LOADED_WHEN_USED or _deferred(m)) == []


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
