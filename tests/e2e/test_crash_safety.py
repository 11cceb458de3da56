"""Runs killed in every stage, two runs at once, a stopped run: the published months and the
warehouse survive byte for byte, and a rerun gives what a clean run gives.

Each test starts `kam run` as a separate process on a copy of a warehouse that already holds
the previous month. `KAM_TEST_PAUSE_AT=<stage>` makes the run touch a marker file and wait
there, so the test knows the run is inside that stage when it kills it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL

from flows.monthly_review import monthly_account_review
from kam.generate import generate_export
from kam.month import Month
from kam.settings import Settings

pytestmark = pytest.mark.e2e

MONTH, PREVIOUS = "2026-10", "2026-09"
KAM = Path(sys.executable).with_name("kam")


def _tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _settings(root: Path, export: Path, month: str, **extra) -> Settings:
    return Settings.load(input_dir=export, month=month, out_dir=root / "output",
                         warehouse=root / "warehouse" / "kam.duckdb", **extra)


@pytest.fixture(scope="module")
def small_export(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small-export")
    generate_export(folder, accounts=20, months=14, seed=11, end_month=Month.parse(MONTH))
    return folder


@pytest.fixture(scope="module")
def base(small_export, tmp_path_factory) -> Path:
    """An output folder and a warehouse holding the previous month, published."""
    root = tmp_path_factory.mktemp("base")
    monthly_account_review(_settings(root, small_export, PREVIOUS))
    return root


def _copy_of(base: Path, tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(base, root, symlinks=True)  # keep OUT/M a link to its version
    return root


@pytest.fixture(scope="module")
def clean(base, small_export, tmp_path_factory) -> dict[str, dict[str, str]]:
    """What an uninterrupted run of the month publishes and delivers."""
    root = _copy_of(base, tmp_path_factory.mktemp("clean"))
    monthly_account_review(_settings(root, small_export, MONTH, deliver="outbox"))
    return {"month": _tree_hashes(root / "output" / MONTH),
            "outbox": _tree_hashes(root / "output" / "_outbox" / MONTH)}


def _start_run(root: Path, export: Path, pause_at: str, **env: str) -> subprocess.Popen:
    """`kam run` in its own process, told to wait at `pause_at`, on the tests' Prefect API."""
    environment = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "KAM_TEST_PAUSE_AT": pause_at,
        "KAM_TEST_PAUSE_MARKER": str(root / f"paused-{pause_at}"),
        "KAM_TEST_PAUSE_RELEASE": str(root / f"release-{pause_at}"),
        **env,
    }
    command = [str(KAM), "run", "--input", str(export), "--month", MONTH,
               "--out", str(root / "output"), "--warehouse", str(root / "warehouse/kam.duckdb"),
               "--deliver=outbox"]
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait_until_paused(run: subprocess.Popen, root: Path, stage: str) -> None:
    marker = root / f"paused-{stage}"
    deadline = time.monotonic() + 900
    while not marker.exists():
        if run.poll() is not None:
            pytest.fail(f"the run ended before reaching {stage}: {run.stdout.read()}")
        assert time.monotonic() < deadline, f"the run did not reach {stage}"
        time.sleep(0.2)


def _leftovers(root: Path) -> list[str]:
    """Hidden entries beside the months and the warehouse other than the links' versions,
    the lock files and the committed warehouse's dbt artifacts."""
    out, warehouse = root / "output", root / "warehouse"
    linked = {os.readlink(p) for p in out.iterdir() if p.is_symlink()}
    found = [p.name for p in out.iterdir()
             if p.name.startswith(".") and p.name not in linked and p.name != ".kam_render_cache"]
    # .dbt_target: the dbt artifacts of the committed warehouse, kept for `kam explain`;
    # kam.failed-runs.jsonl: the history of runs that failed, read by `kam runs`
    kept = {"kam.duckdb", ".kam.duckdb.lock", ".dbt_target", "kam.failed-runs.jsonl"}
    found += [p.name for p in warehouse.iterdir() if p.name not in kept]
    return sorted(found)


@pytest.mark.parametrize("stage", ["extract", "validate", "dbt", "render", "publish", "deliver"])
def test_a_run_killed_in_any_stage_loses_nothing_and_a_rerun_completes_it(
    stage, base, clean, small_export, tmp_path
):
    root = _copy_of(base, tmp_path)
    warehouse = root / "warehouse" / "kam.duckdb"
    previous_month = _tree_hashes(root / "output" / PREVIOUS)
    warehouse_before = _sha(warehouse)

    run = _start_run(root, small_export, stage)
    _wait_until_paused(run, root, stage)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()

    assert _tree_hashes(root / "output" / PREVIOUS) == previous_month
    if stage == "deliver":
        # by then the month and the warehouse are switched in, by design, and complete
        assert _tree_hashes(root / "output" / MONTH) == clean["month"]
    else:
        assert _sha(warehouse) == warehouse_before
    if stage in {"extract", "validate", "dbt", "render"}:
        assert not (root / "output" / MONTH).exists()

    monthly_account_review(_settings(root, small_export, MONTH, deliver="outbox"))

    assert _tree_hashes(root / "output" / MONTH) == clean["month"]
    assert _tree_hashes(root / "output" / "_outbox" / MONTH) == clean["outbox"]
    assert _tree_hashes(root / "output" / PREVIOUS) == previous_month
    assert _leftovers(root) == []


def test_a_second_run_on_the_same_warehouse_fails_naming_the_first_which_completes(
    base, clean, small_export, tmp_path
):
    root = _copy_of(base, tmp_path)
    first = _start_run(root, small_export, "dbt")
    _wait_until_paused(first, root, "dbt")

    second = _start_run(root, small_export, "never", KAM_LOCK_TIMEOUT_SECONDS="1")
    output, _ = second.communicate(timeout=900)

    assert second.returncode == 1, output
    message = output.strip().splitlines()[-1]
    assert f"warehouse {root / 'warehouse' / 'kam.duckdb'} is in use by run" in message
    assert f"pid {first.pid} on " in message and "started " in message
    assert (root / "paused-dbt").exists()  # the first run is still where it was
    assert (root / "warehouse" / "kam.failed-runs.jsonl").is_file()  # the refusal is history

    (root / "release-dbt").touch()
    output, _ = first.communicate(timeout=900)
    assert first.returncode == 0, output
    assert _tree_hashes(root / "output" / MONTH) == clean["month"]
    assert _tree_hashes(root / "output" / "_outbox" / MONTH) == clean["outbox"]
    assert _leftovers(root) == []


def test_a_terminated_run_removes_its_working_copy_and_staging_folder(
    base, small_export, tmp_path
):
    root = _copy_of(base, tmp_path)
    warehouse_before = _sha(root / "warehouse" / "kam.duckdb")
    run = _start_run(root, small_export, "render")
    _wait_until_paused(run, root, "render")
    assert any(p.name.endswith(".work") for p in (root / "warehouse").iterdir())

    run.send_signal(signal.SIGTERM)
    output, _ = run.communicate(timeout=300)

    assert run.returncode == 1, output
    assert "interrupted" in output
    assert _leftovers(root) == []
    assert not (root / "output" / MONTH).exists()
    assert _sha(root / "warehouse" / "kam.duckdb") == warehouse_before
