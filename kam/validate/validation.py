"""validate_warehouse: the validate stage of the monthly flow and of `kam validate`."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb

from kam.month import Month
from kam.schema import TABLES
from kam.validate.audit import record_audit
from kam.validate.cascade import cascade_rows
from kam.validate.engine import TableRun, index_columns, run_identifier, run_suites
from kam.validate.evidence import normalise_data_docs, strip_volatile, write_json
from kam.validate.metric_inputs import metric_input_warnings
from kam.validate.parameters import (
    has_load_manifest,
    previous_counts_from_manifest,
    suite_parameters,
)
from kam.validate.results import CheckOutcome
from kam.validate.suites import BLOCKING, SUITES_DIR
from kam.validate.summary import Finding, ValidationSummary


def _landed_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    ).fetchall()
    return {name for (name,) in rows} & set(TABLES)


def _not_provided(con: duckdb.DuckDBPyConnection, run_id: str) -> set[str]:
    """Optional tables extract landed empty because their file was not in the export."""
    if not has_load_manifest(con):
        return set()
    rows = con.execute(
        "select table_name from audit.load_manifest where run_id = ? and provided = false",
        [run_id],
    ).fetchall()
    return {name for (name,) in rows if not TABLES[name].required} if rows else set()


def _sql_check_rows(con: duckdb.DuckDBPyConnection, outcome: CheckOutcome) -> list[dict]:
    """Every row a failed SQL check flags, from the check's own query on the raw table."""
    query = outcome.kwargs["unexpected_rows_query"].format(batch=f"raw.{outcome.table}")
    wanted = [*index_columns(outcome.table), *outcome.columns]
    columns = ", ".join(f'"{c}"' for c in dict.fromkeys(wanted))
    relation = con.sql(f"select {columns} from ({query}) order by _source_line")
    names = relation.columns
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def _first_source_file(con: duckdb.DuckDBPyConnection, table: str) -> str:
    rows = con.execute(f"select _source_file from raw.{table} limit 1").fetchall()
    return rows[0][0] if rows and rows[0][0] else TABLES[table].file_name


def _missing_table_finding(table: str) -> Finding:
    return Finding(
        table=table,
        column=None,
        expectation="required_file_provided",
        severity=BLOCKING,
        rationale=f"{TABLES[table].file_name} is a required input (docs/profiles.md).",
        unexpected_count=None,
        source_file=TABLES[table].file_name,
    )


def _interpret(
    warehouse: Path,
    runs: list[TableRun],
    summary: ValidationSummary,
    *,
    run_id: str,
    tables: list[str],
    default_files: dict[str, str],
    dq_dir: Path,
) -> tuple[list[dict], list[dict]]:
    """Audit rows, quarantine rows and findings from the results; one JSON file per table."""
    validation_rows, quarantine_rows = [], []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for run in runs:
            for result in run.result.results:
                outcome = CheckOutcome(run.table, result, default_files[run.table])
                if outcome.is_sql_check and not outcome.success and not outcome.raised:
                    outcome = replace(outcome, all_unexpected_rows=_sql_check_rows(con, outcome))
                validation_rows.append(outcome.audit_row(run_id))
                quarantine_rows += outcome.quarantine_rows(run_id)
                if not outcome.success:
                    finding = outcome.finding()
                    target = (
                        summary.blocking_failures
                        if finding.severity == BLOCKING
                        else summary.warnings
                    )
                    target.append(finding)
            summary.paths.append(
                write_json(dq_dir / f"{run.table}.json", strip_volatile(run.result.to_json_dict()))
            )
        keys = {t: TABLES[t].key for t in tables}
        quarantine_rows += cascade_rows(con, run_id, quarantine_rows, tables, keys)
    finally:
        con.close()

    return validation_rows, quarantine_rows


def validate_warehouse(
    warehouse: Path,
    *,
    run_id: str,
    month: Month,
    evidence_dir: Path,
    max_volume_drop: float,
    freshness_grace_days: int,
    previous_counts: dict[str, int] | None = None,
    suites_dir: Path = SUITES_DIR,
) -> ValidationSummary:
    """Validate the landed raw tables; record results and quarantine; write the evidence.

    previous_counts (table -> rows of the previous load) defaults to the latest earlier
    run's rows in audit.load_manifest.
    """
    warehouse, evidence_dir = Path(warehouse), Path(evidence_dir)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = _landed_tables(con) - _not_provided(con, run_id)
        tables = [t for t in TABLES if t in present]  # schema order: stable evidence
        if previous_counts is None:
            previous_counts = previous_counts_from_manifest(con, run_id, tables)
        default_files = {t: _first_source_file(con, t) for t in tables}
        metric_rows, metric_findings = metric_input_warnings(con, run_id)
    finally:
        con.close()
    parameters = suite_parameters(
        tables,
        month=month,
        previous_counts=previous_counts,
        max_volume_drop=max_volume_drop,
        freshness_grace_days=freshness_grace_days,
    )

    summary = ValidationSummary(run_id=run_id, month=str(month), tables_validated=tables)
    summary.tables_not_provided = [t for t in TABLES if t not in present and not TABLES[t].required]
    summary.blocking_failures += [
        _missing_table_finding(t) for t in TABLES if t not in present and TABLES[t].required
    ]

    dq_dir, docs_dir = evidence_dir / "dq", evidence_dir / "data_docs"
    for stale in (dq_dir, docs_dir):  # evidence of this run only, never of an earlier one
        shutil.rmtree(stale, ignore_errors=True)
    gx_run = run_identifier(run_id, month.end - timedelta(days=1))
    runs = run_suites(
        warehouse,
        tables,
        parameters,
        run_id=gx_run,
        data_docs_dir=docs_dir,
        suites_dir=suites_dir,
    )
    normalise_data_docs(
        docs_dir,
        load_times=[
            run.result.meta.get("batch_markers", {}).get("ge_load_time", "") for run in runs
        ],
        run_time=gx_run.run_time.strftime("%Y%m%dT%H%M%S.%fZ"),
    )

    validation_rows, quarantine_rows = _interpret(
        warehouse,
        runs,
        summary,
        run_id=run_id,
        tables=tables,
        default_files=default_files,
        dq_dir=dq_dir,
    )
    validation_rows += metric_rows
    summary.warnings += metric_findings
    summary.expectations_evaluated = len(validation_rows)
    summary.quarantined_rows = len(
        {
            (row["table_name"], row["source_file"], row["source_line"], row["row_key"])
            for row in quarantine_rows
        }
    )
    record_audit(warehouse, run_id, validation_rows, quarantine_rows)
    summary.paths.append(docs_dir / "index.html")
    summary.paths.insert(0, dq_dir / "summary.json")
    write_json(
        dq_dir / "summary.json",
        {
            **{k: v for k, v in summary.to_dict().items() if k != "paths"},
            "paths": [str(p.relative_to(evidence_dir)) for p in summary.paths],
            "results": validation_rows,
        },
    )
    return summary
