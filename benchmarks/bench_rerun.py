"""Rerun vs first run: the same export, month and settings a second time (same run id).

The first run does everything (landing, validation, dbt, rendering, publishing); the rerun
hashes the inputs, finds the month published under the same run id with every file intact,
and stops. Target: the rerun under 10% of the first run's time, measured in the same run.

    python -m benchmarks rerun                     # make bench BENCH=rerun

KAM_BENCH_RERUN_ACCOUNTS sets the export's size (default 1,000 accounts: below that the
first run is so short that the rerun's fixed start-up alone passes 10% of it; generated once into
~/.cache/kam-bench).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_data import ROOT, generated_export, stages_line
from benchmarks.measure import Measured, run_measured

TARGET = 0.10


def _run(export: Path, scratch: Path) -> Measured:
    measured = run_measured(
        [str(ROOT / ".venv" / "bin" / "kam"), "run", "--input", str(export), "--month",
         "2026-10", "--warehouse", str(scratch / "kam.duckdb"), "--out", str(scratch / "out")],
        env={"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
             "PREFECT_LOGGING_LEVEL": "WARNING"})
    if measured.returncode != 0:
        raise SystemExit(f"kam run failed ({measured.returncode}):\n{measured.stdout[-3000:]}")
    return measured


def main(argv: list[str]) -> None:
    accounts = int(os.environ.get("KAM_BENCH_RERUN_ACCOUNTS", "1000"))
    export = generated_export(accounts)
    with tempfile.TemporaryDirectory(prefix="kam-bench-rerun-") as tmp:
        first = _run(export, Path(tmp))
        rerun = _run(export, Path(tmp))
    if "already published" not in rerun.stdout:
        print("the rerun did not find its month up to date:", rerun.stdout[-2000:], file=sys.stderr)
    ratio = rerun.wall_seconds / first.wall_seconds
    print(f"export {export} ({accounts:,} accounts), month 2026-10, full runs; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'run s (wall)':<20} rerun {rerun.wall_seconds:7.1f}   first run "
          f"{first.wall_seconds:7.1f}   ratio {ratio:4.2f} (target < {TARGET:g})")
    print(f"{'run s (CPU)':<20} rerun {rerun.cpu_seconds:7.1f}   first run "
          f"{first.cpu_seconds:7.1f}   ratio {rerun.cpu_seconds / first.cpu_seconds:4.2f}")
    for label, measured in (("first run", first), ("rerun", rerun)):
        print(stages_line(f"{label} s per stage", [measured]))
