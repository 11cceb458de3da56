"""The summary the flow turns into exit 3, and the run-dependent suite parameters."""

from __future__ import annotations

from datetime import datetime

from kam.month import Month
from kam.validate.parameters import min_expected_rows, suite_parameters
from kam.validate.summary import Finding, ValidationSummary


def _finding(**changes) -> Finding:
    base = dict(table="orders", column="order_id", expectation="expect_column_values_to_be_unique",
                severity="blocking", rationale="A duplicated key double-counts rows.",
                unexpected_count=2, source_file="orders.csv", source_line=7, value="O1")
    return Finding(**{**base, **changes})


def test_failure_line_names_file_row_column_and_value():
    summary = ValidationSummary(run_id="r", month="2026-10",
                                blocking_failures=[_finding(), _finding(column="amount")])
    assert not summary.success
    assert summary.failure_line() == (
        "data quality: orders.csv line 7, column order_id: expect_column_values_to_be_unique "
        "failed (value 'O1'): A duplicated key double-counts rows; 1 more blocking "
        "failure(s) in dq/summary.json; correct the export and run again"
    )


def test_failure_line_without_a_row():
    summary = ValidationSummary(run_id="r", month="2026-10", blocking_failures=[
        _finding(table="account_managers", column=None, expectation="required_file_provided",
                 source_file="account_managers.csv", source_line=None, value=None)])
    assert summary.failure_line().startswith(
        "data quality: account_managers.csv: required_file_provided failed: "
    )


def test_warnings_alone_succeed():
    summary = ValidationSummary(run_id="r", month="2026-10",
                                warnings=[_finding(severity="warning")])
    assert summary.success and summary.failure_line() is None
    assert summary.to_dict()["success"] is True


def test_volume_threshold():
    assert min_expected_rows(None, 0.5) == 0
    assert min_expected_rows(100, 0.5) == 50  # 50 rows is a drop of exactly half: allowed
    assert min_expected_rows(101, 0.5) == 51  # ceil(50.5)
    assert min_expected_rows(10, 0.2) == 8


def test_freshness_threshold_is_a_week_before_the_month_end():
    parameters = suite_parameters(
        ["orders"], month=Month(2026, 10), previous_counts={"orders": 9},
        max_volume_drop=0.5, freshness_grace_days=7,
    )
    assert parameters == {
        "orders": {"freshness_min_date": datetime(2026, 10, 24), "min_expected_rows": 5}
    }
