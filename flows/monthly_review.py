"""The monthly account review flow: extract, validate, transform, report, publish.

The flow only orchestrates; each task does one thing and the work is done by the stage
packages of `kam`. The reporting month is resolved once, when the flow starts, and every
task receives the same frozen settings. Everything a run writes goes to a working copy of
the warehouse and a staging folder, swapped in only after the last step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from kam.deliver import deliver
from kam.errors import DataQualityError, UsageError
from kam.extract.landing import ExtractSummary, extract_export, run_fingerprint
from kam.publish import (
    StagedMonth,
    WorkingWarehouse,
    build_manifest,
    private_key_pem,
    record_run,
    sign_manifest,
    write_manifest,
)
from kam.report import DataQualityStatus, render_reports
from kam.report.data_quality import render_data_quality_pdf
from kam.run_id import derive_run_id
from kam.settings import Settings, Stage
from kam.transform.dbt import build_models, dbt_vars, generate_docs
from kam.transform.docs import write_static_docs
from kam.validate import ValidationSummary, validate_warehouse


def _io_failure(task, task_run, state) -> bool:
    """Retry only what a second attempt can fix: file-system and network errors, also when
    a step has wrapped one in its own one-line error."""
    try:
        state.result()
    except Exception as exc:
        return any(isinstance(cause, OSError) for cause in _causes(exc))
    return False


def _causes(exc: BaseException | None):
    while exc is not None:
        yield exc
        exc = exc.__cause__


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
    extracted: ExtractSummary | None = None  # rows read, landed, filtered... per table


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def fingerprint_inputs(settings: Settings) -> list[tuple[str, str]]:
    """Hash the export's files and the profile (cheap: no parsing) to derive the run id."""
    return run_fingerprint(settings.input_dir, settings.profile)


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def extract(settings: Settings, warehouse: Path, run_id: str):
    """Land the export's files in the warehouse's `raw` schema with their load manifest."""
    return extract_export(
        settings.input_dir,
        warehouse,
        run_id=run_id,
        profile=settings.profile,
        timezone=settings.timezone,
    )


@task(cache_policy=NO_CACHE)
def validate(
    settings: Settings, warehouse: Path, run_id: str, evidence_dir: Path
) -> ValidationSummary:
    """Run the expectation suites; quarantine warning rows; record every result."""
    return validate_warehouse(
        warehouse,
        run_id=run_id,
        month=settings.reporting_month,
        evidence_dir=evidence_dir,
        max_volume_drop=settings.max_volume_drop,
        freshness_grace_days=settings.freshness_grace_days,
    )


@task(cache_policy=NO_CACHE)
def transform(settings: Settings, warehouse: Path, run_id: str, target_dir: Path):
    """Build every dbt model, snapshot and test for the month."""
    return build_models(warehouse, dbt_vars(settings, run_id), target_dir)


@task(cache_policy=NO_CACHE)
def document_models(
    settings: Settings, warehouse: Path, run_id: str, target_dir: Path, month_dir: Path
) -> Path:
    """Publish dbt's documentation of every model and column beside the month's reports."""
    generate_docs(warehouse, dbt_vars(settings, run_id), target_dir)
    return write_static_docs(
        target_dir,
        month_dir / "dbt_docs" / "index.html",
        run_id=run_id,
        stamp=f"{settings.reporting_month.last_day.isoformat()}T23:59:59Z",
    )


@task(cache_policy=NO_CACHE)
def render_reviews(
    settings: Settings, warehouse: Path, run_id: str, month_dir: Path, validation
):
    """Render one PDF per key account and the portfolio review."""
    return render_reports(
        warehouse,
        month=settings.reporting_month,
        out_dir=month_dir,
        run_id=run_id,
        locale=settings.locale,
        dq_status=DataQualityStatus.from_validation(validation, run_id=run_id),
        confidentiality_label=settings.confidentiality_label,
    )


@task(cache_policy=NO_CACHE)
def render_data_quality(settings: Settings, warehouse: Path, run_id: str, month_dir: Path) -> Path:
    """Render the auditors' data-quality report."""
    out_path = month_dir / "data_quality.pdf"
    render_data_quality_pdf(
        warehouse, run_id, settings.reporting_month, out_path, settings.locale,
        confidentiality_label=settings.confidentiality_label,
    )
    return out_path


@task(cache_policy=NO_CACHE)
def record(
    settings: Settings,
    warehouse: Path,
    run_id: str,
    validation_success: bool | None,
    accounts_reviewed: int,
    started_at: datetime,
) -> None:
    """Append the run to `audit.runs` in the working warehouse."""
    record_run(
        warehouse,
        run_id=run_id,
        month=settings.reporting_month,
        profile=settings.profile,
        input_dir=settings.input_dir,
        configuration=settings.fingerprint_fields(),
        validation_success=validation_success,
        started_at=started_at,
        accounts_reviewed=accounts_reviewed,
        stopped_after=settings.until,
    )


@task(cache_policy=NO_CACHE)
def manifest(
    month_dir: Path, settings: Settings, run_id: str, validation_success: bool, rendered: list
) -> Path:
    """List every file of the month with its sha256 and what it is about; sign the list
    when a signing key is configured."""
    described = {r.path: r.manifest_entry() for r in rendered}
    listing = build_manifest(
        month_dir,
        month=str(settings.reporting_month),
        run_id=run_id,
        validation_success=validation_success,
        validation_run_id=run_id,
        described=described,
    )
    path = write_manifest(month_dir, listing)
    pem = private_key_pem(settings.signing_key, settings.signing_key_secret)
    if pem is not None:
        # beside the manifest, not in it: a file cannot list its own signature
        sign_manifest(path, pem, where=str(settings.signing_key or settings.signing_key_secret))
    return path


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def deliver_reviews(settings: Settings, month_dir: Path) -> int:
    """E-mail each account manager the reviews of their own accounts (or write an outbox)."""
    outbox = settings.out_dir / "_outbox"  # deliver() adds the month folder
    records = deliver(month_dir, settings.warehouse, mode=settings.deliver, outbox_dir=outbox)
    return len(records)


def _flow_run_name() -> str:
    given = flow_run.parameters.get("settings")
    month = given.get("month") if isinstance(given, dict) else getattr(given, "month", None)
    return f"review {month or 'last complete month'}"


@flow(name="monthly-account-review", flow_run_name=_flow_run_name, log_prints=True)
def monthly_account_review(settings: Settings) -> RunResult:
    """Extract, validate, transform, report and publish the key account review for a month."""
    logger = get_run_logger()
    started_at = datetime.now()
    if settings.input_dir is None:
        raise UsageError("no export folder given", hint="pass --input DIR or set KAM_INPUT_DIR")
    settings = settings.for_month()
    month, until = settings.reporting_month, settings.until
    run_id = derive_run_id(fingerprint_inputs(settings), settings.fingerprint_fields())
    logger.info("run %s for %s from %s", run_id, month, settings.input_dir)
    result = RunResult(month=str(month), run_id=run_id, stopped_after=until.value)

    with (
        WorkingWarehouse(settings.warehouse, run_id) as warehouse,
        StagedMonth(settings.out_dir, str(month), run_id) as staged,
    ):
        work, month_dir = warehouse.path, staged.path
        result.extracted = extract(settings, work, run_id)
        for line in result.extracted.lines():
            logger.info("%s", line)
        validation = None
        if not until.stops_by(Stage.extract):
            validation = validate(settings, work, run_id, month_dir)
            result.validation_success = validation.success
            if not validation.success:
                # The auditors' report says why the month was rejected; it goes aside with
                # the evidence, never into the month's folder.
                render_data_quality(settings, work, run_id, month_dir)
                rejected = staged.keep_as_rejected()
                raise DataQualityError(
                    validation.failure_line(),
                    hint=f"nothing published for {month}; evidence in {rejected}",
                )
        dbt_target = settings.dbt_target_dir
        if not until.stops_by(Stage.validate):
            transform(settings, work, run_id, dbt_target)
        rendered = []
        if not until.stops_by(Stage.transform):
            document_models(settings, work, run_id, dbt_target, month_dir)
            rendered = render_reviews(settings, work, run_id, month_dir, validation)
            render_data_quality(settings, work, run_id, month_dir)
            result.accounts_reviewed = sum(r.kind == "account_review" for r in rendered)
        record(
            settings, work, run_id, result.validation_success, result.accounts_reviewed, started_at
        )
        warehouse.commit()
        result.warehouse = settings.warehouse
        if not until.stops_by(Stage.report):
            manifest(month_dir, settings, run_id, bool(result.validation_success), rendered)
            result.month_dir = staged.publish()
            result.files = sorted(r.path for r in rendered)
            if settings.deliver:
                result.messages_delivered = deliver_reviews(settings, result.month_dir)
    logger.info("run %s for %s finished after %s", run_id, month, until.value)
    return result
