"""`kam report`: re-render one account's review from the warehouse into the published month."""

from __future__ import annotations

from pathlib import Path

import duckdb

from kam.errors import UsageError
from kam.month import Month
from kam.publish import private_key_pem, replace_entry, warehouse_lock
from kam.report.render import render_one_account
from kam.report.types import DataQualityStatus
from kam.settings import Settings


def _last_run(warehouse: Path, month: Month) -> DataQualityStatus:
    """The data-quality status of the month's last successful run, from the audit schema."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            """
            select r.run_id, coalesce(r.validation_success, false),
                (select count(*) from audit.validation_results v
                  where v.run_id = r.run_id and v.severity = 'warning' and not v.success),
                (select count(*) from audit.quarantine q where q.run_id = r.run_id)
            from audit.runs r
            where r.month = ? and r.status = 'success'
            order by r.finished_at desc
            limit 1
            """,
            [month.first_day],
        ).fetchone()
    if row is None:
        raise UsageError(
            f"no successful run for {month} in {warehouse}",
            hint=f"run `kam run --month {month}` first",
        )
    run_id, success, warnings, quarantined = row
    return DataQualityStatus(
        success=success, run_id=run_id, warnings=warnings, quarantined_rows=quarantined
    )


def rerender_account(settings: Settings, *, account_id: str) -> Path:
    """Render `account_id`'s review for `settings.month` into the published month folder."""
    month, warehouse = settings.reporting_month, settings.warehouse
    if not Path(warehouse).exists():
        raise UsageError(f"warehouse {warehouse} does not exist", hint="run `kam run` first")
    # It writes into the published month: never while a run switches that month or the warehouse.
    with warehouse_lock(warehouse, f"kam report {month} {account_id}",
                        settings.lock_timeout_seconds):
        status = _last_run(warehouse, month)
        month_dir = Path(settings.out_dir) / str(month)
        rendered = render_one_account(
            warehouse,
            month=month,
            account_id=account_id,
            out_dir=month_dir,
            run_id=status.run_id,
            locale=settings.locale,
            confidentiality_label=settings.confidentiality_label,
            dq_status=status,
        )
        signing_pem = private_key_pem(settings.signing_key, settings.signing_key_secret)
        replace_entry(month_dir, rendered.manifest_entry(), signing_pem)
    return month_dir / rendered.path
