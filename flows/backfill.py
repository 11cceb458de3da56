"""Backfill: one monthly run per month, in order, each as of its own month end."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.monthly_review import RunResult, monthly_account_review
from kam.errors import KamError
from kam.month import Month
from kam.publish import warehouse_lock
from kam.settings import Settings


def _backfill_run_name() -> str:
    months = flow_run.parameters.get("months") or ["?"]
    return f"backfill {months[0]}..{months[-1]}"


@flow(name="backfill-account-reviews", flow_run_name=_backfill_run_name)
def backfill_months(settings: Settings, months: list[Month]) -> list[RunResult]:
    """Run the monthly review for each month; the first failure stops the backfill."""
    logger = get_run_logger()
    results: list[RunResult] = []
    # The lock is held across all months: no other run slips in between two of them.
    with warehouse_lock(settings.warehouse, f"backfill {months[0]}..{months[-1]}",
                        settings.lock_timeout_seconds):
        for month in months:
            try:
                results.append(monthly_account_review(settings.for_month(month)))
            except KamError as exc:
                done = f"{months[0]}..{results[-1].month} done" if results else "no month done"
                exc.message = f"backfill stopped at {month} ({done}): {exc.message}"
                raise
            logger.info("backfill: %s done (%d of %d)", month, len(results), len(months))
    return results
