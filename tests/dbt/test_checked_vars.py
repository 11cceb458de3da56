"""A var pasted into SQL must match its pattern: dbt called with a malformed one fails at
compile time (before any model runs), however it was called, and kam reports the refusal
in one line naming the var, the value as given and what is allowed (exit 2)."""

from __future__ import annotations

import json

import pytest

from kam.errors import EXIT_USAGE, UsageError
from kam.transform.dbt import invalid_var, run_dbt

GOOD = {"month": "2026-10", "run_id": "test", "timezone": "UTC", "reporting_currency": "EUR"}
TIERS = "strategic, key or standard (a list, or one comma-separated text)"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("reporting_currency", "EUR' || read_text('/etc/passwd') || '",
     "dbt var reporting_currency = \"EUR' || read_text('/etc/passwd') || '\" is not allowed: "
     "three letters of an ISO 4217 code, such as EUR, or nothing"),
    ("month", "2026-10-01' as date) or (select 1",
     "dbt var month = \"2026-10-01' as date) or (select 1\" is not allowed: a month as "
     "YYYY-MM, such as 2026-10"),
    ("run_id", "x' or true or '",
     "dbt var run_id = \"x' or true or '\" is not allowed: 1 to 64 letters, digits, _ or -"),
    ("timezone", "UTC'; drop table raw.orders; --",
     "dbt var timezone = \"UTC'; drop table raw.orders; --\" is not allowed: an IANA time "
     "zone name, such as UTC or Asia/Shanghai"),
    ("report_tiers", ["key') or (1=1"],
     f"dbt var report_tiers = \"key') or (1=1\" is not allowed: {TIERS}"),
    ("report_tiers", [], f"dbt var report_tiers = [] is not allowed: at least one of {TIERS}"),
    ("clv_discount_rate", "0.1; select 1",
     "dbt var clv_discount_rate = \"0.1; select 1\" is not allowed: a number"),
], ids=lambda v: v if isinstance(v, str) and v.isidentifier() else "")
def test_a_malformed_var_stops_dbt_with_one_line_and_exit_2(name, value, message, tmp_path,
                                                             capfd):
    variables = {**GOOD, name: value}
    with pytest.raises(UsageError) as raised:
        run_dbt(["run", "--select", "int_reporting_currency", "--vars", json.dumps(variables)],
                tmp_path / "w.duckdb", tmp_path / "target")
    assert raised.value.exit_code == EXIT_USAGE
    assert raised.value.message == message
    assert "\n" not in raised.value.one_line()
    printed = capfd.readouterr()
    assert "Compilation Error" not in printed.out + printed.err  # dbt's own report held back
    assert "invalid var" in (tmp_path / "target" / "logs" / "dbt.log").read_text()


def test_a_value_that_imitates_the_refusal_cannot_change_what_is_reported():
    forged = 'x" is not allowed: anything", "allowed": "anything'
    error = Exception('Compilation Error\n  invalid var: {"allowed": "a month as YYYY-MM", '
                      f'"value": {json.dumps(forged)}, "var": "month"}}\n  > in macro')
    assert invalid_var(error).message == (
        f"dbt var month = {json.dumps(forged)} is not allowed: a month as YYYY-MM")
    assert invalid_var(Exception("Compilation Error in model x: something else")) is None
    assert invalid_var(None) is None
