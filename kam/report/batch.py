"""The worker side of rendering: a batch of key account reviews from the Parquet snapshot.

Whatever runs the batch (a process of the local pool, a Dask or a Ray worker) reads the
snapshot's files, never the warehouse, renders with the process's long-lived writer (fonts
and the stylesheet parsed once per worker) and hands the PDFs back as bytes: the parent
writes the files and the manifest, so no worker needs to reach the output location.
"""

from __future__ import annotations

import threading
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from kam.rendering.engine import Pdf
from kam.report.data import load_month
from kam.report.documents import AccountJob, RenderSettings, process_writer, render_account_pdf
from kam.report.snapshot import open_snapshot

# A worker started with several threads would otherwise draw two reviews at once: pyplot
# and the SOURCE_DATE_EPOCH that pins the fonts' dates are process-wide.
_ONE_AT_A_TIME = threading.Lock()


def render_accounts(snapshot: Path, account_ids: list[str],
                    settings: RenderSettings) -> list[tuple[str, Pdf]]:
    """(account id, PDF) for each key account of `account_ids`, in the snapshot's order."""
    with _ONE_AT_A_TIME:
        con = open_snapshot(Path(snapshot))
        try:
            inputs = load_month(con, settings.month_start, settings.run_id, account_ids,
                                with_portfolio=False)
        finally:
            con.close()
        writer = process_writer()
        return [
            (account.account_id,
             render_account_pdf(writer, AccountJob(account, inputs.provided, settings)))
            for account in inputs.accounts
        ]


@task(name="render-review-batch", cache_policy=NO_CACHE, persist_result=False)
def render_batch(snapshot: str, account_ids: list[str],
                 settings: RenderSettings) -> list[tuple[str, Pdf]]:
    """Render a batch of key account reviews from the snapshot; the PDFs come back as bytes."""
    return render_accounts(Path(snapshot), account_ids, settings)
