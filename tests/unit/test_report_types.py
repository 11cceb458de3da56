from __future__ import annotations

from kam.report.types import DataQualityStatus, RenderedFile
from kam.validate.summary import Finding, ValidationSummary


def _finding(severity: str) -> Finding:
    return Finding(table="orders", column="amount", expectation="not_null", severity=severity,
                   rationale="amount is required", unexpected_count=1,
                   source_file="orders.csv", source_line=7)


def test_status_from_a_passing_validation_with_warnings():
    summary = ValidationSummary(run_id="r1", month="2026-10", quarantined_rows=4,
                                warnings=[_finding("warning"), _finding("warning")])
    status = DataQualityStatus.from_validation(summary, run_id="r1")
    assert status == DataQualityStatus(True, "r1", warnings=2, quarantined_rows=4, summary="")


def test_status_from_a_blocking_failure_carries_its_one_line():
    summary = ValidationSummary(run_id="r2", month="2026-10",
                                blocking_failures=[_finding("blocking")])
    status = DataQualityStatus.from_validation(summary, run_id="r2")
    assert not status.success
    assert status.summary == summary.failure_line()
    assert "orders.csv" in status.summary


def test_status_when_validation_did_not_run():
    status = DataQualityStatus.from_validation(None, run_id="r3")
    assert (status.success, status.run_id) == (False, "r3")
    assert status.summary == "validation did not run"


def test_manifest_entry_has_the_documented_keys():
    entry = RenderedFile("accounts/A.pdf", "account_review", "ab", "A", "M1", "key", 2)
    assert entry.manifest_entry() == {
        "path": "accounts/A.pdf", "kind": "account_review", "sha256": "ab",
        "account_id": "A", "manager_id": "M1", "tier": "key", "pages": 2}
