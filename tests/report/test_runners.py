"""Every task runner publishes the same bytes: the local process pool, a Dask cluster and a
Ray instance render the same month into the same files and the same manifest."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from fixture_warehouse import DQ, MONTH, RUN_ID, clone_key_accounts
from prefect.settings import PREFECT_API_URL

from kam.publish import build_manifest, write_manifest
from kam.report import render_reports
from kam.report.data import load_month
from kam.report.render import RenderRunner, batches_of
from kam.report.snapshot import open_snapshot, write_snapshot


@pytest.fixture(scope="module")
def eight_accounts(tmp_path_factory):
    return clone_key_accounts(tmp_path_factory.mktemp("wh8") / "kam.duckdb", 8)


def _publish(warehouse, out_dir, runner: RenderRunner):
    # a render cache of its own: every review is drawn by this runner
    files = render_reports(warehouse, month=MONTH, out_dir=out_dir, run_id=RUN_ID, locale="en",
                           dq_status=DQ, progress=False, cache_dir=out_dir.parent / "cache",
                           runner=runner, workers=runner.workers)
    manifest = write_manifest(out_dir, build_manifest(
        out_dir, month=str(MONTH), run_id=RUN_ID, validation_success=True,
        validation_run_id=RUN_ID, described={f.path: f.manifest_entry() for f in files}))
    hashes = {p.relative_to(out_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in sorted(out_dir.rglob("*.pdf"))}
    return manifest.read_bytes(), hashes


def test_the_process_pool_a_dask_cluster_and_a_ray_instance_publish_the_same_bytes(
    prefect_harness, eight_accounts, tmp_path
):
    # Each cluster is a local one started for the render and stopped after it (a local Ray
    # instance starts in about 30 s on a busy 2-core machine, a Dask LocalCluster in 20).
    pool = _publish(eight_accounts, tmp_path / "pool/month", RenderRunner("process", workers=2))
    dask = _publish(eight_accounts, tmp_path / "dask/month", RenderRunner("dask", workers=2))
    ray = _publish(eight_accounts, tmp_path / "ray/month", RenderRunner("ray", workers=2))
    # the 2 fixture key accounts, 3 copies of each, and the portfolio
    assert len(pool[1]) == 9 and "accounts/ACC-2-0003.pdf" in pool[1]
    assert dask[1] == pool[1] and ray[1] == pool[1]
    assert dask[0] == pool[0] and ray[0] == pool[0]


def test_the_snapshot_is_written_the_same_twice_and_reads_back_the_warehouse_values(
    warehouse, tmp_path
):
    digests = []
    for name in ("a", "b"):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            write_snapshot(con, tmp_path / name, RUN_ID)
        digests.append({p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                        for p in (tmp_path / name).rglob("*") if p.is_file()})
    assert digests[0] == digests[1] and "marts/account_review.parquet" in digests[0]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        direct = load_month(con, MONTH.first_day, RUN_ID)
    snapshot = open_snapshot(tmp_path / "a")
    via_snapshot = load_month(snapshot, MONTH.first_day, RUN_ID)
    assert via_snapshot == direct
    # the same Python types (Decimal with its scale, date), not just equal values
    assert repr(via_snapshot.accounts) == repr(direct.accounts)
    assert repr(via_snapshot.portfolio) == repr(direct.portfolio)


def test_batches_keep_the_order_and_spread_over_the_workers():
    ids = [f"A{i}" for i in range(10)]
    assert batches_of(ids, 2) == [["A0", "A1"], ["A2", "A3"], ["A4", "A5"], ["A6", "A7"],
                                  ["A8", "A9"]]
    assert batches_of(ids, 1) == [["A0", "A1", "A2"], ["A3", "A4", "A5"], ["A6", "A7", "A8"],
                                  ["A9"]]
    assert [len(b) for b in batches_of([str(i) for i in range(1000)], 2)] == [50] * 20


# A main script as `kam` is one: it imports the whole pipeline (Great Expectations among it)
# at the top and renders with the local pool.
_MAIN_SCRIPT = """
import sys
from pathlib import Path

import great_expectations  # noqa: F401

from kam.report import render_reports
from kam.report.render import RenderRunner
from fixture_warehouse import DQ, MONTH, RUN_ID

if __name__ == "__main__":
    warehouse, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    files = render_reports(warehouse, month=MONTH, out_dir=out_dir, run_id=RUN_ID, locale="en",
                           dq_status=DQ, progress=False, cache_dir=out_dir.parent / "cache",
                           runner=RenderRunner("process", workers=2), workers=2)
    print(len(files))
"""


def test_the_pool_renders_from_a_main_script_that_imports_the_pipeline(
    prefect_harness, eight_accounts, tmp_path
):
    # Spawned workers used to re-run such a script; on its way to Great Expectations the
    # re-run imported pyspark's Spark Connect, which exits a half-started process with
    # status 0, and the pool broke.
    script = tmp_path / "main_script.py"
    script.write_text(_MAIN_SCRIPT)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    done = subprocess.run([sys.executable, str(script), str(eight_accounts), str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-1] == "10"  # 8 reviews, the portfolio and its workbook
    assert len(list((tmp_path / "out/accounts").glob("*.pdf"))) == 8


def test_a_render_worker_imports_neither_dask_nor_ray_unless_chosen():
    # Every worker imports the batch renderer; the cluster clients cost seconds to import.
    probe = ("import sys, kam.report.batch; "
             "print(sorted(m for m in ('distributed', 'prefect_dask', 'ray', 'prefect_ray') "
             "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"


@pytest.mark.parametrize(("kind", "runner"), [
    ("process", "ProcessPoolTaskRunner"), ("dask", "DaskTaskRunner"), ("ray", "RayTaskRunner")])
def test_the_setting_chooses_the_task_runner(kind, runner):
    assert type(RenderRunner(kind).task_runner(2)).__name__ == runner
