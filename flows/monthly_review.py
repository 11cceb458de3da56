"""The monthly account review flow: extract, validate, transform, report, publish.

The flow only orchestrates; each task does one thing. Everything a run writes goes to a
working copy of the warehouse and a staging folder, swapped in only after the last step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import extract as extract_step
from flows import publish as publish_step
from flows import transform as transform_step
from flows.config import RunConfig, Stage, month_end
from flows.dbt_docs import write_static_docs
from flows.errors import DataQualityError
from flows.run_id import derive_run_id

STAGES = list(Stage)


def _io_failure(task, task_run, state) -> bool:
    """Retry only what a second attempt can fix: file-system and network errors."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


IO_RETRIES = {"retries": 2, "retry_delay_seconds": [2, 5], "retry_condition_fn": _io_failure}


@dataclass
class RunResult:
    month: str
    run_id: str
    stopped_after: str
    month_dir: Path | None = None
    warehouse: Path | None = None
    validation_success: bool | None = None
    accounts_reviewed: int = 0
    messages_delivered: int = 0
    files: list[str] = field(default_factory=list)


def _reached(config: RunConfig, stage: Stage) -> bool:
    """True when the run should stop after `stage`."""
    return STAGES.index(config.until) <= STAGES.index(stage)


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def fingerprint_inputs(config: RunConfig) -> list[tuple[str, str]]:
    """Hash the export's files and the profile (cheap: no parsing) to derive the run id."""
    return extract_step.run_fingerprint(config.input_dir, config.profile)


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def extract(config: RunConfig, warehouse: Path, run_id: str):
    """Land the export's files in the warehouse's `raw` schema with their load manifest."""
    return extract_step.extract_export(
        config.input_dir,
        warehouse,
        run_id=run_id,
        profile=config.profile,
        timezone=config.timezone,
    )


@task(cache_policy=NO_CACHE)
def validate(config: RunConfig, warehouse: Path, run_id: str, evidence_dir: Path):
    """Run the expectation suites; quarantine warning rows; record every result."""
    from flows.validate import validate_warehouse

    return validate_warehouse(
        warehouse,
        run_id=run_id,
        month=config.reporting_month,
        evidence_dir=evidence_dir,
        max_volume_drop=config.max_volume_drop,
        freshness_grace_days=config.freshness_grace_days,
    )


def _dbt_vars(config: RunConfig, run_id: str) -> dict[str, object]:
    return transform_step.dbt_vars(
        month=config.reporting_month,
        run_id=run_id,
        timezone=config.timezone,
        reporting_currency=config.reporting_currency,
        report_tiers=list(config.report_tiers),
        clv_discount_rate=config.clv_discount_rate,
        clv_min_repeat_accounts=config.clv_min_repeat_accounts,
    )


@task(cache_policy=NO_CACHE)
def transform(config: RunConfig, warehouse: Path, run_id: str, target_dir: Path):
    """Build every dbt model, snapshot and test for the month."""
    return transform_step.build_models(warehouse, _dbt_vars(config, run_id), target_dir)


@task(cache_policy=NO_CACHE)
def document_models(
    config: RunConfig, warehouse: Path, run_id: str, target_dir: Path, month_dir: Path
) -> Path:
    """Publish dbt's documentation of every model and column beside the month's reports."""
    transform_step.generate_docs(warehouse, _dbt_vars(config, run_id), target_dir)
    return write_static_docs(
        target_dir,
        month_dir / "dbt_docs" / "index.html",
        run_id=run_id,
        stamp=f"{month_end(config.reporting_month).isoformat()}T23:59:59Z",
    )


@task(cache_policy=NO_CACHE)
def render_reviews(config: RunConfig, warehouse: Path, run_id: str, month_dir: Path, validation):
    """Render one PDF per key account and the portfolio review."""
    from flows.report import DataQualityStatus, render_reports

    status = DataQualityStatus.from_validation(validation, run_id=run_id)
    return render_reports(
        warehouse,
        month=config.reporting_month,
        out_dir=month_dir,
        run_id=run_id,
        locale=config.locale,
        dq_status=status,
    )


@task(cache_policy=NO_CACHE)
def render_data_quality(config: RunConfig, warehouse: Path, run_id: str, month_dir: Path) -> Path:
    """Render the auditors' data-quality report."""
    from flows.validate.dq_report import render_data_quality_pdf

    out_path = month_dir / "data_quality.pdf"
    render_data_quality_pdf(warehouse, run_id, config.reporting_month, out_path, config.locale)
    return out_path


@task(cache_policy=NO_CACHE)
def record_run(
    config: RunConfig,
    warehouse: Path,
    run_id: str,
    validation_success: bool | None,
    accounts_reviewed: int,
    started_at: datetime,
) -> None:
    """Append the run to `audit.runs` in the working warehouse."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into audit.runs values (?, ?, ?, ?, ?, 'success', ?, ?, ?, ?, ?)",
            [
                run_id,
                f"{config.reporting_month}-01",
                config.profile,
                str(config.input_dir),
                json.dumps(config.fingerprint_fields(), sort_keys=True),
                validation_success,
                started_at,
                datetime.now(),
                accounts_reviewed,
                f"stopped after {config.until.value}",
            ],
        )


@task(cache_policy=NO_CACHE)
def write_manifest(
    month_dir: Path, month: str, run_id: str, validation_success: bool, rendered: list
) -> Path:
    """List every file of the month with its sha256 and what it is about."""
    described = {
        r.path: {
            "kind": r.kind,
            "account_id": r.account_id,
            "manager_id": r.manager_id,
            "tier": r.tier,
            "pages": r.pages,
        }
        for r in rendered
    }
    manifest = publish_step.build_manifest(
        month_dir,
        month=month,
        run_id=run_id,
        validation_success=validation_success,
        validation_run_id=run_id,
        described=described,
    )
    return publish_step.write_manifest(month_dir, manifest)


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    config = flow_run.parameters.get("config")
    month = config.get("month") if isinstance(config, dict) else getattr(config, "month", None)
    return f"review {month or 'last complete month'}"


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def deliver_reviews(config: RunConfig, month_dir: Path) -> int:
    """E-mail each account manager the reviews of their own accounts (or write an outbox)."""
    from flows.deliver import deliver

    outbox = config.out_dir / "_outbox"  # deliver() adds the month folder
    records = deliver(month_dir, config.warehouse, mode=config.deliver, outbox_dir=outbox)
    return len(records)


@flow(name="monthly-account-review", flow_run_name=_flow_run_name, log_prints=True)
def monthly_account_review(config: RunConfig) -> RunResult:
    """Extract, validate, transform, report and publish the key account review for a month."""
    logger = get_run_logger()
    started_at = datetime.now()
    month = config.reporting_month
    run_id = derive_run_id(fingerprint_inputs(config), config.fingerprint_fields())
    logger.info("run %s for %s from %s", run_id, month, config.input_dir)
    result = RunResult(month=month, run_id=run_id, stopped_after=config.until.value)

    with (
        publish_step.WorkingWarehouse(config.warehouse, run_id) as warehouse,
        publish_step.StagedMonth(config.out_dir, month, run_id) as staged,
    ):
        work, month_dir = warehouse.path, staged.path
        extract(config, work, run_id)
        validation = None
        if not _reached(config, Stage.extract):
            validation = validate(config, work, run_id, month_dir)
            result.validation_success = validation.success
            if not validation.success:
                # The auditors' report says why the month was rejected; it goes aside with
                # the evidence, never into the month's folder.
                render_data_quality(config, work, run_id, month_dir)
                rejected = staged.keep_as_rejected()
                raise DataQualityError(
                    validation.failure_line(),
                    hint=f"nothing published for {month}; evidence in {rejected}",
                )
        dbt_target = config.warehouse.parent / ".dbt_target"
        if not _reached(config, Stage.validate):
            transform(config, work, run_id, dbt_target)
        rendered = []
        if not _reached(config, Stage.transform):
            document_models(config, work, run_id, dbt_target, month_dir)
            rendered = render_reviews(config, work, run_id, month_dir, validation)
            render_data_quality(config, work, run_id, month_dir)
            result.accounts_reviewed = sum(r.kind == "account_review" for r in rendered)
        record_run(
            config, work, run_id, result.validation_success, result.accounts_reviewed, started_at
        )
        warehouse.commit()
        result.warehouse = config.warehouse
        if not _reached(config, Stage.report):
            write_manifest(month_dir, month, run_id, bool(result.validation_success), rendered)
            result.month_dir = staged.publish()
            result.files = sorted(r.path for r in rendered)
            if config.deliver:
                result.messages_delivered = deliver_reviews(config, result.month_dir)
    logger.info("run %s for %s finished after %s", run_id, month, config.until.value)
    return result
