"""Is the month's export complete? A scheduled run waits for it instead of reporting on a
half-written or stale export.

Complete means: the marker file the user named is present (the CRM writes it last), or,
without a marker, the export lands cleanly and its latest order is no more than the
freshness grace before the month's last day (the same grace the freshness check uses, so a
run that waited does not then warn about stale orders).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from kam.errors import KamError, PipelineError
from kam.extract.landing import extract_export
from kam.month import Month


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str


def export_readiness(
    input_dir: Path,
    *,
    month: Month,
    profile: str = "canonical",
    timezone: str = "UTC",
    grace_days: int = 0,
    marker: str | None = None,
) -> Readiness:
    """Whether the export in `input_dir` is complete for `month`, and why not."""
    if marker is not None:
        if (Path(input_dir) / marker).is_file():
            return Readiness(True, f"marker {marker} present")
        return Readiness(False, f"marker file {marker} not in {input_dir} yet")
    with tempfile.TemporaryDirectory(prefix="kam-ready-") as scratch:
        warehouse = Path(scratch) / "ready.duckdb"
        try:
            extract_export(input_dir, warehouse, run_id="readiness", profile=profile,
                           timezone=timezone)
        except KamError as exc:
            return Readiness(False, exc.one_line())
        with duckdb.connect(str(warehouse), read_only=True) as con:
            latest = con.execute("select max(order_date) from raw.orders").fetchone()[0]
    needed = month.last_day - timedelta(days=grace_days)
    if latest is None or latest < needed:
        return Readiness(False, f"orders end {latest or 'nowhere'}, before {needed} "
                                f"(the export for {month} is not complete)")
    return Readiness(True, f"orders reach {latest}")


def wait_until_ready(
    check: Callable[[], Readiness],
    *,
    what: str,
    wait_hours: float,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_wait: Callable[[Readiness], None] = lambda readiness: None,
) -> Readiness:
    """Call `check` until it says ready or `wait_hours` have passed; then raise
    PipelineError naming what was missing at the last look."""
    deadline = clock() + wait_hours * 3600
    while True:
        readiness = check()
        if readiness.ready:
            return readiness
        remaining = deadline - clock()
        if remaining <= 0:
            raise PipelineError(
                f"{what} is not complete after waiting {wait_hours:g} h: {readiness.reason}",
                hint="nothing was reported; run again once the export has landed, or raise "
                "export_wait_hours",
            )
        on_wait(readiness)
        sleep(min(poll_seconds, remaining))
