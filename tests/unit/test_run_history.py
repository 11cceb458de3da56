"""`kam runs`: successes from audit.runs and failures from the side store, oldest first."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
from click.testing import CliRunner

from kam.cli import cli
from kam.observe import RunRecord, failure_store, read_history, record_failure
from kam.schema import AUDIT_DDL


def _warehouse_with_one_success(path):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema audit")
        con.execute(AUDIT_DDL["runs"])
        con.execute(
            "insert into audit.runs values ('r-ok', ?, 'canonical', 'in', '{}', 'success', "
            "true, ?, ?, 12, 'stopped after publish')",
            [date(2026, 10, 1), datetime(2026, 11, 2, 6, 0, 0), datetime(2026, 11, 2, 6, 1, 30)],
        )


def test_history_joins_successes_and_recorded_failures_in_start_order(tmp_path):
    warehouse = tmp_path / "kam.duckdb"
    _warehouse_with_one_success(warehouse)
    record_failure(warehouse, RunRecord(
        month="2026-09", run_id="r-bad", status="rejected",
        started_at=datetime(2026, 10, 2, 6, 0, 0), finished_at=datetime(2026, 10, 2, 6, 0, 40),
        stage="validate", reviews=0, message="data quality: accounts.csv line 3 ...",
    ))

    history = read_history(warehouse)

    assert [(r.month, r.run_id, r.status, r.stage, r.reviews) for r in history] == [
        ("2026-09", "r-bad", "rejected", "validate", 0),
        ("2026-10", "r-ok", "success", "publish", 12),
    ]
    assert [r.duration_seconds for r in history] == [40.0, 90.0]
    assert failure_store(warehouse) == tmp_path / "kam.failed-runs.jsonl"


def test_failures_are_kept_without_any_warehouse(tmp_path):
    warehouse = tmp_path / "never-written.duckdb"
    record_failure(warehouse, RunRecord("2026-10", None, "failed", None, None, None, 0, "boom"))
    assert [(r.status, r.message) for r in read_history(warehouse)] == [("failed", "boom")]
    assert not warehouse.exists()


def test_kam_runs_prints_the_history_as_json_and_as_a_table(tmp_path):
    warehouse = tmp_path / "kam.duckdb"
    _warehouse_with_one_success(warehouse)
    record_failure(warehouse, RunRecord(
        "2026-11", "r-late", "failed", datetime(2026, 12, 2, 6), datetime(2026, 12, 2, 12),
        "extract", 0, "the export for 2026-11 is not complete after waiting 6 h",
    ))

    as_json = CliRunner().invoke(cli, ["runs", "--warehouse", str(warehouse),
                                       "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert [(r["month"], r["status"], r["duration_seconds"], r["stage"]) for r in rows] == [
        ("2026-10", "success", 90.0, "publish"),
        ("2026-11", "failed", 21600.0, "extract"),
    ]
    assert rows[1]["message"].startswith("the export for 2026-11 is not complete")

    table = CliRunner().invoke(cli, ["runs", "--warehouse", str(warehouse)])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[1].split()[:3] == ["2026-10", "r-ok", "success"]
    assert "21600 s" in lines[2] and "not complete after waiting 6 h" in lines[2]
