"""Rendering speed: kam's reviews beside WeasyPrint alone, and how rendering scales.

A fixture warehouse with `--accounts` key accounts (copies of the test fixture's two key
accounts, every mart row cloned) is rendered, each figure beside its reference measured in
the same run, repetitions interleaved and medians printed:

    reviews/s   kam 4.1   WeasyPrint alone 6.0   ratio 0.68 (target >= 0.5)
    reviews/s   Dask LocalCluster 4 workers 5.2   1 worker 2.9   ratio 1.79
    reviews/s   process pool 2 workers 5.0   1 worker 3.0   ratio 1.67

- kam: `render_reports` with one worker and no render cache, from the warehouse to the PDFs
  written (snapshot, data, charts, templates, portfolio included);
- WeasyPrint alone: the same reviews' final HTML and chart SVGs, made beforehand, handed
  straight to `weasyprint.HTML(...).write_pdf()` with the report's stylesheet;
- the Dask and process-pool figures include starting the workers (and, for Dask, the
  cluster), as a run pays them.

    python -m benchmarks render
    python -m benchmarks.bench_render --accounts 300 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def weasyprint_alone(pages) -> float:
    """Seconds for WeasyPrint to turn the final pages into PDFs, nothing else."""
    stylesheet = CSS(url="kam:asset/report.css", url_fetcher=ProjectAssetFetcher(STATIC_DIR))
    start = time.perf_counter()
    with source_date_epoch(MONTH.last_day):
        for html, charts in pages:
            HTML(string=html, base_url="kam:asset/",
                 url_fetcher=ProjectAssetFetcher(STATIC_DIR, charts)).write_pdf(
                     stylesheets=[stylesheet])
    return time.perf_counter() - start


def kam_render(warehouse: Path, out_dir: Path, runner: RenderRunner) -> float:
    start = time.perf_counter()
    # an empty render cache of its own: every review is drawn
    render_reports(warehouse, month=MONTH, out_dir=out_dir / "month", run_id=RUN_ID,
                   locale="en", dq_status=DQ, progress=False, cache_dir=out_dir / "cache",
                   runner=runner, workers=runner.workers)
    return time.perf_counter() - start


def _line(label: str, first: tuple[str, list[float]], second: tuple[str, list[float]],
          reviews: int, target: str = "") -> str:
    (name_a, times_a), (name_b, times_b) = first, second
    rate_a = reviews / statistics.median(times_a)
    rate_b = reviews / statistics.median(times_b)
    return (f"{label}   {name_a} {rate_a:.1f}   {name_b} {rate_b:.1f}   "
            f"ratio {rate_a / rate_b:.2f}{target}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_render")
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["weasyprint", "dask", "process"], action="append",
                        help="run only these comparisons (default: all three)")
    args = parser.parse_args(argv)
    wanted = set(args.only or ["weasyprint", "dask", "process"])
    # One Prefect API for every fan-out of the run, as a flow run gives them, instead of a
    # temporary server per render (and per worker that finds none).
    with (prefect_test_harness(server_startup_timeout=600),
          tempfile.TemporaryDirectory(prefix="kam-bench-render-") as tmp):
        root = Path(tmp)
        warehouse = clone_key_accounts(root / "kam.duckdb", args.accounts)
        pages = final_pages(warehouse)
        reviews = len(pages)
        print(f"{reviews} key account reviews, {args.repeat} interleaved repetitions, medians",
              flush=True)
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
                  + "  ".join(f"{k} {v[-1]:.1f} s" for k, v in runs.items() if v), flush=True)
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
