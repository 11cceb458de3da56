"""Landing amounts as CRM reports write them (`$4,880.70`) against plain numbers (`4880.70`).

Vendor exports dress money with currency symbols, codes, thousands separators and
parentheses; the landing reads those through regular expressions, plain numbers through one
cast. This benchmark lands the same export twice, once as generated and once with every
amount and cost of orders.csv dressed, each in its own process (`extract_export` alone,
repetitions interleaved, medians), and checks that both land the same values.

    python -m benchmarks landing                   # make bench BENCH=landing
    KAM_BENCH_EXPORT=/data/big10k KAM_BENCH_REPEAT=3 python -m benchmarks landing
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

from benchmarks.bench_data import export_folder
from benchmarks.measure import Measured, run_measured

ROOT = Path(__file__).resolve().parent.parent
DRESSED = "'$' || format('{{:,.2f}}', {column})"  # $4,880.70; negative: $-12.00


def dress_export(plain: Path, dressed: Path) -> None:
    """A copy of `plain` whose orders.csv writes amount and cost the way reports do."""
    dressed.mkdir(parents=True, exist_ok=True)
    for file in plain.glob("*.csv"):
        if file.name != "orders.csv":
            shutil.copyfile(file, dressed / file.name)
    amount, cost = DRESSED.format(column="amount"), DRESSED.format(column="cost")
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * replace ({amount} as amount, {cost} as cost) "
            f"from read_csv('{plain}/orders.csv', header = true, "
            f"types = {{'amount': 'DECIMAL(18,4)', 'cost': 'DECIMAL(18,4)'}})) "
            f"to '{dressed}/orders.csv' (header)")


def land(export: Path, warehouse: Path) -> None:
    """`extract_export` alone, in this process (called in a child by the benchmark)."""
    from kam.extract.landing import extract_export

    warehouse.unlink(missing_ok=True)
    extract_export(export, warehouse, run_id="bench")


def measure(export: Path, warehouse: Path) -> Measured:
    measured = run_measured([sys.executable, "-m", "benchmarks.bench_landing", "--land",
                             str(export), str(warehouse)], cwd=ROOT)
    if measured.returncode != 0:
        raise SystemExit(f"landing {export} failed:\n{measured.stdout[-3000:]}")
    return measured


def same_orders(first: Path, second: Path) -> bool:
    with duckdb.connect() as con:
        con.execute(f"attach '{first}' as a (read_only)")
        con.execute(f"attach '{second}' as b (read_only)")
        columns = "order_id, account_id, order_date, amount, cost, currency, status"
        return not any(con.execute(
            f"select count(*) from (select {columns} from {x}.raw.orders "
            f"except all select {columns} from {y}.raw.orders)").fetchone()[0]
            for x, y in (("a", "b"), ("b", "a")))


def main(argv: list[str]) -> None:
    if argv[:1] == ["--land"]:
        land(Path(argv[1]), Path(argv[2]))
        return
    repeat = int(os.environ.get("KAM_BENCH_REPEAT", "1"))
    plain = export_folder()
    plain_runs: list[Measured] = []
    dressed_runs: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="kam-bench-landing-") as tmp:
        dressed = Path(tmp) / "dressed"
        dress_export(plain, dressed)
        for _ in range(repeat):
            plain_runs.append(measure(plain, Path(tmp) / "plain.duckdb"))
            dressed_runs.append(measure(dressed, Path(tmp) / "dressed.duckdb"))
        same = same_orders(Path(tmp) / "plain.duckdb", Path(tmp) / "dressed.duckdb")
    print(f"export {plain}, {repeat} repetition(s), medians; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, pick in (("wall", lambda m: m.wall_seconds), ("CPU", lambda m: m.cpu_seconds)):
        dressed_s = statistics.median(pick(m) for m in dressed_runs)
        plain_s = statistics.median(pick(m) for m in plain_runs)
        print(f"{'landing s (' + label + ')':<24} dressed amounts {dressed_s:7.1f}   "
              f"plain amounts {plain_s:7.1f}   ratio {dressed_s / plain_s:5.2f}")
    print("both landed the same orders" if same else "the two landings DIFFER")


if __name__ == "__main__":
    main(sys.argv[1:])
