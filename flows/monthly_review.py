"""The monthly account review flow: extract, validate, transform, report, publish.

The flow only orchestrates; each task does one thing and the work is done by the stage
packages of `kam`. The reporting month is resolved once, when the flow starts, and every
task receives the same frozen settings. A run holds the warehouse's lock from start to end;
everything it writes goes to a working copy of the warehouse and a staging folder, switched
in only after the last step: the month first, then the warehouse, then delivery.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows.unattended import (
    local_output,
    note_run,
    obtain_export,
    report_failed_run,
    report_rejection,
    summarise_run,
    upload_published,
)
from kam.deliver import deliver
from kam.errors import DataQualityError, TransientError, UsageError
from kam.extract.landing import ExtractSummary, extract_export, run_fingerprint
from kam.extract.limits import InputLimits
from kam.observe.timing import StageTimes
from kam.publish import (
    StagedMonth,
    WorkingWarehouse,
    already_done,
    build_manifest,
    private_key_pem,
    record_run,
    remove_leftovers,
    sign_manifest,
    terminate_as_interrupt,
    warehouse_lock,
    write_manifest,
)
from kam.run_id import derive_run_id
from kam.settings import Settings, Stage
from kam.transform.docs import write_static_docs
from kam.transform.engines import SPARK, land_in_spark, spark_dir_for_run, spark_session
from kam.validate import ValidationSummary

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest

# Great Expectations (kam.validate.validation) and dbt (kam.transform.dbt) take seconds to
# import, so the tasks that validate and build import them where they use them: the `kam`
# command loads them while Prefect's server starts (kam.launch), and a run started any other
# way pays for them only when it gets there.


def _io_failure(task, task_run, state) -> bool:
    """Retry only what a second attempt can fix: file-system and network errors, also when
    a step has wrapped one in its own one-line error."""
    try:
        state.result()
    except Exception as exc:
        return is_retryable(exc)
    return False


def is_retryable(exc: BaseException) -> bool:
    """A TransientError anywhere in the chain (a step's own verdict; it survives the pickling
    of a failed state, which drops `__cause__`), or an OSError that is neither an SMTP reply
    (the delivery step has judged those: a 5xx is final) nor a TLS failure (an untrusted
    certificate stays untrusted)."""
    return any(
        isinstance(cause, TransientError)
        or (isinstance(cause, OSError)
            and not isinstance(cause, (smtplib.SMTPException, ssl.SSLError)))
        for cause in _causes(exc)
    )


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
    times: StageTimes = field(default_factory=StageTimes)  # seconds per stage
    up_to_date: str | None = None  # set when an earlier run with this id left all intact


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def fingerprint_inputs(settings: Settings) -> list[tuple[str, str]]:
    """Hash the export's files and the profile (cheap: no parsing) to derive the run id."""
    return run_fingerprint(settings.input_dir, settings.profile,
                           InputLimits.from_settings(settings))


@task(**IO_RETRIES, cache_policy=NO_CACHE)
def extract(settings: Settings, warehouse: Path, run_id: str):
    """Land the export's files in the warehouse's `raw` schema with their load manifest."""
    return extract_export(
        settings.input_dir,
        warehouse,
        run_id=run_id,
        profile=settings.profile,
        timezone=settings.timezone,
        limits=InputLimits.from_settings(settings),
    )


@task(cache_policy=NO_CACHE)
def validate(
    settings: Settings, warehouse: Path, run_id: str, evidence_dir: Path
) -> ValidationSummary:
    """Run the expectation suites; quarantine warning rows; record every result."""
    from kam.validate.validation import validate_warehouse

    return validate_warehouse(
        warehouse,
        run_id=run_id,
        month=settings.reporting_month,
        evidence_dir=evidence_dir,
        max_volume_drop=settings.max_volume_drop,
        freshness_grace_days=settings.freshness_grace_days,
    )


@dataclass(frozen=True)
class DbtTarget:
    """Where the models build: the run's DuckDB working copy, or Spark (profiles.yml's
    `spark` target) with its local warehouse folder."""

    name: str
    spark_dir: Path | None = None


@task(cache_policy=NO_CACHE)
def parse_models(
    settings: Settings, warehouse: Path, target_dir: Path, target: DbtTarget
) -> Manifest:
    """Parse the dbt project (the last run's parse reused): the manifest every dbt step of
    the run uses."""
    from kam.transform.dbt import parse_project

    return parse_project(warehouse, target_dir, target=target.name,
                         spark_dir=target.spark_dir, cache_dir=settings.parse_cache_dir)


@contextmanager
def models_parsed_meanwhile(
    settings: Settings, warehouse: Path, target_dir: Path, target: DbtTarget, *, needed: bool,
):
    """The dbt project parsed on the flow's task runner while the export lands and is
    validated (parsing reads no table; landing is mostly DuckDB's own threads, which leave
    Python's free), yielding the parse's future. Left only once the parse has ended, so it
    never outlives the run's working copy."""
    if not needed:
        yield None
        return
    parsed = parse_models.submit(settings, warehouse, target_dir, target)
    try:
        yield parsed
    finally:
        parsed.wait()


@task(cache_policy=NO_CACHE)
def land_for_spark(warehouse: Path, target: DbtTarget) -> list[str]:
    """Copy the landed export and the audit tables into Spark, where the models read them."""
    return land_in_spark(warehouse, spark_session(target.spark_dir))


@task(cache_policy=NO_CACHE)
def transform_clv_inputs(
    settings: Settings, warehouse: Path, run_id: str, target_dir: Path, target: DbtTarget,
    manifest: Manifest,
):
    """Build every model the CLV fit reads (and their tests)."""
    from kam.transform.dbt import build_clv_inputs, dbt_vars

    return build_clv_inputs(warehouse, dbt_vars(settings, run_id), target_dir,
                            target=target.name, spark_dir=target.spark_dir, manifest=manifest)


@task(cache_policy=NO_CACHE)
def fit_clv_models(settings: Settings, warehouse: Path, run_id: str, target: DbtTarget):
    """Fit the month's CLV models on the target's engine and write the fit's tables."""
    from kam.transform.dbt import dbt_vars, fit_clv

    return fit_clv(warehouse, dbt_vars(settings, run_id), target=target.name,
                   spark_dir=target.spark_dir)


@task(cache_policy=NO_CACHE)
def transform_rest(
    settings: Settings, warehouse: Path, run_id: str, target_dir: Path, target: DbtTarget,
    manifest: Manifest,
):
    """Build every other model, snapshot and test for the month, the CLV marts included."""
    from kam.transform.dbt import build_after_clv_fit, dbt_vars

    return build_after_clv_fit(warehouse, dbt_vars(settings, run_id), target_dir,
                               target=target.name, spark_dir=target.spark_dir,
                               manifest=manifest)


def transform(
    settings: Settings, warehouse: Path, run_id: str, target_dir: Path, target: DbtTarget,
    manifest: Manifest,
) -> list:
    """Build the month: the CLV fit's inputs, the fit, then the rest."""
    if target.name == SPARK:
        land_for_spark(warehouse, target)
    # quote(): Prefect hands the manifest over as it is, without walking its thousands of
    # nodes for futures to resolve.
    first = transform_clv_inputs(settings, warehouse, run_id, target_dir, target,
                                 quote(manifest))
    fitted = fit_clv_models(settings, warehouse, run_id, target)
    get_run_logger().info("CLV fit for %s: %s", fitted.month, fitted.message)
    return first + transform_rest(settings, warehouse, run_id, target_dir, target,
                                  quote(manifest))


@task(cache_policy=NO_CACHE)
def document_models(
    settings: Settings, warehouse: Path, run_id: str, target_dir: Path, month_dir: Path,
    manifest: Manifest,
) -> Path:
    """Publish dbt's documentation of every model and column beside the month's reports."""
    from kam.transform.dbt import dbt_vars, generate_docs

    generate_docs(warehouse, dbt_vars(settings, run_id), target_dir, manifest=manifest)
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
    """Render one PDF per key account, the portfolio review and its workbook, on the
    configured runner."""
    # Imported here, not with the flow: WeasyPrint and matplotlib take about a second to
    # import, which a run that stops before the reports (--until) never needs.
    from kam.report import DataQualityStatus, render_reports
    from kam.report.runners import RenderRunner

    return render_reports(
        warehouse,
        month=settings.reporting_month,
        out_dir=month_dir,
        run_id=run_id,
        locale=settings.locale,
        dq_status=DataQualityStatus.from_validation(validation, run_id=run_id),
        confidentiality_label=settings.confidentiality_label,
        workers=settings.render_workers,
        runner=RenderRunner.from_settings(settings),
        list_limit=settings.portfolio_list_limit,
        top_accounts=settings.portfolio_top_accounts,
    )


@task(cache_policy=NO_CACHE)
def render_data_quality(settings: Settings, warehouse: Path, run_id: str, month_dir: Path) -> Path:
    """Render the auditors' data-quality report."""
    from kam.report.data_quality import render_data_quality_pdf  # see render_reviews

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
    records = deliver(month_dir, settings.warehouse, mode=settings.deliver, outbox_dir=outbox,
                      after_each=lambda _record: pause_point("deliver"))
    return len(records)


def _run_stages(
    settings: Settings, run_id: str, started_at: datetime, result: RunResult,
    remote_out: str | None,
) -> list:
    """Every stage on the working copy and the staging folder, then publish: the month
    first, then the warehouse (see kam.publish.workspace for why this order)."""
    month, until = settings.reporting_month, settings.until
    times = result.times
    builds_models = not until.stops_by(Stage.validate)
    target = DbtTarget(
        settings.dbt_target,
        spark_dir_for_run(settings.spark_dir)
        if settings.dbt_target == SPARK and builds_models else None,
    )
    with (
        WorkingWarehouse(settings.warehouse, run_id) as warehouse,
        StagedMonth(settings.out_dir, str(month), run_id) as staged,
        models_parsed_meanwhile(settings, warehouse.path, warehouse.dbt_target, target,
                                needed=builds_models) as parsed,
    ):
        times.add("working copy", warehouse.copy_seconds)
        work, month_dir, dbt_target = warehouse.path, staged.path, warehouse.dbt_target
        with times.stage("extract"):
            result.extracted = extract(settings, work, run_id)
        for line in result.extracted.lines():
            get_run_logger().info("%s", line)
        pause_point("extract")
        validation = None
        if not until.stops_by(Stage.extract):
            with times.stage("validate"):
                validation = validate(settings, work, run_id, month_dir)
            result.validation_success = validation.success
            if not validation.success:
                # The auditors' report says why the month was rejected; it goes aside with
                # the evidence, never into the month's folder.
                render_data_quality(settings, work, run_id, month_dir)
                rejected = staged.keep_as_rejected()
                report_rejection(
                    settings, work, run_id, validation, rejected, result.extracted, remote_out
                )
                raise DataQualityError(
                    validation.failure_line(),
                    hint=f"nothing published for {month}; evidence in {rejected}",
                )
            pause_point("validate")
        dbt_results = []
        if builds_models:
            with times.stage("dbt build"):
                models = parsed.result()
                dbt_results = transform(settings, work, run_id, dbt_target, target, models)
            pause_point("dbt")
        rendered = []
        if not until.stops_by(Stage.transform):
            with times.stage("dbt docs"):
                document_models(settings, work, run_id, dbt_target, month_dir, quote(models))
            with times.stage("render"):
                rendered = render_reviews(settings, work, run_id, month_dir, validation)
                render_data_quality(settings, work, run_id, month_dir)
            result.accounts_reviewed = sum(r.kind == "account_review" for r in rendered)
            pause_point("render")
        record(
            settings, work, run_id, result.validation_success, result.accounts_reviewed, started_at
        )
        if not until.stops_by(Stage.report):
            with times.stage("publish"):
                manifest(month_dir, settings, run_id, bool(result.validation_success), rendered)
                result.month_dir = staged.publish()
            result.files = sorted(r.path for r in rendered)
            pause_point("publish")
        with times.stage("working copy"):
            warehouse.commit()
        result.warehouse = settings.warehouse
    return dbt_results


def pause_point(stage: str) -> None:
    """Test hook, inert unless KAM_TEST_PAUSE_AT names `stage`: then touch the file named by
    KAM_TEST_PAUSE_MARKER and wait until the file KAM_TEST_PAUSE_RELEASE exists (or the
    process is killed). The crash and concurrency tests stop runs at known points with it."""
    if os.environ.get("KAM_TEST_PAUSE_AT") != stage:
        return
    Path(os.environ["KAM_TEST_PAUSE_MARKER"]).touch()
    release = Path(os.environ.get("KAM_TEST_PAUSE_RELEASE", os.devnull + ".never"))
    while not release.exists():
        time.sleep(0.1)


def _flow_run_name() -> str:
    given = flow_run.parameters.get("settings")
    month = given.get("month") if isinstance(given, dict) else getattr(given, "month", None)
    return f"review {month or 'last complete month'}"


@flow(
    name="monthly-account-review",
    flow_run_name=_flow_run_name,
    log_prints=True,
    on_failure=[report_failed_run],
)
def monthly_account_review(settings: Settings) -> RunResult:
    """Extract, validate, transform, report and publish the key account review for a month."""
    logger = get_run_logger()
    started_at = datetime.now()
    times = StageTimes()
    times.note_start_up()
    if settings.input_dir is None:
        raise UsageError("no export folder given", hint="pass --input DIR or set KAM_INPUT_DIR")
    settings = settings.for_month()
    note_run(settings=settings, month=str(settings.reporting_month), started_at=started_at)
    settings, remote_out = local_output(settings)
    settings = obtain_export(settings)
    month, until = settings.reporting_month, settings.until
    with times.stage("fingerprint"):
        run_id = derive_run_id(fingerprint_inputs(settings), settings.fingerprint_fields())
    note_run(run_id=run_id)
    logger.info("run %s for %s from %s", run_id, month, settings.input_dir)
    result = RunResult(month=str(month), run_id=run_id, stopped_after=until.value)
    result.times = times

    with (
        warehouse_lock(settings.warehouse, run_id, settings.lock_timeout_seconds),
        terminate_as_interrupt(),
    ):
        for leftover in remove_leftovers(settings.out_dir, settings.warehouse):
            logger.info("removed %s, left by an interrupted run", leftover)
        with times.stage("up-to-date check"):
            done = None if remote_out else already_done(
                out_dir=settings.out_dir, warehouse=settings.warehouse, month=str(month),
                run_id=run_id, until=until,
                signed=bool(settings.signing_key or settings.signing_key_secret))
        if done is not None:
            logger.info("%s", done.reason)
            result.up_to_date, result.month_dir = done.reason, done.month_dir
            result.files, result.accounts_reviewed = done.files, done.accounts_reviewed
            result.warehouse = settings.warehouse
            dbt_results = []
        else:
            dbt_results = _run_stages(settings, run_id, started_at, result, remote_out)
        if result.month_dir is not None and settings.deliver:
            result.messages_delivered = deliver_reviews(settings, result.month_dir)
    published_url = None
    if remote_out and result.month_dir is not None:
        published_url = upload_published(result.month_dir, remote_out)
    summarise_run(settings, result, result.extracted, dbt_results, published_url)
    logger.info("run %s for %s finished after %s", run_id, month, until.value)
    logger.info("%s", times.line())
    return result
