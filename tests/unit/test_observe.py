"""The run summary's facts, read from a hand-built warehouse, and how they are written."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import duckdb

from kam.observe import artifact_key, dbt_nodes, read_run_facts
from kam.observe.artifacts import rejection_markdown, run_summary_markdown
from kam.schema import AUDIT_DDL

OCT = date(2026, 10, 1)


def _warehouse(path):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema audit")
        con.execute("create schema marts")
        for name in ("load_manifest", "validation_results", "quarantine"):
            con.execute(AUDIT_DDL[name])
        con.execute("insert into audit.load_manifest (run_id, table_name, path, sha256, rows, "
                    "provided, rows_read) values "
                    "('r1', 'orders', 'orders_1.csv', 'a', 40, true, 43), "
                    "('r1', 'orders', 'orders_2.csv', 'b', 2, true, 2), "
                    "('r1', 'tickets', 'tickets.csv', null, 0, false, 0), "
                    "('r0', 'orders', 'orders.csv', 'c', 99, true, 99)")
        # Two quarantine entries for the same order row count once; another run's not at all.
        con.execute("insert into audit.quarantine values "
                    "('r1', 'orders', 'O-1', 'orders_1.csv', 3, 'amount', 'x', 'parse_num', ''),"
                    "('r1', 'orders', 'O-1', 'orders_1.csv', 3, 'order_date', 'y', 'parse_d', ''),"
                    "('r1', 'orders', 'O-9', 'orders_2.csv', 7, 'amount', '-5', 'range', ''),"
                    "('r0', 'orders', 'O-5', 'orders.csv', 2, 'amount', 'z', 'parse_number', '')")
        con.execute("insert into audit.validation_results values "
                    "('r1', 's', 'orders', 'expect_a', 'amount', 'warning', false, null, 1, 42,''),"
                    "('r1', 's', 'orders', 'expect_b', 'id', 'blocking', true, null, 0, 4, ''),"
                    "('r1', 's', 'accounts', 'expect_c', null, 'warning', true, null, 0, 5, '')")
        con.execute("create table marts.account_tier (account_id varchar, month date, "
                    "tier_change varchar)")
        con.execute("insert into marts.account_tier values ('A', ?, 'up'), ('B', ?, 'up'), "
                    "('C', ?, 'down'), ('D', ?, 'same'), ('E', ?, 'new'), ('A', ?, 'down')",
                    [OCT, OCT, OCT, OCT, OCT, date(2026, 9, 1)])
        con.execute("create table marts.account_review (account_id varchar, month date, "
                    "account_name varchar, tier varchar, is_key_account boolean, "
                    "is_at_risk boolean)")
        con.execute("insert into marts.account_review values "
                    "('B', ?, 'Beta', 'key', true, true), ('A', ?, 'Alpha', 'strategic', true, "
                    "false), ('C', ?, 'Gamma', 'standard', false, true)", [OCT, OCT, OCT])


def test_facts_count_this_runs_rows_expectations_moves_and_risks(tmp_path):
    _warehouse(tmp_path / "kam.duckdb")

    facts = read_run_facts(tmp_path / "kam.duckdb", run_id="r1", month="2026-10")

    assert [(t.table, t.provided, t.read, t.landed, t.quarantined) for t in facts.tables] == [
        ("orders", True, 45, 42, 2), ("tickets", False, 0, 0, 0)]  # read from rows_read
    assert (facts.expectations_evaluated, facts.blocking_failures, facts.warnings) == (3, 0, 1)
    assert facts.verdict == "passed with warnings"
    assert [e.as_row()["expectation"] for e in facts.expectations] == ["expect_a"]
    assert facts.tier_moves == {"up": 2, "down": 1, "new": 1}
    assert facts.at_risk == [("B", "Beta", "key")]


def test_the_summary_says_what_the_run_found(tmp_path):
    _warehouse(tmp_path / "kam.duckdb")
    facts = read_run_facts(tmp_path / "kam.duckdb", run_id="r1", month="2026-10")
    nodes = dbt_nodes([
        SimpleNamespace(node=SimpleNamespace(unique_id="model.kam.account_tier",
                                             resource_type="model"),
                        status="success", adapter_response={"rows_affected": 5},
                        execution_time=1.23456, message="OK"),
        SimpleNamespace(node=SimpleNamespace(unique_id="test.kam.not_null_x",
                                             resource_type="test"),
                        status="fail", adapter_response={}, execution_time=0.5,
                        message="Got 1 result"),
    ])

    markdown = run_summary_markdown(facts, reviews=1, where="s3://b/reviews/2026-10/",
                                    dbt=nodes, stopped_after="publish")

    assert "**Run id:** `r1`" in markdown
    assert ("**Data quality:** passed with warnings (3 expectations evaluated, "
            "0 blocking failures, 1 warnings)") in markdown
    assert "**Reviews published:** 1 in s3://b/reviews/2026-10/" in markdown
    assert "| orders | yes | 45 | 42 | 2 |" in markdown
    assert "2 up, 1 down, 1 new" in markdown
    assert "| B | Beta | key |" in markdown
    assert "### dbt: 2 nodes, 1 failed" in markdown
    assert [n.as_row() for n in nodes] == [
        {"node": "model.kam.account_tier", "type": "model", "status": "success",
         "rows_affected": 5, "seconds": 1.235, "message": ""},
        {"node": "test.kam.not_null_x", "type": "test", "status": "fail",
         "rows_affected": None, "seconds": 0.5, "message": "Got 1 result"},
    ]


def test_a_rejection_summary_names_the_reason_and_the_evidence(tmp_path):
    _warehouse(tmp_path / "kam.duckdb")
    facts = read_run_facts(tmp_path / "kam.duckdb", run_id="r1", month="2026-10")
    markdown = rejection_markdown(facts, reason="data quality: orders.csv line 3 ...",
                                  evidence="/out/_rejected/2026-10-r1")
    assert markdown.startswith("# 2026-10 rejected: nothing published")
    assert "**Why:** data quality: orders.csv line 3 ..." in markdown
    assert "**Evidence:** /out/_rejected/2026-10-r1" in markdown


def test_artifact_keys_are_lowercase_letters_digits_and_dashes():
    assert artifact_key("run", "2026-10") == "kam-run-2026-10"
    assert artifact_key("dbt nodes", "2026-10") == "kam-dbt-nodes-2026-10"
    assert artifact_key("Run", "unknown month") == "kam-run-unknown-month"
