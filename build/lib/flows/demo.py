"""`kam demo`: the sample export through the whole pipeline."""

from __future__ import annotations

from pathlib import Path

from flows.monthly_review import RunResult, monthly_account_review
from kam.generate import generate_export
from kam.settings import Settings


def run_demo(settings: Settings, export_dir: Path) -> RunResult:
    """Generate the sample export up to the reporting month, then run the month on it."""
    settings = settings.for_month()
    generate_export(export_dir, end_month=settings.reporting_month)
    return monthly_account_review(settings.model_copy(update={"input_dir": export_dir}))
