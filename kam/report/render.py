"""The report step: key account reviews and the portfolio review for one month.

`render_reports` is what the monthly flow calls; `render_one_account` backs
`kam report --month M --account ID`. Both read the warehouse read-only and close it before
rendering, spread the reviews over worker processes, skip documents whose inputs have not
changed since the last run, and write every PDF atomically under `out_dir`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kam.errors import UsageError
from kam.fileio import confined_file, distinct_file_stems, file_stem, write_atomic
from kam.month import Month
from kam.rendering.engine import Pdf, PdfWriter, render_html
from kam.report.cache import RenderCache, input_key
from kam.report.data import AccountInputs, MonthInputs, load_month
from kam.report.read_only import open_read_only
from kam.report.types import DataQualityStatus, RenderedFile
from kam.report.views import account_context, document_context, portfolio_context
from kam.report.workbook import WORKBOOK_NAME, portfolio_workbook
from kam.settings import CONFIDENTIALITY_LABEL, LOCALES, Settings

CACHE_DIR_NAME = ".kam_render_cache"
# Below this many documents to render, worker start-up costs more than it saves.
MIN_PARALLEL_DOCUMENTS = 4
PORTFOLIO_PDF_NAME = "portfolio.pdf"
DEFAULT_LIST_LIMIT = Settings.model_fields["portfolio_list_limit"].default
DEFAULT_TOP_ACCOUNTS = Settings.model_fields["portfolio_top_accounts"].default


@dataclass(frozen=True)
class RenderSettings:
    month: Month
    run_id: str
    locale: str
    dq_status: DataQualityStatus
    confidentiality_label: str = CONFIDENTIALITY_LABEL
    list_limit: int = DEFAULT_LIST_LIMIT  # rows of each list in the portfolio review
    top_accounts: int = DEFAULT_TOP_ACCOUNTS  # accounts in each of its top and bottom lists

    @property
    def month_start(self) -> dt.date:
        return self.month.first_day

    @property
    def month_end(self) -> dt.date:
        return self.month.last_day


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise UsageError(
            f"unknown report locale {locale!r}", hint=f"use one of {', '.join(LOCALES)}"
        )
    return locale


def account_locale(review: dict, default: str) -> str:
    """The manager's own locale (account_managers.csv `locale`) when it is one we support.

    Spellings such as "zh_CN" or "ZH-cn" count; an empty or unknown value keeps `default`.
    """
    own = (review.get("manager_locale") or "").strip().replace("_", "-").lower()
    return next((known for known in LOCALES if known.lower() == own), default)


def account_pdf_path(account_id: str) -> str:
    return f"accounts/{file_stem(account_id)}.pdf"


@dataclass(frozen=True)
class AccountJob:
    """Everything one worker needs to render one review: plain, picklable data."""

    account: AccountInputs
    provided: dict
    settings: RenderSettings

    @property
    def locale(self) -> str:
        return account_locale(self.account.review, self.settings.locale)

    @property
    def relative_path(self) -> str:
        return account_pdf_path(self.account.account_id)

    @property
    def cache_name(self) -> str:
        return "account-" + file_stem(self.account.account_id)

    def key(self) -> str:
        return input_key("account_review", self.account, self.provided, self.settings,
                         self.locale)


def _month_inputs_for(job: AccountJob) -> MonthInputs:
    return MonthInputs(month=job.settings.month_start, accounts=[job.account],
                       provided=job.provided, marts=set())


def render_account_pdf(writer: PdfWriter, job: AccountJob) -> Pdf:
    settings = job.settings
    base = document_context(
        month=settings.month_start, month_end=settings.month_end, locale=job.locale,
        currency=job.account.review.get("reporting_currency"), run_id=settings.run_id,
        dq_status=settings.dq_status, confidentiality_label=settings.confidentiality_label,
    )
    context, chart_files = account_context(job.account, _month_inputs_for(job), base)
    html = render_html("account_review.html", job.locale, context)
    return writer.render(html, chart_files, document_date=settings.month_end)


def render_portfolio_pdf(
    writer: PdfWriter, month_inputs: MonthInputs, settings: RenderSettings
) -> Pdf:
    currencies = {a.review.get("reporting_currency") for a in month_inputs.accounts}
    base = document_context(
        month=settings.month_start, month_end=settings.month_end, locale=settings.locale,
        currency=currencies.pop() if len(currencies) == 1 else None,
        run_id=settings.run_id, dq_status=settings.dq_status,
        confidentiality_label=settings.confidentiality_label,
    )
    context, chart_files = portfolio_context(month_inputs, base, list_limit=settings.list_limit,
                                             top_accounts=settings.top_accounts)
    html = render_html("portfolio.html", settings.locale, context)
    return writer.render(html, chart_files, document_date=settings.month_end)


# One writer per process: WeasyPrint's advice is to keep one long-lived renderer.
_WRITER: PdfWriter | None = None


def process_writer() -> PdfWriter:
    global _WRITER
    if _WRITER is None:
        _WRITER = PdfWriter()
    return _WRITER


def render_account_job(job: AccountJob, out_dir: Path, cache_dir: Path | None) -> RenderedFile:
    """Render one review, store it in the cache and write it atomically (worker side)."""
    pdf = render_account_pdf(process_writer(), job)
    if cache_dir is not None:
        RenderCache(cache_dir).put(job.cache_name, job.key(), pdf)
    return _publish_account(job, pdf, out_dir)


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


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: workers fork from a clean server that has already imported the renderer,
    # so they start fast and never inherit the flow's threads or open handles.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kam.report.render"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _progress(enabled: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), disable=not enabled, transient=False)


def render_documents(
    month_inputs: MonthInputs, settings: RenderSettings, out_dir: Path, *,
    cache_dir: Path | None, workers: int, progress: bool, with_portfolio: bool = True,
) -> list[RenderedFile]:
    cache = RenderCache(cache_dir) if cache_dir is not None else None
    jobs = [AccountJob(account, month_inputs.provided, settings)
            for account in month_inputs.accounts]
    # two accounts must never share a PDF: a collision stops the run before any is written
    distinct_file_stems((job.account.account_id for job in jobs), "account")
    results: dict[str, RenderedFile] = {}
    pending: list[AccountJob] = []
    for job in jobs:
        cached = cache.get(job.cache_name, job.key()) if cache else None
        if cached is None:
            pending.append(job)
        else:
            results[job.account.account_id] = _publish_account(job, cached, out_dir)

    with _progress(progress) as bar:
        task = bar.add_task(f"reviews {settings.month}", total=len(jobs))
        bar.advance(task, len(results))
        if workers > 1 and len(pending) >= MIN_PARALLEL_DOCUMENTS:
            with _worker_pool(min(workers, len(pending))) as pool:
                futures: list[Future] = [
                    pool.submit(render_account_job, job, out_dir, cache_dir) for job in pending
                ]
                for future in futures:
                    future.add_done_callback(lambda _f: bar.advance(task))
                portfolio = (_portfolio_files(month_inputs, settings, out_dir, cache)
                             if with_portfolio else [])
                for job, future in zip(pending, futures, strict=True):
                    results[job.account.account_id] = future.result()
        else:
            for job in pending:
                results[job.account.account_id] = render_account_job(job, out_dir, cache_dir)
                bar.advance(task)
            portfolio = (_portfolio_files(month_inputs, settings, out_dir, cache)
                         if with_portfolio else [])
    rendered = [results[job.account.account_id] for job in jobs]
    return rendered + portfolio


def default_cache_dir(out_dir: Path) -> Path:
    """Beside the month folders (out_dir is the month's staging folder), never inside."""
    return Path(out_dir).resolve().parent / CACHE_DIR_NAME


def render_reports(
    warehouse: Path, *, month: Month, out_dir: Path, run_id: str, locale: str,
    dq_status: DataQualityStatus, account_ids: list[str] | None = None,
    confidentiality_label: str = CONFIDENTIALITY_LABEL,
    cache_dir: Path | None = None, workers: int | None = None, progress: bool | None = None,
    list_limit: int = DEFAULT_LIST_LIMIT, top_accounts: int = DEFAULT_TOP_ACCOUNTS,
) -> list[RenderedFile]:
    """Write accounts/<id>.pdf for every key account of `month`, portfolio.pdf and the
    portfolio workbook portfolio.xlsx.

    `cache_dir` (default: `.kam_render_cache` beside out_dir) lets a rerun reuse the PDFs
    whose inputs did not change; `workers` defaults to the machine's cores; `progress`
    defaults to showing a bar when stderr is a terminal; `list_limit` and `top_accounts`
    bound the portfolio review's lists (Settings.portfolio_list_limit, _top_accounts).
    """
    settings = RenderSettings(month, run_id, check_locale(locale), dq_status, confidentiality_label,
                              list_limit, top_accounts)
    with open_read_only(Path(warehouse)) as con:
        month_inputs = load_month(con, settings.month_start, run_id, account_ids)
    return render_documents(
        month_inputs, settings, Path(out_dir),
        cache_dir=cache_dir if cache_dir is not None else default_cache_dir(out_dir),
        workers=workers or os.cpu_count() or 1,
        progress=sys.stderr.isatty() if progress is None else progress,
    )


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
    return render_account_job(job, Path(out_dir), cache_dir=None)
