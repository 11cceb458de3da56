"""`kam validate`: land an export in a scratch warehouse and run the checks alone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import flow

from flows import extract as extract_step
from flows.config import RunConfig
from flows.errors import DataQualityError
from flows.run_id import derive_run_id


@flow(name="data-quality-check", flow_run_name="validate {config.input_dir}")
def check_export(config: RunConfig, evidence_dir: Path | None = None) -> str:
    """Extract and validate without touching the warehouse; returns a one-line summary."""
    from flows.validate import validate_warehouse

    month = config.reporting_month
    files = extract_step.run_fingerprint(config.input_dir, config.profile)
    run_id = derive_run_id(files, config.fingerprint_fields())
    with tempfile.TemporaryDirectory(prefix="kam-validate-") as scratch:
        warehouse = Path(scratch) / "check.duckdb"
        extract_step.extract_export(
            config.input_dir,
            warehouse,
            run_id=run_id,
            profile=config.profile,
            timezone=config.timezone,
        )
        evidence = evidence_dir or Path(scratch) / "evidence"
        summary = validate_warehouse(
            warehouse,
            run_id=run_id,
            month=month,
            evidence_dir=evidence,
            max_volume_drop=config.max_volume_drop,
            freshness_grace_days=config.freshness_grace_days,
        )
    if not summary.success:
        raise DataQualityError(summary.failure_line())
    return (
        f"{config.input_dir}: data-quality checks passed for {month} (run {run_id}); "
        f"{summary.quarantined_rows} rows quarantined"
    )
