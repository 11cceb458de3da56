"""Rendering speed: kam's reviews beside WeasyPrint alone, and how rendering scales.

A fixture warehouse with `--accounts` key accounts (copies of the test fixture's two key
accounts, every mart row cloned) is rendered, each figure beside its reference measured in
the same run, repetitions interleaved and medians printed:

    reviews/s   kam 2.5   WeasyPrint alone 2.8   ratio 0.91 (target >= 0.5)
    CPU s/review   kam 0.40   WeasyPrint alone 0.37
    reviews/s   Dask LocalCluster 4 workers 3.5   1 worker 2.2   ratio 1.60
    CPU s/review   Dask LocalCluster 4 workers 0.52   1 worker 0.46
    reviews/s   process pool 2 workers 1.7   1 worker 1.4   ratio 1.18
    CPU s/review   process pool 2 workers 0.50   1 worker 0.46

- kam: `render_reports` with one worker and no render cache, from the warehouse to the PDFs
  written (snapshot, data, charts, templates, portfolio included);
- WeasyPrint alone: the same reviews' final HTML and chart SVGs, made beforehand, handed
  straight to `weasyprint.HTML(...).write_pdf()` with the report's stylesheet;
- the Dask and process-pool figures include starting the workers (and, for Dask, the
  cluster), as a run pays them.

Each line also gives the CPU seconds per review (this process and the worker processes it
waited for; not the Prefect API server): on a shared machine wall time says how many cores
the neighbours left, CPU time what the workers cost.

    python -m benchmarks render
    python -m benchmarks.bench_render --accounts 300 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
from prefect.testing.utilities import prefect_test_harness
from weasyprint import CSS, HTML

from kam.rendering.engine import STATIC_DIR, render_html, source_date_epoch
from kam.rendering.fetcher import ProjectAssetFetcher
from kam.report import DataQualityStatus, render_reports
from kam.report.data import load_month
from kam.report.documents import AccountJob, RenderSettings
from kam.report.read_only import open_read_only
from kam.report.render import RenderRunner
from kam.report.views import account_context, document_context

# The fixture warehouse is the tests' own; reused, not copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "report"))
from fixture_warehouse import MONTH, RUN_ID, clone_key_accounts  # noqa: E402

DQ = DataQualityStatus(True, RUN_ID, warnings=0, quarantined_rows=0)


def final_pages(warehouse: Path) -> list[tuple[str, dict[str, tuple[bytes, str]]]]:
    """Each review's final HTML and its charts, as kam hands them to WeasyPrint."""
    settings = RenderSettings(MONTH, RUN_ID, "en", DQ)
    with open_read_only(warehouse) as con:
        inputs = load_month(con, MONTH.first_day, RUN_ID, with_portfolio=False)
    pages = []
    for account in inputs.accounts:
        job = AccountJob(account, inputs.provided, settings)
        base = document_context(
            month=settings.month_start, month_end=settings.month_end, locale=job.locale,
            currency=account.review.get("reporting_currency"), run_id=RUN_ID, dq_status=DQ,
            confidentiality_label=settings.confidentiality_label)
        single = type(inputs)(month=inputs.month, accounts=[account], provided=inputs.provided,
                              marts=set())
        context, charts = account_context(account, single, base)
        pages.append((render_html("account_review.html", job.locale, context), charts))
    return pages


def weasyprint_alone(pages) -> tuple[float, float]:
    """(wall, CPU) seconds for WeasyPrint to turn the final pages into PDFs, nothing else."""
    stylesheet = CSS(url="kam:asset/report.css", url_fetcher=ProjectAssetFetcher(STATIC_DIR))

    def write_all() -> None:
        with source_date_epoch(MONTH.last_day):
            for html, charts in pages:
                HTML(string=html, base_url="kam:asset/",
                     url_fetcher=ProjectAssetFetcher(STATIC_DIR, charts)).write_pdf(
                         stylesheets=[stylesheet])

    return measured(write_all)


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _cpu_seconds() -> float:
    """User + system seconds of this process and of the children it has waited for (the
    pool's and the local cluster's workers, joined when they shut down)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `work()`."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    work()
    return time.perf_counter() - wall, _cpu_seconds() - cpu


def kam_render(warehouse: Path, out_dir: Path, runner: RenderRunner) -> tuple[float, float]:
    # an empty render cache of its own: every review is drawn
    return measured(lambda: render_reports(
        warehouse, month=MONTH, out_dir=out_dir / "month", run_id=RUN_ID, locale="en",
        dq_status=DQ, progress=False, cache_dir=out_dir / "cache", runner=runner,
        workers=runner.workers))


def _line(label: str, first: tuple[str, list[tuple[float, float]]],
          second: tuple[str, list[tuple[float, float]]], reviews: int, target: str = "") -> str:
    (name_a, runs_a), (name_b, runs_b) = first, second
    rate_a = reviews / statistics.median(wall for wall, _ in runs_a)
    rate_b = reviews / statistics.median(wall for wall, _ in runs_b)
    cpu_a = statistics.median(cpu for _, cpu in runs_a) / reviews
    cpu_b = statistics.median(cpu for _, cpu in runs_b) / reviews
    return (f"{label}   {name_a} {rate_a:.1f}   {name_b} {rate_b:.1f}   "
            f"ratio {rate_a / rate_b:.2f}{target}\n"
            f"CPU s/review   {name_a} {cpu_a:.2f}   {name_b} {cpu_b:.2f}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_render")
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["weasyprint", "dask", "process"], action="append",
                        help="run only these comparisons (default: all three)")
    args = parser.parse_args(argv)
    wanted = set(args.only or ["weasyprint", "dask", "process"])
    # One Prefect API for every fan-out of the run, as a flow run gives them, instead of a
    # temporary server per render (and per worker that finds none); without analytics, as
    # `kam` runs its own, whose heartbeat only adds a "database is locked" traceback.
    with (temporary_settings(updates={PREFECT_SERVER_ANALYTICS_ENABLED: False}),
          prefect_test_harness(server_startup_timeout=600),
          tempfile.TemporaryDirectory(prefix="kam-bench-render-") as tmp):
        root = Path(tmp)
        warehouse = clone_key_accounts(root / "kam.duckdb", args.accounts)
        pages = final_pages(warehouse)
        reviews = len(pages)
        print(f"{reviews} key account reviews, {args.repeat} interleaved repetitions, medians; "
              f"load average {_load()} on {os.cpu_count()} cores", flush=True)
        runs = {"kam": [], "alone": [], "dask4": [], "dask1": [], "pool2": [], "pool1": []}
        for repetition in range(args.repeat):
            out = root / f"out{repetition}"
            if "weasyprint" in wanted:
                runs["kam"].append(kam_render(warehouse, out / "kam", RenderRunner(workers=1)))
                runs["alone"].append(weasyprint_alone(pages))
            if "dask" in wanted:
                runs["dask4"].append(kam_render(warehouse, out / "d4", RenderRunner("dask",
                                                                                   workers=4)))
                runs["dask1"].append(kam_render(warehouse, out / "d1", RenderRunner("dask",
                                                                                   workers=1)))
            if "process" in wanted:
                runs["pool2"].append(kam_render(warehouse, out / "p2", RenderRunner(workers=2)))
                runs["pool1"].append(kam_render(warehouse, out / "p1", RenderRunner(workers=1)))
            print(f"  repetition {repetition + 1}: "
                  + "  ".join(f"{k} {v[-1][0]:.1f} s ({v[-1][1]:.1f} CPU s)"
                              for k, v in runs.items() if v), flush=True)
        print(f"load average at the end {_load()}")
        if "weasyprint" in wanted:
            print(_line("reviews/s", ("kam", runs["kam"]), ("WeasyPrint alone", runs["alone"]),
                        reviews, " (target >= 0.5)"))
        if "dask" in wanted:
            print(_line("reviews/s", ("Dask LocalCluster 4 workers", runs["dask4"]),
                        ("1 worker", runs["dask1"]), reviews))
        if "process" in wanted:
            print(_line("reviews/s", ("process pool 2 workers", runs["pool2"]),
                        ("1 worker", runs["pool1"]), reviews))


if __name__ == "__main__":
    main(sys.argv[1:])
