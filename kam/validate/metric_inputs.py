"""Warn, once per metric, when the export maps no column to an optional metric input.

A tickets export without a first-response column would otherwise land every ticket as
"not yet answered" and report a wrong SLA compliance with no warning. Extract records in
audit.load_manifest which metric inputs no column provided; each becomes one warning,
named after the metric it leaves empty, in audit.validation_results.
"""

from __future__ import annotations

import json

import duckdb

from kam.schema import METRIC_INPUTS
from kam.validate.suites import WARNING
from kam.validate.summary import Finding

# What each metric shows in the reviews, for the warning's rationale.
METRIC_LABELS = {
    "first_response_sla": "first-response SLA compliance and median first response",
    "resolution_time": "median resolution time",
    "gross_margin": "gross margin and margin coverage",
}


def _manifest_has_column(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "select 1 from information_schema.columns where table_schema = 'audit' "
        "and table_name = 'load_manifest' and column_name = 'columns_not_provided'"
    ).fetchall())


def missing_metric_inputs(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, list[str]]:
    """Table -> metric input columns that none of its provided files had, for one run."""
    if not _manifest_has_column(con):
        return {}
    rows = con.execute(
        "select table_name, list(coalesce(columns_not_provided, '')) from audit.load_manifest "
        "where run_id = ? and provided group by 1 order by 1", [run_id]).fetchall()
    missing = {}
    for table, per_file in rows:
        sets = [set(filter(None, text.split(", "))) for text in per_file]
        common = set.intersection(*sets) if sets else set()
        ordered = [c for c in METRIC_INPUTS.get(table, {}) if c in common]
        if ordered:
            missing[table] = ordered
    return missing


def metric_input_warnings(con: duckdb.DuckDBPyConnection, run_id: str
                          ) -> tuple[list[dict], list[Finding]]:
    """One failed warning row (and finding) per metric input that was not provided."""
    rows, findings = [], []
    for table, columns in missing_metric_inputs(con, run_id).items():
        for column in columns:
            metric = METRIC_INPUTS[table][column]
            expectation = f"{metric}_not_provided"
            rationale = (f"No column of the {table} export is mapped to {column}: "
                         f"{METRIC_LABELS[metric]} are shown as not provided; map the "
                         "column in the profile to compute them.")
            rows.append({
                "run_id": run_id, "suite": table, "table_name": table,
                "expectation": expectation, "column_name": column, "severity": WARNING,
                "success": False, "observed_value": "no column mapped",
                "unexpected_count": None, "element_count": None,
                "details": json.dumps({"description": f"{column} is provided ({metric})",
                                       "rationale": rationale}, sort_keys=True),
            })
            findings.append(Finding(table=table, column=column, expectation=expectation,
                                    severity=WARNING, rationale=rationale,
                                    unexpected_count=None))
    return rows, findings
