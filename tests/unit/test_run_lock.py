"""One run at a time per warehouse: the second waits, then names the holder; a dead
holder's lock is taken over."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from kam.errors import PipelineError
from kam.publish import read_holder, warehouse_lock
from kam.publish.lock import lock_paths
from kam.report.rerender import rerender_account
from kam.settings import Settings

HOLD = """
import sys, time
from pathlib import Path
from kam.publish import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), "run-holding", 5):
    Path(sys.argv[2]).touch()
    time.sleep(600)
"""


def _start_holder(warehouse, tmp_path) -> subprocess.Popen:
    marker = tmp_path / "holding"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse), str(marker)])
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert holder.poll() is None and time.monotonic() < deadline, "holder did not start"
        time.sleep(0.05)
    return holder


def test_a_second_run_waits_then_names_the_warehouse_and_the_holder(tmp_path):
    warehouse = tmp_path / "kam.duckdb"
    holder = _start_holder(warehouse, tmp_path)
    try:
        with pytest.raises(PipelineError) as caught, warehouse_lock(warehouse, "run-2", 0.5):
            pytest.fail("the lock was taken twice")
        line = caught.value.one_line()
        assert str(warehouse) in line
        assert "run run-holding" in line
        assert f"pid {holder.pid} on {socket.gethostname()}" in line
        assert "waited 0.5 s" in line and "\n" not in line
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_run_is_taken_over_and_its_sidecar_rewritten(tmp_path):
    warehouse = tmp_path / "kam.duckdb"
    holder = _start_holder(warehouse, tmp_path)
    assert read_holder(warehouse)["pid"] == holder.pid
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    # the dead holder's sidecar is still there; the kernel has released its lock
    assert read_holder(warehouse)["pid"] == holder.pid

    with warehouse_lock(warehouse, "run-next", 0):
        now = read_holder(warehouse)
        assert (now["pid"], now["run_id"]) == (os.getpid(), "run-next")
    assert read_holder(warehouse) is None  # released: no holder claimed


def test_a_backfill_holding_the_lock_runs_its_months_inside_it(tmp_path):
    warehouse = tmp_path / "kam.duckdb"
    with warehouse_lock(warehouse, "backfill", 0), warehouse_lock(warehouse, "month", 0):
        assert read_holder(warehouse)["run_id"] == "backfill"
    lock_file, sidecar = lock_paths(warehouse)
    assert lock_file.exists() and not sidecar.exists()
    json.dumps(read_holder(warehouse))


def test_a_second_run_gets_the_lock_once_the_first_ends(tmp_path):
    warehouse = tmp_path / "kam.duckdb"
    holder = _start_holder(warehouse, tmp_path)
    threading.Timer(1.0, holder.kill).start()
    with warehouse_lock(warehouse, "run-waiting", 120):
        assert read_holder(warehouse)["run_id"] == "run-waiting"
    holder.wait()


def test_kam_report_does_not_write_into_a_month_while_a_run_holds_the_warehouse(tmp_path):
    warehouse = tmp_path / "kam.duckdb"
    warehouse.write_bytes(b"")
    holder = _start_holder(warehouse, tmp_path)
    settings = Settings.load(warehouse=warehouse, out_dir=tmp_path / "output", month="2026-10",
                             lock_timeout_seconds=0.2)
    try:
        with pytest.raises(PipelineError, match="in use by run run-holding"):
            rerender_account(settings, account_id="ACC-1")
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / "output").exists()
