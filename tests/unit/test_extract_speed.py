"""Landing speed on large exports; run with KAM_BENCH=1 (minutes of CPU, not in CI).

    KAM_BENCH=1 .venv/bin/pytest -q -s tests/unit/test_extract_speed.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from kam.extract.landing import extract_export

pytestmark = pytest.mark.skipif(os.environ.get("KAM_BENCH") != "1",
                                reason="benchmark: set KAM_BENCH=1")

ACCOUNTS = 5_000


def _write_small_tables(folder: Path, con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""copy (select 'A' || i as account_id, 'Account ' || i as account_name,
        'M' || (i % 50) as account_manager_id, DATE '2020-01-01' + (i % 1000)::INTEGER as created_at
        from range({ACCOUNTS}) t(i)) to '{folder}/accounts.csv' (header)""")
    con.execute(f"""copy (select 'M' || i as manager_id, 'Manager ' || i as name,
        'm' || i || '@example.com' as email from range(50) t(i))
        to '{folder}/account_managers.csv' (header)""")


def _orders(count: int) -> str:
    return f"""select 'O' || i as order_id, 'A' || (i % {ACCOUNTS}) as account_id,
        DATE '2024-01-01' + (i % 1000)::INTEGER as order_date, 'Line ' || (i % 7) as product_line,
        (i % 5 + 1) as quantity, round((i % 100000) / 7.0, 2) as amount,
        case when i % 3 = 0 then NULL else round((i % 100000) / 11.0, 2) end as cost,
        case when i % 2 = 0 then 'USD' else 'CNY' end as currency,
        case when i % 50 = 0 then 'cancelled' else 'completed' end as status
        from range({count}) t(i)"""


def test_two_million_csv_order_rows_land_in_under_15_seconds(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    with duckdb.connect() as con:
        _write_small_tables(folder, con)
        con.execute(f"copy ({_orders(2_000_000)}) to '{folder}/orders.csv' (header)")
    started = time.perf_counter()
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="bench")
    elapsed = time.perf_counter() - started
    print(f"\n2M CSV order rows: {elapsed:.1f} s")
    assert summary.table("orders").rows == 2_000_000 and summary.quarantined == 0
    assert elapsed < 15


def test_two_hundred_thousand_xlsx_order_rows_land_in_under_30_seconds(tmp_path: Path) -> None:
    import openpyxl

    folder = tmp_path / "big"
    folder.mkdir()
    with duckdb.connect() as con:
        _write_small_tables(folder, con)
        rows = con.execute(_orders(200_000)).fetchall()
        header = [d[0] for d in con.description]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("orders")
    sheet.append(header)
    for row in rows:
        sheet.append([float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int)
                      else v for v in row])
    workbook.save(folder / "orders.xlsx")
    started = time.perf_counter()
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="bench")
    elapsed = time.perf_counter() - started
    print(f"\n200k XLSX order rows: {elapsed:.1f} s")
    assert summary.table("orders").rows == 200_000 and summary.quarantined == 0
    assert elapsed < 30


def _orders_with_malformed(folder: Path, good: int, malformed: int) -> None:
    """`good` order rows with `malformed` rows of the wrong field count spread among them."""
    with duckdb.connect() as con:
        _write_small_tables(folder, con)
        con.execute(f"copy ({_orders(good)}) to '{folder}/orders.csv' (header)")
    lines = (folder / "orders.csv").read_text().splitlines()
    step = max(1, good // malformed)
    out = [lines[0]]
    for index, line in enumerate(lines[1:]):
        out.append(line)
        if index % step == 0 and len(out) - index - 1 <= malformed:
            out.append(f"BAD{index},only,three")
    (folder / "orders.csv").write_text("\n".join(out) + "\n")


def test_malformed_rows_cost_linear_time(tmp_path: Path) -> None:
    """20,000 malformed rows among 200,000 good ones, then twice as many of each: the time
    roughly doubles (it grew with the square before the skipped lines were binary-searched)."""
    timings = []
    for scale in (1, 2):
        folder = tmp_path / f"x{scale}"
        folder.mkdir()
        _orders_with_malformed(folder, 200_000 * scale, 20_000 * scale)
        started = time.perf_counter()
        summary = extract_export(folder, tmp_path / f"w{scale}.duckdb", run_id="bench")
        timings.append(time.perf_counter() - started)
        assert summary.table("orders").rows == 200_000 * scale
        assert summary.table("orders").quarantined_rows == 20_000 * scale
        print(f"\n{200_000 * scale} good + {20_000 * scale} malformed rows: {timings[-1]:.1f} s")
    assert timings[1] < 3 * timings[0]
