"""The report step: key account reviews and the portfolio review for one month.

`render_reports` is what the monthly flow calls; `render_one_account` backs
`kam report --month M --account ID`. The warehouse is opened read-only and closed before
rendering: `render_reports` copies the marts once into a Parquet snapshot, reads the month
from it, skips documents whose inputs have not changed since the last run, and hands the
rest in batches to a Prefect task runner (kam.report.runners: the local process pool, a
Dask or a Ray cluster) whose workers render from the same snapshot. The PDFs come back as
bytes and the parent writes each one atomically under `out_dir`.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kam.errors import PipelineError, UsageError
from kam.fileio import confined_file, distinct_file_stems, write_atomic
from kam.month import Month
from kam.rendering.engine import Pdf
from kam.report.cache import RenderCache, input_key
from kam.report.data import MonthInputs, load_month
from kam.report.documents import (
    DEFAULT_LIST_LIMIT,
    DEFAULT_TOP_ACCOUNTS,
    AccountJob,
    RenderSettings,
    account_locale,
    account_pdf_path,
    check_locale,
    process_writer,
    render_account_pdf,
    render_portfolio_pdf,
)
from kam.report.read_only import open_read_only
from kam.report.runners import RenderRunner, render_with
from kam.report.snapshot import open_snapshot, write_snapshot
from kam.report.types import DataQualityStatus, RenderedFile
from kam.report.workbook import WORKBOOK_NAME, portfolio_workbook
from kam.settings import CONFIDENTIALITY_LABEL

__all__ = [
    "AccountJob", "RenderRunner", "RenderSettings", "account_locale", "account_pdf_path",
    "process_writer", "render_account_pdf", "render_documents", "render_one_account",
    "render_portfolio", "render_portfolio_pdf", "render_reports",
]  # fmt: skip

CACHE_DIR_NAME = ".kam_render_cache"
PORTFOLIO_PDF_NAME = "portfolio.pdf"
# Below this many documents to render, worker start-up costs more than it saves (on the
# local pool; a cluster runner is used whatever the count, since it was asked for). A worker
# spends about 3 CPU s importing the renderer before its first review, against about 0.5 s a
# review: with the worker count left to the machine, a pool pays from a few dozen reviews;
# a worker count that was set explicitly is taken at its word from a handful.
MIN_PARALLEL_DOCUMENTS = 4
MIN_PARALLEL_DOCUMENTS_BY_DEFAULT = 40
# Batches per worker: enough to keep every worker busy to the end, few enough that the
# per-task cost (a Prefect task run, one snapshot scan) stays small against rendering.
BATCHES_PER_WORKER = 4
MAX_BATCH = 50


def _publish_account(job: AccountJob, pdf: Pdf, out_dir: Path) -> RenderedFile:
    write_atomic(confined_file(out_dir / "accounts", job.account.account_id, ".pdf"),
                 pdf.content)
    review = job.account.review
    return RenderedFile(
        path=job.relative_path, kind="account_review", sha256=pdf.sha256,
        account_id=job.account.account_id, manager_id=review.get("manager_id"),
        tier=review.get("tier"), pages=pdf.pages,
    )


def _portfolio_files(month_inputs: MonthInputs, settings: RenderSettings, out_dir: Path,
                     cache: RenderCache | None) -> list[RenderedFile]:
    """portfolio.pdf and, beside it, the workbook with every row its lists leave out."""
    key = input_key("portfolio", month_inputs, settings)
    pdf = cache.get("portfolio", key) if cache else None
    if pdf is None:
        pdf = render_portfolio_pdf(process_writer(), month_inputs, settings)
        if cache:
            cache.put("portfolio", key, pdf)
    write_atomic(out_dir / PORTFOLIO_PDF_NAME, pdf.content)
    workbook = portfolio_workbook(month_inputs, settings.month_end)
    write_atomic(out_dir / WORKBOOK_NAME, workbook)
    return [
        RenderedFile(path=PORTFOLIO_PDF_NAME, kind="portfolio", sha256=pdf.sha256,
                     account_id=None, manager_id=None, tier=None, pages=pdf.pages),
        RenderedFile(path=WORKBOOK_NAME, kind="portfolio_workbook",
                     sha256=hashlib.sha256(workbook).hexdigest(),
                     account_id=None, manager_id=None, tier=None, pages=None),
    ]


def _progress(enabled: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), disable=not enabled, transient=False)


def batches_of(account_ids: list[str], workers: int) -> list[list[str]]:
    """Consecutive batches, about BATCHES_PER_WORKER per worker, at most MAX_BATCH each."""
    size = min(MAX_BATCH, max(1, math.ceil(len(account_ids) / (workers * BATCHES_PER_WORKER))))
    return [account_ids[i:i + size] for i in range(0, len(account_ids), size)]


def _fans_out(runner: RenderRunner, workers: int, pending: int, min_parallel: int) -> bool:
    if runner.kind != "process":
        return pending > 0
    return workers > 1 and pending >= min_parallel


def render_documents(
    month_inputs: MonthInputs, settings: RenderSettings, out_dir: Path, *,
    snapshot: Path, cache_dir: Path | None, workers: int, progress: bool,
    runner: RenderRunner | None = None, with_portfolio: bool = True,
    min_parallel: int = MIN_PARALLEL_DOCUMENTS,
) -> list[RenderedFile]:
    """Every review of `month_inputs` (read from `snapshot`) and the portfolio, written
    under `out_dir`, in the order of the accounts, the portfolio last."""
    runner = runner or RenderRunner()
    cache = RenderCache(cache_dir) if cache_dir is not None else None
    jobs = {account.account_id: AccountJob(account, month_inputs.provided, settings)
            for account in month_inputs.accounts}
    # two accounts must never share a PDF: a collision stops the run before any is written
    distinct_file_stems(jobs, "account")
    pdfs: dict[str, Pdf] = {}
    for account_id, job in jobs.items():
        cached = cache.get(job.cache_name, job.key()) if cache else None
        if cached is not None:
            pdfs[account_id] = cached
    pending = [account_id for account_id in jobs if account_id not in pdfs]

    with _progress(progress) as bar:
        task = bar.add_task(f"reviews {settings.month}", total=len(jobs))
        bar.advance(task, len(pdfs))
        if _fans_out(runner, workers, len(pending), min_parallel):
            rendered = render_with(runner, workers, str(snapshot),
                                   batches_of(pending, workers), settings,
                                   on_batch=lambda done: bar.advance(task, done))
        else:
            rendered = {}
            for account_id in pending:
                rendered[account_id] = render_account_pdf(process_writer(), jobs[account_id])
                bar.advance(task)
        for account_id in pending:
            if cache is not None:
                cache.put(jobs[account_id].cache_name, jobs[account_id].key(),
                          rendered[account_id])
            pdfs[account_id] = rendered[account_id]
        results = [_publish_account(job, pdfs[account_id], out_dir)
                   for account_id, job in jobs.items()]
        if with_portfolio:
            results.extend(_portfolio_files(month_inputs, settings, out_dir, cache))
    return results


def default_cache_dir(out_dir: Path) -> Path:
    """Beside the month folders (out_dir is the month's staging folder), never inside."""
    return Path(out_dir).resolve().parent / CACHE_DIR_NAME


def render_reports(
    warehouse: Path, *, month: Month, out_dir: Path, run_id: str, locale: str,
    dq_status: DataQualityStatus, account_ids: list[str] | None = None,
    confidentiality_label: str = CONFIDENTIALITY_LABEL,
    cache_dir: Path | None = None, workers: int | None = None, progress: bool | None = None,
    runner: RenderRunner | None = None,
    list_limit: int = DEFAULT_LIST_LIMIT, top_accounts: int = DEFAULT_TOP_ACCOUNTS,
) -> list[RenderedFile]:
    """Write accounts/<id>.pdf for every key account of `month`, portfolio.pdf and the
    portfolio workbook portfolio.xlsx.

    `cache_dir` (default: `.kam_render_cache` beside out_dir) lets a rerun reuse the PDFs
    whose inputs did not change; `workers` defaults to the machine's cores; `runner`
    (default: the local process pool) says where the reviews render, on worker processes
    once a month has enough reviews to pay for their start-up; `progress` defaults to
    showing a bar when stderr is a terminal. The Parquet snapshot the workers read lives
    beside the warehouse (a run's working copy sits in its own working folder) and is
    removed when rendering ends. `list_limit` and `top_accounts` bound the portfolio review's
    lists (Settings.portfolio_list_limit, .portfolio_top_accounts).
    """
    settings = RenderSettings(month, run_id, check_locale(locale), dq_status, confidentiality_label,
                              list_limit, top_accounts)
    chosen_workers = workers or (runner.workers if runner else None)
    warehouse = Path(warehouse)
    if not warehouse.exists():  # before the snapshot's folder is made beside it
        raise PipelineError(f"warehouse {warehouse} does not exist", hint="run `kam run` first")
    snapshot = Path(tempfile.mkdtemp(prefix=f".{warehouse.name}.snapshot-",
                                     dir=warehouse.parent))
    try:
        with open_read_only(warehouse) as con:
            write_snapshot(con, snapshot, run_id)
        con = open_snapshot(snapshot)
        try:
            month_inputs = load_month(con, settings.month_start, run_id, account_ids)
        finally:
            con.close()
        return render_documents(
            month_inputs, settings, Path(out_dir), snapshot=snapshot,
            cache_dir=cache_dir if cache_dir is not None else default_cache_dir(out_dir),
            workers=chosen_workers or os.cpu_count() or 1,
            progress=sys.stderr.isatty() if progress is None else progress,
            runner=runner,
            min_parallel=(MIN_PARALLEL_DOCUMENTS if chosen_workers
                          else MIN_PARALLEL_DOCUMENTS_BY_DEFAULT),
        )
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)


def render_portfolio(
    warehouse: Path, *, month: Month, out_dir: Path, run_id: str, locale: str,
    dq_status: DataQualityStatus, confidentiality_label: str = CONFIDENTIALITY_LABEL,
    list_limit: int = DEFAULT_LIST_LIMIT, top_accounts: int = DEFAULT_TOP_ACCOUNTS,
) -> list[RenderedFile]:
    """Write portfolio.pdf and portfolio.xlsx alone, from a built warehouse (no review)."""
    settings = RenderSettings(month, run_id, check_locale(locale), dq_status, confidentiality_label,
                              list_limit, top_accounts)
    with open_read_only(Path(warehouse)) as con:
        month_inputs = load_month(con, settings.month_start, run_id)
    return _portfolio_files(month_inputs, settings, Path(out_dir), cache=None)


def render_one_account(
    warehouse: Path, *, month: Month, account_id: str, out_dir: Path, run_id: str, locale: str,
    dq_status: DataQualityStatus, confidentiality_label: str = CONFIDENTIALITY_LABEL,
) -> RenderedFile:
    """Re-render one key account's review (`kam report --month M --account ID`)."""
    settings = RenderSettings(month, run_id, check_locale(locale), dq_status, confidentiality_label)
    with open_read_only(Path(warehouse)) as con:
        month_inputs = load_month(con, settings.month_start, run_id, [account_id],
                                  with_portfolio=False)
    if not month_inputs.accounts:
        raise UsageError(
            f"account {account_id!r} is not a key account in {month}",
            hint="check the id, or the tier in marts.account_review",
        )
    job = AccountJob(month_inputs.accounts[0], month_inputs.provided, settings)
    return _publish_account(job, render_account_pdf(process_writer(), job), Path(out_dir))
