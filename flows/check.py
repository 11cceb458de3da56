"""`kam validate`: land an export in a scratch warehouse and run the checks alone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import flow

from flows.config import RunConfig
from flows.errors import DataQualityError
from flows.monthly_review import extract, fingerprint_inputs, validate
from flows.run_id import derive_run_id


@flow(name="data-quality-check", flow_run_name="validate {config.input_dir}")
def check_export(config: RunConfig, evidence_dir: Path | None = None) -> str:
    """Extract and validate without touching the warehouse; returns a one-line summary."""
    month = config.reporting_month
    run_id = derive_run_id(fingerprint_inputs(config), config.fingerprint_fields())
    with tempfile.TemporaryDirectory(prefix="kam-validate-") as scratch:
        warehouse = Path(scratch) / "check.duckdb"
        extract(config, warehouse, run_id)
        summary = validate(config, warehouse, run_id, evidence_dir or Path(scratch) / "evidence")
    if not summary.success:
        raise DataQualityError(summary.failure_line())
    return (
        f"{config.input_dir}: data-quality checks passed for {month} (run {run_id}); "
        f"{summary.quarantined_rows} rows quarantined"
    )
