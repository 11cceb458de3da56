"""What the deeper-review models cost: `dbt build` of the whole project against `dbt build
--exclude tag:deeper_review` on 10,000 accounts (budget: at most 20% more).

    make bench BENCH=deeper_marts
    .venv/bin/python -m benchmarks deeper_marts

The deeper-review models (contracts and renewals, lifecycle stage, cross-sell whitespace,
complaint themes, the churn warning's back-test) carry the dbt tag `deeper_review`; dbt
leaves out their data and unit tests with them.

The export is KAM_BENCH_EXPORT, or a 10,000-account export that `kam generate` writes (seed
42, 36 months to 2026-10) the first time. It is landed and validated once (`kam run --until
validate`), then built once, untimed: a monthly run finds the warehouse of earlier runs, and
the build without the deeper-review models needs their account_contracts table, which the
risk rules read. That built warehouse is kept for the next runs of the benchmark, like last
month's warehouse (delete KAM_BENCH_DIR/deeper_marts/warm to build it again). Every timed
build starts from its own copy of it, the two variants interleaved, with the same vars as a
monthly run (kam.transform.dbt.dbt_vars). Work files go to KAM_BENCH_DIR (default: kam-bench
in the temporary folder); repetitions: KAM_BENCH_REPEATS (default 3).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from kam.month import Month
from kam.settings import Settings, Stage
from kam.transform.dbt import build_month, dbt_vars, run_dbt

MONTH = "2026-10"
ACCOUNTS = 10_000
TAG = "deeper_review"
BUDGET = 0.20
RUN_ID = "bench-deeper-marts"
WITHOUT = ["--exclude", f"tag:{TAG}"]


def _work_dir() -> Path:
    default = Path(tempfile.gettempdir()) / "kam-bench"
    work = Path(os.environ.get("KAM_BENCH_DIR", default)) / "deeper_marts"
    work.mkdir(parents=True, exist_ok=True)
    return work


def _kam(*args: str) -> None:
    kam = Path(sys.executable).with_name("kam")
    # The ephemeral Prefect server starts slowly on a busy machine; give it time.
    env = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300", **os.environ}
    subprocess.run([str(kam), *args], check=True, env=env)


def _export(work: Path) -> Path:
    given = os.environ.get("KAM_BENCH_EXPORT")
    if given:
        return Path(given)
    export = work / f"export-{ACCOUNTS}"
    if not (export / "orders.csv").exists():
        _kam("generate", "--out", str(export), "--accounts", str(ACCOUNTS),
             "--end-month", MONTH)
    return export


def _landed(work: Path, export: Path) -> Path:
    """The export landed and validated once; reused while the export stays the same."""
    landed = work / "landed" / "kam.duckdb"
    stamp = landed.with_suffix(".export")
    if not (landed.exists() and stamp.exists() and stamp.read_text() == str(export.resolve())):
        shutil.rmtree(landed.parent, ignore_errors=True)
        _kam("run", "--input", str(export), "--month", MONTH, "--until", Stage.validate.value,
             "--warehouse", str(landed), "--out", str(work / "landed" / "out"))
        stamp.write_text(str(export.resolve()))
    return landed


def _warm(work: Path, landed: Path, variables: dict) -> Path:
    """The landed warehouse built once, as a monthly run finds it; kept for later runs of
    the benchmark (as last month's warehouse would be: built by whatever version ran then)
    until the landed warehouse changes. Delete the folder to rebuild it."""
    warm = work / "warm" / "kam.duckdb"
    stamp = warm.with_suffix(".landed")
    landed_at = str(landed.stat().st_mtime_ns)
    if warm.exists() and stamp.exists() and stamp.read_text() == landed_at:
        return warm
    shutil.rmtree(warm.parent, ignore_errors=True)
    warm.parent.mkdir(parents=True)
    shutil.copyfile(landed, warm)
    build_month(warm, variables, work / "warm" / "target")  # with the CLV fit between
    with duckdb.connect(str(warm)) as con:  # copies of the file alone must hold everything
        con.execute("checkpoint")
    stamp.write_text(landed_at)
    return warm


def _build(warehouse: Path, target: Path, variables: dict, selection: list[str]) -> float:
    """One `dbt build`; its wall time in seconds. A failed node stops the benchmark."""
    started = time.perf_counter()
    result = run_dbt(["build", "--vars", json.dumps(variables), *selection], warehouse, target)
    elapsed = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"dbt build {' '.join(selection)} failed: see {target / 'logs'}")
    return elapsed


def _node_times(target: Path) -> dict[str, float]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r["execution_time"] for r in results}


def _deeper_nodes(target: Path) -> set[str]:
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    # a test or unit test goes with its model (as --exclude leaves it out with the model);
    # models downstream of a tagged one (account_risks reads account_contracts) do not
    tagged = {uid for uid, node in nodes.items() if TAG in node.get("tags", [])}
    tests_of_tagged = {
        uid for uid, node in nodes.items()
        if node.get("resource_type") in {"test", "unit_test"}
        and set(node.get("depends_on", {}).get("nodes", [])) & tagged
    }
    return tagged | tests_of_tagged


def main(argv: list[str]) -> None:
    repeats = int(os.environ.get("KAM_BENCH_REPEATS", "3"))
    work = _work_dir()
    export = _export(work)
    landed = _landed(work, export)
    settings = Settings.load(input_dir=str(export), month=Month.parse(MONTH))
    variables = dbt_vars(settings.for_month(), RUN_ID)

    warm = _warm(work, landed, variables)

    variants = {"whole project": [], "without the deeper-review models": WITHOUT}
    seconds: dict[str, list[float]] = defaultdict(list)
    node_seconds: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        for name, selection in variants.items():
            run_dir = work / ("whole" if not selection else "without")
            copy = run_dir / "kam.duckdb"
            copy.parent.mkdir(exist_ok=True)
            shutil.copyfile(warm, copy)
            seconds[name].append(_build(copy, run_dir / "target", variables, selection))
            if not selection:
                for uid, took in _node_times(run_dir / "target").items():
                    node_seconds[uid].append(took)
            copy.unlink()

    whole, without = (statistics.median(seconds[name]) for name in variants)
    overhead = whole / without - 1
    deeper = _deeper_nodes(work / "whole" / "target")
    own = {uid: statistics.median(times) for uid, times in node_seconds.items()}
    deeper_own = sum(t for uid, t in own.items() if uid in deeper)
    other_own = sum(t for uid, t in own.items() if uid not in deeper)

    print(f"dbt build, {ACCOUNTS:,} accounts, month {MONTH}, {repeats} runs of each, "
          f"interleaved; export {export}")
    print(f"seconds (median)   whole project {whole:.1f}   without the deeper-review models "
          f"{without:.1f}   ({', '.join(f'{s:.1f}' for s in seconds['whole project'])} / "
          f"{', '.join(f'{s:.1f}' for s in seconds['without the deeper-review models'])})")
    verdict = "within" if overhead <= BUDGET else "OVER"
    print(f"overhead           {overhead:+.1%}   (budget <= {BUDGET:.0%}: {verdict})")
    print(f"node time (median, whole build)   deeper-review nodes {deeper_own:.1f} s   "
          f"other nodes {other_own:.1f} s   ratio {deeper_own / other_own:.1%}")
    print("slowest deeper-review nodes (median s):")
    for uid in sorted(deeper & own.keys(), key=own.get, reverse=True)[:8]:
        print(f"  {own[uid]:6.2f}  {uid}")


if __name__ == "__main__":
    main(sys.argv[1:])
