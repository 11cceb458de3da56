"""docs/metrics.md keeps up with the marts.

The column index at the end of docs/metrics.md lists, mart by mart, every column the dbt
YAML documents, and nothing a mart does not have; every column the account review shows is
defined in the body of the page, not only listed; and every link inside the page leads to
a heading of the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
METRICS_DOC = ROOT / "docs" / "metrics.md"
MARTS_DIR = ROOT / "dbt_project" / "models" / "marts"
INDEX_HEADING = "## Column index"
REVIEW_MART = "account_review"


def documented_marts() -> dict[str, list[str]]:
    """Mart name -> its columns, from the YAML beside the models (models with columns)."""
    marts: dict[str, list[str]] = {}
    for path in sorted(MARTS_DIR.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            if model.get("columns"):
                marts[model["name"]] = [column["name"] for column in model["columns"]]
    return marts


def split_doc() -> tuple[str, str]:
    text = METRICS_DOC.read_text(encoding="utf-8")
    assert INDEX_HEADING in text
    body, index = text.split(INDEX_HEADING, 1)
    return body, index


def index_columns(index: str) -> dict[str, list[str]]:
    """Mart name -> the columns its table in the index lists (first cell of each row)."""
    marts: dict[str, list[str]] = {}
    for block in re.split(r"^### ", index, flags=re.MULTILINE)[1:]:
        name, _, rest = block.partition("\n")
        marts[name.strip()] = re.findall(r"^\| `([a-z_0-9]+)` \|", rest, flags=re.MULTILINE)
    return marts


def backticked_names(text: str) -> set[str]:
    """Names written in backticks; `mart.column` also counts as the column."""
    names = set()
    for token in re.findall(r"`([^`\n]+)`", text):
        names.add(token)
        names.add(token.rsplit(".", 1)[-1])
    return names


def slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule)."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_index_parsing_reads_mart_sections():
    index = "\n### m1\n\n| column | meaning |\n|---|---|\n| `a` | x |\n| `b_2` | y |\n### m2\n"
    assert index_columns(index) == {"m1": ["a", "b_2"], "m2": []}
    assert slug("Lifetime value (CLV)") == "lifetime-value-clv"
    assert slug("Logo retention, GRR and NRR") == "logo-retention-grr-and-nrr"


def test_every_mart_column_is_in_the_index_and_nothing_stale():
    marts = documented_marts()
    _body, index = split_doc()
    listed = index_columns(index)
    assert {"account_review", "account_tier", "portfolio_retention", "account_clv"} <= set(marts)
    problems = []
    for mart, columns in marts.items():
        if mart not in listed:
            problems.append(f"{mart}: no section in the column index")
            continue
        missing = [c for c in columns if c not in listed[mart]]
        stale = [c for c in listed[mart] if c not in columns]
        if missing:
            problems.append(f"{mart}: columns missing from the index: {missing}")
        if stale:
            problems.append(f"{mart}: index lists columns the mart does not have: {stale}")
    assert problems == []


def test_every_column_of_the_account_review_is_defined_in_the_body():
    body, _index = split_doc()
    defined = backticked_names(body)
    review = documented_marts()[REVIEW_MART]
    assert len(review) > 50
    assert [column for column in review if column not in defined] == []


def test_every_link_inside_the_page_reaches_a_heading():
    text = METRICS_DOC.read_text(encoding="utf-8")
    anchors = {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}
    targets = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert targets, "the page links its sections"
    assert sorted(targets - anchors) == []
