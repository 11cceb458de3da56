"""A var pasted into SQL must match its pattern: dbt called with a malformed one fails at
compile time (before any model runs), however it was called."""

from __future__ import annotations

import json

import pytest

from kam.errors import PipelineError
from kam.transform.dbt import run_dbt

GOOD = {"month": "2026-10", "run_id": "test", "timezone": "UTC", "reporting_currency": "EUR"}


@pytest.mark.parametrize(("name", "value", "message"), [
    ("reporting_currency", "EUR' || read_text('/etc/passwd') || '",
     "var reporting_currency = \"EUR\\u0027 || READ_TEXT("),
    ("month", "2026-10-01' as date) or (select 1", "var month = "),
    ("run_id", "x' or true or '", "var run_id = "),
    ("timezone", "UTC'; drop table raw.orders; --", "var timezone = "),
    ("report_tiers", ["key') or (1=1"], "var report_tiers holds "),
], ids=lambda v: v if isinstance(v, str) and v.isidentifier() else "")
def test_a_malformed_var_stops_dbt_before_anything_runs(name, value, message, tmp_path):
    variables = {**GOOD, name: value}
    with pytest.raises(PipelineError) as raised:
        run_dbt(["run", "--select", "int_reporting_currency", "--vars", json.dumps(variables)],
                tmp_path / "w.duckdb", tmp_path / "target")
    assert "Compilation Error" in raised.value.message
    assert message in raised.value.message
