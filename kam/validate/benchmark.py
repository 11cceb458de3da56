"""Time validate_warehouse on a synthetic warehouse: `python -m kam.validate.benchmark`.

Builds raw tables with kam.schema's DDL straight in DuckDB (no CSV parsing), so the figure
is the validate stage alone: every suite, audit rows, JSON evidence and Data Docs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from kam.schema import AUDIT_DDL, TABLES
from kam.validate.validation import validate_warehouse


def build(warehouse: Path, orders: int, accounts: int) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw; create schema audit")
    for table in TABLES.values():
        con.execute(table.ddl())
    for ddl in AUDIT_DDL.values():
        con.execute(ddl)
    con.execute(
        "insert into raw.account_managers select 'M' || i, 'Manager ' || i, "
        "'m' || i || '@example.com', 'Team', 'en', 'account_managers.csv', i + 2 "
        "from range(50) r(i)"
    )
    con.execute(
        "insert into raw.accounts select 'A' || lpad(i::varchar, 6, '0'), 'Account ' || i, "
        "null, null, null, 'M' || (i % 50), date '2020-01-01', 'active', null, "
        "'accounts.csv', i + 2 from range(?) r(i)",
        [accounts],
    )
    con.execute(
        "insert into raw.orders select 'O' || i, 'A' || lpad((i % ?)::varchar, 6, '0'), "
        "date '2024-11-01' + (i % 730)::integer, 'Hardware', 1, (i % 1000)::decimal(18, 4), "
        "null, 'EUR', case when i % 10 = 0 then 'cancelled' else 'completed' end, "
        "'orders.csv', i + 2 from range(?) r(i)",
        [accounts, orders],
    )
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kam-dq-bench-") as scratch:
        warehouse = Path(scratch) / "kam.duckdb"
        build(warehouse, args.orders, args.accounts)
        built = time.perf_counter()
        summary = validate_warehouse(
            warehouse, run_id="benchmark", month="2026-10", evidence_dir=Path(scratch) / "out"
        )
        done = time.perf_counter()
    print(
        f"{args.orders:,} orders, {args.accounts:,} accounts: validate {done - built:.1f} s; "
        f"{summary.expectations_evaluated} expectations, success={summary.success}"
    )


if __name__ == "__main__":
    main()
