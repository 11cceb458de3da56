"""The committed suites: generated from code, one per input table, each check explained."""

from __future__ import annotations

import json

import pytest

from kam.schema import TABLES
from kam.validate.suites import SUITES_DIR, build_suite, load_suite, suite_to_json


@pytest.mark.parametrize("table", list(TABLES))
def test_committed_suite_matches_the_code(table):
    committed = (SUITES_DIR / f"{table}.json").read_text(encoding="utf-8")
    assert committed == suite_to_json(build_suite(table)), (
        "expectations/ is stale: run `python -m kam.validate.suites` and commit"
    )


def test_one_suite_per_input_table():
    assert sorted(p.stem for p in SUITES_DIR.glob("*.json")) == sorted(TABLES)


@pytest.mark.parametrize("table", list(TABLES))
def test_every_expectation_has_severity_and_rationale(table):
    suite = json.loads((SUITES_DIR / f"{table}.json").read_text(encoding="utf-8"))
    for expectation in suite["expectations"]:
        meta = expectation["meta"]
        assert meta["severity"] in ("blocking", "warning")
        assert meta["rationale"].strip() and "\n" not in meta["rationale"]
        assert expectation["severity"] == {"blocking": "critical", "warning": "warning"}[
            meta["severity"]
        ]


def test_bad_rows_are_warnings_and_broken_keys_block():
    """Bad rows (docs/metrics.md): unknown account, status outside the vocabulary, score
    outside its scale are quarantined (warning); null or duplicated keys and missing columns
    block."""
    severities = {}
    for table in TABLES:
        for e in load_suite(table).expectations:
            column = e.meta.get("column") or getattr(e, "column", None)
            severities.setdefault((table, e.expectation_type, column), set()).add(
                e.meta["severity"]
            )
    assert severities[("orders", "unexpected_rows_expectation", "account_id")] == {"warning"}
    assert severities[("orders", "expect_column_values_to_be_in_set", "status")] == {"warning"}
    assert severities[("surveys", "expect_column_values_to_be_between", "score")] == {"warning"}
    assert severities[("orders", "expect_column_values_to_be_unique", "order_id")] == {"blocking"}
    assert severities[("tickets", "expect_column_values_to_not_be_null", "ticket_id")] == {
        "blocking"
    }
    assert severities[("accounts", "expect_column_to_exist", "account_name")] == {"blocking"}
