"""Rendering speed: 200 key account reviews against a one-page WeasyPrint baseline.

    .venv/bin/python tests/report/benchmark_reports.py [--accounts 200] [--workers 2]

Builds a fixture warehouse with N copies of the fixture's key accounts, renders the month
with a cold cache, renders it again (every input unchanged: all cache hits), and times a
one-page WeasyPrint document without charts in the same run. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
from fixture_warehouse import MONTH, RUN_ID, build_warehouse
from weasyprint import HTML

from kam.report import DataQualityStatus, render_reports

DQ = DataQualityStatus(True, RUN_ID, warnings=0, quarantined_rows=0)
# Every account mart keyed by account_id; their fixture rows are cloned per new account.
ACCOUNT_MARTS = ("account_review", "account_monthly", "account_satisfaction",
                 "account_satisfaction_monthly", "account_service", "account_engagement",
                 "account_clv", "account_health", "account_retention", "account_tier",
                 "contract_fulfillment", "contract_renewals", "account_lifecycle",
                 "account_whitespace", "account_themes", "account_risks")


def build_many(path: Path, accounts: int) -> Path:
    build_warehouse(path)
    con = duckdb.connect(str(path))
    try:
        for mart in ACCOUNT_MARTS:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                "'marts' and table_name = ? order by ordinal_position", [mart]).fetchall()]
            select = ", ".join(
                "template.account_id || '-' || lpad(n::varchar, 4, '0')" if c == "account_id"
                else ("template.account_name || ' ' || n::varchar" if c == "account_name"
                      else f"template.{c}")
                for c in columns)
            con.execute(
                f"insert into marts.{mart} select {select} from marts.{mart} as template, "
                f"range(1, ?) as copies(n) where template.account_id in ('ACC-1', 'ACC-2')",
                [accounts // 2])
        con.execute("update marts.account_review set manager_locale = null")  # all English
    finally:
        con.close()
    return path


def baseline_per_second(documents: int) -> float:
    html = ("<html><head><meta name=dcterms.created content=2026-10-31></head><body>"
            "<h1>One page</h1>" + "<p>Plain paragraph of text, no chart.</p>" * 20
            + "</body></html>")
    HTML(string=html).write_pdf()  # warm up fonts
    start = time.perf_counter()
    for _ in range(documents):
        HTML(string=html).write_pdf()
    return documents / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        warehouse = build_many(root / "kam.duckdb", args.accounts)
        baseline = baseline_per_second(40)
        timings = []
        for run in ("cold", "unchanged"):
            start = time.perf_counter()
            files = render_reports(warehouse, month=MONTH, out_dir=root / f"out/{run}",
                                   run_id=RUN_ID, locale="en", dq_status=DQ,
                                   workers=args.workers, progress=True,
                                   cache_dir=root / "out/.cache")
            timings.append((run, len(files) - 1, time.perf_counter() - start))
    print(f"baseline one-page WeasyPrint document, 1 process: {baseline:.1f} documents/s")
    for run, reviews, seconds in timings:
        print(f"{run} run: {reviews} account reviews + portfolio in {seconds:.1f} s = "
              f"{reviews / seconds:.1f} reviews/s ({args.workers} workers)")


if __name__ == "__main__":
    main()
