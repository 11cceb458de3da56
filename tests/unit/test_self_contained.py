"""kam stands alone: nothing it ships points at a document outside the repository.

Definitions live in docs/metrics.md and the dbt YAML; a citation of an outside document's
sections, or a relative path out of the repository, would send a reader somewhere they
cannot follow. The patterns are assembled from pieces so this file does not match itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What the product is: code, models, docs, templates, tests and configuration.
PRODUCT_DIRS = ("flows", "kam", "dbt_project", "docs", "report_templates", "tests",
                "expectations")
PRODUCT_FILES = ("README.md", "prefect.yaml", "pyproject.toml", "Makefile")
# Build output and caches inside those folders, not part of the product's sources.
SKIPPED_DIRS = {"__pycache__", "target", "dbt_packages", "logs", ".pytest_cache"}

SECTION_SIGN = chr(0xA7)
OUTSIDE_NAME = "CON" + "TRACT"
OUTSIDE_POINTERS = {
    "the outside document by file name": re.compile(
        re.escape(OUTSIDE_NAME + ".md"), re.IGNORECASE),
    "the outside document by its upper-case name": re.compile(rf"\b{OUTSIDE_NAME}\b"),
    "a path out of the repository": re.compile(re.escape(".." + "/shared")),
    "a section citation": re.compile(re.escape(SECTION_SIGN)),
}


def product_text_files() -> list[Path]:
    files = [ROOT / name for name in PRODUCT_FILES if (ROOT / name).is_file()]
    for folder in PRODUCT_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
                files.append(path)
    return files


def read_text(path: Path) -> str | None:
    """The file's text, or None for binary files (spreadsheets, PDFs, images)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # legacy-encoded fixtures (GBK exports) hold no prose


def outside_pointers(text: str) -> list[tuple[int, str, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in OUTSIDE_POINTERS.items():
            if pattern.search(line):
                found.append((number, what, line.strip()))
    return found


@pytest.mark.parametrize("text, expected", [
    ("see " + OUTSIDE_NAME.lower() + ".md for the rules", ["the outside document by file name"]),
    ("see ../" + "shared/" + OUTSIDE_NAME + ".md",
     ["the outside document by file name", "the outside document by its upper-case name",
      "a path out of the repository"]),
    ("tiers (" + OUTSIDE_NAME + " " + SECTION_SIGN + "3)",
     ["the outside document by its upper-case name", "a section citation"]),
    ("contracts.csv feeds contract_fulfillment (docs/metrics.md, Contracts)", []),
])
def test_the_patterns_find_what_they_should_and_nothing_else(text, expected):
    assert [what for _line, what, _text in outside_pointers(text)] == expected


def test_the_walk_covers_the_product():
    files = {path.relative_to(ROOT).as_posix() for path in product_text_files()}
    assert {"README.md", "docs/metrics.md", "kam/cli.py", "report_templates/base.html",
            "dbt_project/dbt_project.yml", "expectations/orders.json"} <= files


def test_nothing_in_the_product_points_outside_the_repository():
    offences = []
    for path in product_text_files():
        text = read_text(path)
        if text is None:
            continue
        for number, what, line in outside_pointers(text):
            offences.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line[:120]}")
    assert offences == []
