"""Data stages vs plain DuckDB: `kam run --until transform` against a hand-written SQL script.

The reference (benchmarks/reference_marts.sql) loads the export's CSVs with DuckDB's
`read_csv` and computes the core marts of the month (monthly revenue per account in the
reporting currency, tiers by cumulative revenue share, retention and churn risk, NPS, CSAT
and CES over the trailing twelve months, first-response SLA compliance) into a database
file. kam does that and more (the profile's mapping and parsing, quarantine, every
expectation, every dbt model and test, the audit trail, a crash-safe working copy); the
target is kam within 5 times the reference, measured in the same run, repetitions
interleaved, medians reported. After the runs the reference's tables are compared with kam's
marts cell by cell (benchmarks/reference_check.py): the comparison holds only between two
computations of the same numbers. Each repetition also runs kam on a 30-account export,
where DuckDB has next to nothing to do: that run is kam's fixed cost (start-up, Great
Expectations' queries, dbt's per-node work, the audit trail), printed beside the same
reference, so the figure shows how much of the 5x goes before any data; the next line
compares what each side adds for the data (its run less its run on the small export).
dbt's parse of the project is kept between runs (kam.transform.parse_cache); the benchmark
fills its own cache once before the runs, as the first run on a machine does, and prints
how long that full parse took.

    python -m benchmarks data                      # make bench BENCH=data
    KAM_BENCH_EXPORT=/data/big10k KAM_BENCH_REPEAT=3 python -m benchmarks data

KAM_BENCH_EXPORT names an export (default: a generated 10,000-account export, cached in
~/.cache/kam-bench); KAM_BENCH_MONTH the month (default 2026-10).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from benchmarks.measure import Measured, run_measured
from benchmarks.reference_check import agreement
from kam.month import Month

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SQL = Path(__file__).with_name("reference_marts.sql")
MEMORY_BUDGET_MB = 2048
RATIO_TARGET = 5.0
ACCOUNTS = 10_000
# An export so small that DuckDB has next to nothing to do: a run of it is what kam costs
# whatever the data (start-up, one query per expectation, dbt's nodes, the audit trail).
FIXED_COST_ACCOUNTS = 30
STAGE_LINE = re.compile(r"time per stage: (.*)")


def export_folder(accounts: int = ACCOUNTS, month: str = "2026-10") -> Path:
    """KAM_BENCH_EXPORT, or a generated export kept between benchmark runs."""
    given = os.environ.get("KAM_BENCH_EXPORT")
    if given:
        return Path(given)
    return generated_export(accounts, month)


def generated_export(accounts: int, month: str = "2026-10") -> Path:
    """An export of `accounts` accounts up to `month`, generated once into the cache."""
    cached = Path.home() / ".cache" / "kam-bench" / f"export-{accounts}-{month}"
    if not (cached / "orders.csv").exists():
        print(f"generating a {accounts:,}-account export in {cached} (once)", flush=True)
        subprocess.run([str(ROOT / ".venv" / "bin" / "kam"), "generate", "--out", str(cached),
                        "--accounts", str(accounts), "--end-month", month], check=True,
                       stdout=subprocess.DEVNULL)
    return cached


def reference_sql(export: Path, month: Month) -> str:
    return REFERENCE_SQL.read_text().format(
        export=export.as_posix(), month_start=month.first_day.isoformat(),
        next_month=month.shift(1).first_day.isoformat(),
        t12m_start=month.shift(-11).first_day.isoformat(),
        m12_start=month.shift(-12).first_day.isoformat())


def run_reference(export: Path, month: Month, database: Path) -> None:
    """The plain-DuckDB computation, in this process (called in a child by the benchmark)."""
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute("set enable_progress_bar = false")
        con.execute(reference_sql(export, month))
    finally:
        con.close()


def _kam_env(cache_dir: Path) -> dict[str, str]:
    # A loaded machine can take longer than Prefect's 20 s default to start its server.
    return {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
            "PREFECT_LOGGING_LEVEL": "WARNING", "KAM_CACHE_DIR": str(cache_dir)}


def parse_once(cache_dir: Path, target_dir: Path) -> None:
    """dbt's parse of the project into `cache_dir`, as a run's would be (in a child)."""
    # Imported here, not at the top: the reference runs in a child of this module too, and
    # importing dbt there would add seconds to the reference.
    from kam.transform.dbt import parse_project

    parse_project(target_dir / "kam.duckdb", target_dir, cache_dir=cache_dir)


def warm_parse_cache(cache_dir: Path, scratch: Path) -> Measured:
    """Fill the benchmark's own cache with dbt's parse of the project, timed: every monthly
    run after a machine's first reuses it, so the runs measured here do too."""
    measured = run_measured([sys.executable, "-m", "benchmarks.bench_data", "--parse",
                             str(cache_dir), str(scratch)], cwd=ROOT)
    if measured.returncode != 0:
        raise SystemExit(f"parsing the project failed:\n{measured.stdout[-3000:]}")
    return measured


def measure_kam(export: Path, month: str, scratch: Path, cache_dir: Path) -> Measured:
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    measured = run_measured(
        [str(ROOT / ".venv" / "bin" / "kam"), "run", "--input", str(export), "--month", month,
         "--until", "transform", "--warehouse", str(scratch / "kam.duckdb"),
         "--out", str(scratch / "out")], env=_kam_env(cache_dir))
    if measured.returncode != 0:
        raise SystemExit(f"kam run failed ({measured.returncode}):\n{measured.stdout[-3000:]}")
    return measured


def measure_reference(export: Path, month: str, scratch: Path) -> Measured:
    scratch.mkdir(parents=True, exist_ok=True)
    measured = run_measured([sys.executable, "-m", "benchmarks.bench_data", "--reference",
                             str(export), month, str(scratch / "reference.duckdb")], cwd=ROOT)
    if measured.returncode != 0:
        raise SystemExit(f"reference failed:\n{measured.stdout[-3000:]}")
    return measured


def stage_seconds(output: str) -> dict[str, float]:
    """The run summary's `time per stage:` line as {stage: seconds}."""
    found = STAGE_LINE.search(output)
    if not found:
        return {}
    pairs = (part.rsplit(" ", 2) for part in found.group(1).split(", "))
    return {name: float(seconds) for name, seconds, _unit in pairs}


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def row(label: str, kam: float, reference: float, target: str) -> str:
    ratio = kam / reference if reference else float("inf")
    return (f"{label:<24} kam {kam:9.1f}   plain DuckDB {reference:7.1f}   ratio {ratio:5.2f} "
            f"({target})")


def stages_line(label: str, runs: list[Measured]) -> str:
    """The median of each stage of the runs' `time per stage:` lines; what they leave of
    the median wall time is the summary and the interpreter's exit."""
    stages = [stage_seconds(m.stdout) for m in runs]
    names = list(dict.fromkeys(name for s in stages for name in s))
    medians = {name: _median([s.get(name) for s in stages]) or 0.0 for name in names}
    rest = (_median([m.wall_seconds for m in runs]) or 0) - sum(medians.values())
    parts = [f"{name} {seconds:.1f}" for name, seconds in medians.items()]
    return f"{label}: {', '.join([*parts, f'exit and summary {max(rest, 0):.1f}'])}"


def same_numbers_line(marts: list[tuple[str, int, int]]) -> str:
    """Whether the reference computed kam's numbers, mart by mart."""
    if all(differing == 0 for _mart, _rows, differing in marts):
        counts = ", ".join(f"{mart} {rows:,}" for mart, rows, _ in marts)
        return f"the reference computed the same values as kam's marts (rows compared: {counts})"
    counts = ", ".join(f"{mart} {differing:,} of {rows:,}" for mart, rows, differing in marts)
    return f"the reference DIFFERS from kam's marts, rows differing: {counts}"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--reference"]:
        run_reference(Path(argv[1]), Month.parse(argv[2]), Path(argv[3]))
        return
    if argv[:1] == ["--parse"]:
        parse_once(Path(argv[1]), Path(argv[2]))
        return
    month = os.environ.get("KAM_BENCH_MONTH", "2026-10")
    repeat = int(os.environ.get("KAM_BENCH_REPEAT", "1"))
    export = export_folder(month=month)
    small_export = generated_export(FIXED_COST_ACCOUNTS, month)
    kam_runs: list[Measured] = []
    reference_runs: list[Measured] = []
    fixed_runs: list[Measured] = []
    small_reference_runs: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="kam-bench-data-") as tmp:
        cache_dir = Path(tmp) / "cache"
        cold_parse = warm_parse_cache(cache_dir, Path(tmp) / "parse")
        for n in range(repeat):  # interleaved: all see the same load on a shared machine
            reference_runs.append(measure_reference(export, month, Path(tmp) / "ref"))
            kam_runs.append(measure_kam(export, month, Path(tmp) / f"kam{n}", cache_dir))
            small_reference_runs.append(
                measure_reference(small_export, month, Path(tmp) / "small-ref"))
            fixed_runs.append(measure_kam(small_export, month, Path(tmp) / "fixed", cache_dir))
        marts = agreement(Path(tmp) / "ref" / "reference.duckdb",
                          Path(tmp) / f"kam{repeat - 1}" / "kam.duckdb", Month.parse(month))
    kam_wall, reference_wall, fixed_wall, small_reference_wall = (
        _median([m.wall_seconds for m in runs])
        for runs in (kam_runs, reference_runs, fixed_runs, small_reference_runs))
    print(f"export {export}, month {month}, {repeat} repetition(s), medians; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(row("data stages s (wall)", kam_wall, reference_wall, f"target <= {RATIO_TARGET:g}"))
    print(row("data stages s (CPU)", _median([m.cpu_seconds for m in kam_runs]),
              _median([m.cpu_seconds for m in reference_runs]), f"target <= {RATIO_TARGET:g}"))
    kam_peak = _median([m.peak_rss_mb for m in kam_runs])
    reference_peak = _median([m.peak_rss_mb for m in reference_runs])
    if kam_peak is not None:
        print(f"{'peak memory MB (tree)':<24} kam {kam_peak:9.0f}   plain DuckDB "
              f"{reference_peak:7.0f}   budget {MEMORY_BUDGET_MB} "
              f"({'within' if kam_peak <= MEMORY_BUDGET_MB else 'OVER'})")
    print(stages_line("kam s per stage", kam_runs))
    print(row("fixed cost s (wall)", fixed_wall, reference_wall,
              f"kam on a {FIXED_COST_ACCOUNTS}-account export, against the same reference"))
    print(row("data-dependent s (wall)", kam_wall - fixed_wall,
              reference_wall - small_reference_wall,
              f"each run less its run on the {FIXED_COST_ACCOUNTS}-account export"))
    print(stages_line("fixed cost s per stage", fixed_runs))
    print(same_numbers_line(marts))
    print(f"dbt's parse of the project was kept from an earlier run, as in every run after a "
          f"machine's first; parsing it in full took {cold_parse.wall_seconds:.1f} s "
          f"({cold_parse.cpu_seconds:.1f} CPU s) on its own before the runs")


if __name__ == "__main__":
    main(sys.argv[1:])
