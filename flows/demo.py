"""`kam demo`: the sample export through the whole pipeline."""

from __future__ import annotations

from pathlib import Path

from flows.config import RunConfig, last_complete_month
from flows.generate import generate_export
from flows.monthly_review import RunResult, monthly_account_review


def run_demo(*, export_dir: Path, out_dir: Path, warehouse: Path, locale: str) -> RunResult:
    month = last_complete_month()
    generate_export(export_dir, end_month=month)
    config = RunConfig(
        input_dir=export_dir, month=month, out_dir=out_dir, warehouse=warehouse, locale=locale
    )
    return monthly_account_review(config)
