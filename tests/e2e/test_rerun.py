"""Reruns do only the work that is left: the same run id finds its month intact and stops;
a run for the next month on a warehouse holding the month before adds that month only."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from flows.monthly_review import monthly_account_review
from kam.settings import Settings, Stage

MONTH = "2026-10"
WORK_STAGES = {"extract", "validate", "dbt build", "dbt docs", "render", "publish"}


def _settings(export: Path, root: Path, **overrides) -> Settings:
    values = {"input_dir": export, "month": MONTH, "out_dir": root / "output",
              "warehouse": root / "warehouse" / "kam.duckdb", **overrides}
    return Settings.load(**values)


def test_a_rerun_with_the_same_inputs_does_no_work_and_leaves_the_month_as_it_was(
    sample_export, tmp_path
):
    settings = _settings(sample_export, tmp_path)
    first = monthly_account_review(settings)
    assert first.up_to_date is None
    assert set(first.times.seconds) >= WORK_STAGES
    month_link = settings.out_dir / MONTH
    version = os.readlink(month_link)
    warehouse_stat = settings.warehouse.stat()

    again = monthly_account_review(settings)

    assert again.run_id == first.run_id
    assert again.up_to_date is not None and "already published" in again.up_to_date
    # nothing landed, validated, built, rendered or published again
    assert not WORK_STAGES & set(again.times.seconds)
    assert {"fingerprint", "up-to-date check"} <= set(again.times.seconds)
    assert os.readlink(month_link) == version
    assert settings.warehouse.stat().st_mtime_ns == warehouse_stat.st_mtime_ns
    assert again.files == first.files
    assert again.accounts_reviewed == first.accounts_reviewed > 0


def test_a_rerun_redoes_the_month_when_a_published_file_was_changed(sample_export, tmp_path):
    settings = _settings(sample_export, tmp_path)
    first = monthly_account_review(settings)
    month_dir = settings.out_dir / MONTH
    portfolio = month_dir / "portfolio.pdf"
    original = portfolio.read_bytes()
    portfolio.write_bytes(original + b"%tampered")

    again = monthly_account_review(settings)

    assert again.up_to_date is None
    assert {"extract", "render", "publish"} <= set(again.times.seconds)
    assert (month_dir / "portfolio.pdf").read_bytes() == original
    assert again.run_id == first.run_id


def test_a_rerun_until_transform_stops_when_the_warehouse_holds_the_run(sample_export, tmp_path):
    settings = _settings(sample_export, tmp_path, until=Stage.transform)
    first = monthly_account_review(settings)
    assert first.up_to_date is None and "dbt build" in first.times.seconds

    again = monthly_account_review(settings)
    assert again.up_to_date is not None and "through transform" in again.up_to_date
    assert not WORK_STAGES & set(again.times.seconds)

    # another export landed since: the raw tables no longer hold this run's load
    other = _settings(sample_export, tmp_path, until=Stage.transform, month="2026-09")
    assert monthly_account_review(other).up_to_date is None
    third = monthly_account_review(settings)
    assert third.up_to_date is None and "dbt build" in third.times.seconds


def test_the_next_month_adds_its_rows_and_leaves_the_earlier_months_rows(sample_export, tmp_path):
    """Month-grain marts are incremental: once a warehouse holds them, a run writes its own
    month only. A marker put into an earlier month's row survives the next month's run."""
    september = _settings(sample_export, tmp_path, until=Stage.transform, month="2026-09")
    monthly_account_review(september)
    with duckdb.connect(str(september.warehouse)) as con:
        marked = con.execute(
            "select account_id from marts.account_monthly where month = date '2026-08-01' "
            "order by account_id limit 1").fetchone()[0]
        con.execute("update marts.account_monthly set orders = orders + 1000 "
                    "where month = date '2026-08-01' and account_id = ?", [marked])
        before = con.execute("select month, count(*) from marts.account_monthly "
                             "group by 1 order by 1").fetchall()
    assert before[-1][0].isoformat() == "2026-09-01"

    october = monthly_account_review(
        _settings(sample_export, tmp_path, until=Stage.transform))
    assert october.up_to_date is None

    with duckdb.connect(str(september.warehouse), read_only=True) as con:
        after = con.execute("select month, count(*) from marts.account_monthly "
                            "group by 1 order by 1").fetchall()
        orders_marked, orders_next = con.execute(
            "select sum(orders) filter (where month = date '2026-08-01'), "
            "count(*) filter (where month = date '2026-10-01') from marts.account_monthly "
            "where account_id = ?", [marked]).fetchone()
    assert after[:-1] == before  # every earlier month kept, row for row
    assert after[-1][0].isoformat() == "2026-10-01" and after[-1][1] > 0
    assert orders_marked >= 1000  # the marked row was not recomputed
    assert orders_next == 1
