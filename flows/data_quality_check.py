"""`kam validate`: land an export in a scratch warehouse and run the checks alone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import flow

from flows.monthly_review import extract, fingerprint_inputs, validate
from flows.unattended import obtain_export
from kam.errors import DataQualityError, UsageError
from kam.run_id import derive_run_id
from kam.settings import Settings


@flow(name="data-quality-check", flow_run_name="validate {settings.input_dir}")
def check_export(settings: Settings, evidence_dir: Path | None = None) -> str:
    """Extract and validate without touching the warehouse; returns a one-line summary."""
    if settings.input_dir is None:
        raise UsageError("no export folder given", hint="pass --input DIR")
    settings = obtain_export(settings.for_month())
    run_id = derive_run_id(fingerprint_inputs(settings), settings.fingerprint_fields())
    with tempfile.TemporaryDirectory(prefix="kam-validate-") as scratch:
        warehouse = Path(scratch) / "check.duckdb"
        extract(settings, warehouse, run_id)
        summary = validate(settings, warehouse, run_id, evidence_dir or Path(scratch) / "evidence")
    if not summary.success:
        raise DataQualityError(summary.failure_line())
    return (
        f"{settings.input_dir}: data-quality checks passed for {settings.reporting_month} "
        f"(run {run_id}); {summary.quarantined_rows} rows quarantined"
    )
