"""The monthly flow's unattended side: the export from object storage and its readiness,
the month uploaded to object storage, the run's artifacts, notifications, failure records.

These tasks and the failure hook only observe and move files; what a run computes stays in
flows/monthly_review.py.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.runtime import flow_run as current_flow_run
from prefect.settings import PREFECT_UI_URL

from kam.errors import DataQualityError, KamError
from kam.extract.readiness import export_readiness, wait_until_ready
from kam.notify import failed_notice, published_notice, rejected_notice, send_notice
from kam.observe import (
    RunRecord,
    dbt_nodes,
    forget,
    publish_failure_artifacts,
    publish_rejection_artifacts,
    publish_run_artifacts,
    read_run_facts,
    recall,
    record_failure,
    remember,
)
from kam.settings import Settings
from kam.storage import download_export, is_remote, join_url, upload_month

# The flow's tasks by the stage they belong to: a failed run's record says which it reached.
TASK_STAGES = {
    "obtain_export": "extract", "fingerprint_inputs": "extract", "extract": "extract",
    "validate": "validate", "land_for_spark": "transform", "transform_clv_inputs": "transform",
    "fit_clv_models": "transform", "transform_rest": "transform", "document_models": "report",
    "render_reviews": "report", "render_data_quality": "report", "record": "publish",
    "manifest": "publish", "deliver_reviews": "publish", "upload_published": "publish",
}  # fmt: skip


def note_run(**facts) -> None:
    """Tell the failure hook what the run has established so far."""
    remember(current_flow_run.id, **facts)


def _scratch(settings: Settings, name: str, url: str) -> Path:
    # Beside the warehouse (a local, persistent place the worker owns), one per location.
    tag = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Path(settings.warehouse).parent / f".{name}-{tag}"


def local_output(settings: Settings) -> tuple[Settings, str | None]:
    """With an object-storage --out, the month is built in a local folder beside the
    warehouse and uploaded after publishing; returns the settings to build with and the URL."""
    if not is_remote(settings.out_dir):
        return settings, None
    url = str(settings.out_dir)
    return settings.model_copy(update={"out_dir": _scratch(settings, "published", url)}), url


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def obtain_export(settings: Settings) -> Settings:
    """Wait until the month's export is complete (when told to) and copy it down from
    object storage; returns the settings pointing at the local export."""
    logger = get_run_logger()
    source = str(settings.input_dir)
    local = settings.input_dir

    def look():
        nonlocal local
        if is_remote(source):
            local = download_export(source, _scratch(settings, "export", source))
        return export_readiness(
            Path(local), month=settings.reporting_month, profile=settings.profile,
            timezone=settings.timezone, grace_days=settings.freshness_grace_days,
            marker=settings.export_ready_marker,
        )

    if settings.wait_for_export:
        ready = wait_until_ready(
            look, what=f"the export for {settings.reporting_month} in {source}",
            wait_hours=settings.export_wait_hours, poll_seconds=settings.export_poll_seconds,
            on_wait=lambda r: logger.info("waiting for the export: %s", r.reason),
        )
        logger.info("export ready: %s", ready.reason)
    elif is_remote(source):
        local = download_export(source, _scratch(settings, "export", source))
    if is_remote(source):
        logger.info("export %s copied to %s", source, local)
    return settings.model_copy(update={"input_dir": Path(local)})


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def upload_published(month_dir: Path, remote_out: str) -> str:
    """Upload the published month to object storage, manifest.json last."""
    url = join_url(remote_out, month_dir.name)
    upload_month(month_dir, url)
    return url


@task(cache_policy=NO_CACHE)
def report_rejection(
    settings: Settings, warehouse: Path, run_id: str, validation, evidence_dir: Path,
    loaded, remote_out: str | None,
) -> str:
    """The rejected month's own summary, and its evidence uploaded beside the months."""
    evidence = str(evidence_dir)
    if remote_out:
        evidence = join_url(remote_out, "_rejected", evidence_dir.name)
        upload_month(evidence_dir, evidence)
    facts = read_run_facts(warehouse, run_id=run_id, month=str(settings.reporting_month),
                           rows_read=_rows_read(loaded))
    publish_rejection_artifacts(facts, reason=validation.failure_line(), evidence=evidence)
    note_run(evidence=evidence)
    return evidence


def _rows_read(loaded) -> dict[str, int]:
    if loaded is None:
        return {}
    return {t.table: t.rows + t.quarantined_rows + t.filtered_rows + t.superseded_rows
            for t in loaded.tables}


def _month_links(result, published_url: str | None) -> dict[str, str]:
    if published_url:
        return {"month": published_url + "/", "manifest": join_url(published_url, "manifest.json")}
    if result.month_dir is None:
        return {}
    folder = Path(result.month_dir).resolve()
    return {"month": folder.as_uri() + "/", "manifest": (folder / "manifest.json").as_uri()}


@task(cache_policy=NO_CACHE)
def summarise_run(
    settings: Settings, result, loaded, dbt_results: list, published_url: str | None
) -> list[str]:
    """Create the run's artifacts and, when asked, announce the published month."""
    links = _month_links(result, published_url)
    where = links.get("month")
    facts = read_run_facts(settings.warehouse, run_id=result.run_id, month=result.month,
                           rows_read=_rows_read(loaded))
    keys = publish_run_artifacts(
        facts, dbt=dbt_nodes(dbt_results or []), reviews=result.accounts_reviewed,
        where=where, links=links, stopped_after=result.stopped_after,
    )
    if settings.notify_on_success and where:
        for problem in send_notice(settings.notify_blocks, published_notice(
                result.month, result.run_id, result.accounts_reviewed, where)):
            get_run_logger().warning(problem)
    forget(current_flow_run.id)
    return keys


def _stage_reached(flow_run_id) -> str | None:
    """The stage of the last task the run started, from Prefect's own record."""
    try:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
    except Exception:  # the record is a courtesy; never let it hide the failure
        return None
    started = [r for r in runs if r.start_time is not None]
    if not started:
        return None
    last = max(started, key=lambda r: r.start_time)
    return TASK_STAGES.get(last.name.rsplit("-", 1)[0])


def _where_to_look(flow_run, exc: BaseException) -> str:
    ui = PREFECT_UI_URL.value()
    run = f"{ui}/runs/flow-run/{flow_run.id}" if ui else f"Prefect flow run {flow_run.name}"
    hint = exc.hint if isinstance(exc, KamError) and exc.hint else None
    return f"{hint}; {run}" if hint else run


def _settings_of(flow_run, notes: dict) -> Settings | None:
    if "settings" in notes:
        return notes["settings"]
    given = (flow_run.parameters or {}).get("settings")
    try:
        return given if isinstance(given, Settings) else Settings.load(**(given or {}))
    except Exception:
        return None


def report_failed_run(flow, flow_run, state) -> None:
    """Flow hook: record the failed or rejected run, summarise it, tell the people."""
    notes = recall(flow_run.id)
    forget(flow_run.id)
    exc = state.result(raise_on_failure=False)
    if not isinstance(exc, BaseException):
        exc = RuntimeError(state.message or "the run failed")
    settings = _settings_of(flow_run, notes)
    month = str(notes.get("month") or (settings.month if settings else None) or "unknown month")
    run_id = notes.get("run_id")
    rejected = isinstance(exc, DataQualityError)
    reason = exc.message if isinstance(exc, KamError) else f"{type(exc).__name__}: {exc}"
    stage = "validate" if rejected else _stage_reached(flow_run.id)
    started = notes.get("started_at") or (flow_run.start_time and flow_run.start_time.replace(
        tzinfo=None))
    if settings is not None:
        record_failure(settings.warehouse, RunRecord(
            month=month, run_id=run_id, status="rejected" if rejected else "failed",
            started_at=started, finished_at=datetime.now(), stage=stage, reviews=0,
            message=reason,
        ))
    if rejected:
        notice = rejected_notice(month, run_id, reason, notes.get("evidence") or exc.hint)
    else:
        publish_failure_artifacts(month, run_id, reason, stage)
        notice = failed_notice(month, run_id, reason, _where_to_look(flow_run, exc))
    if settings is not None:
        send_notice(settings.notify_blocks, notice)
