"""The scheduled deployment for real: a Prefect server on loopback, `prefect deploy` from
prefect.yaml, and one run of the deployment through a process worker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"prefect server at {url} not healthy after {timeout} s")


def _prefect(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [PREFECT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_deployment_runs_to_completion_through_a_process_worker(tmp_path, sample_export):
    api = f"http://127.0.0.1:{_free_port()}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "KAM_PROJECT_DIR": str(REPO),
        "KAM_INPUT_DIR": str(sample_export),
        "KAM_OUT_DIR": str(tmp_path / "output"),
        "KAM_WAREHOUSE": str(tmp_path / "warehouse" / "kam.duckdb"),
    }
    port = api.split(":")[2].split("/")[0]
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", port],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(api, server)
        _prefect(env, "work-pool", "create", "kam-process", "--type", "process")
        deployed = _prefect(env, "--no-prompt", "deploy", "--all")
        assert "monthly-account-review" in deployed

        schedule = json.loads(
            _prefect(
                env,
                "deployment",
                "inspect",
                "monthly-account-review/monthly-account-review",
                "--output",
                "json",
            )
        )["schedules"][0]["schedule"]
        assert (schedule["cron"], schedule["timezone"]) == ("0 6 2 * *", "Asia/Shanghai")

        params = {
            "settings": {
                "input_dir": str(sample_export),
                "month": "2026-10",
                "out_dir": env["KAM_OUT_DIR"],
                "warehouse": env["KAM_WAREHOUSE"],
            }
        }
        _prefect(
            env,
            "deployment",
            "run",
            "monthly-account-review/monthly-account-review",
            "--params",
            json.dumps(params),
        )
        _prefect(env, "worker", "start", "--pool", "kam-process", "--run-once", timeout=600)

        runs = json.loads(_prefect(env, "flow-run", "ls", "--output", "json"))
        states = [
            run["state"]["type"]
            for run in runs
            if run.get("deployment_id") and run["state"]["type"] != "SCHEDULED"
        ]
        assert states == ["COMPLETED"], runs
        manifest = json.loads((tmp_path / "output" / "2026-10" / "manifest.json").read_text())
        assert manifest["month"] == "2026-10"
        assert any(f["kind"] == "account_review" for f in manifest["files"])
    finally:
        server.terminate()
        server.wait(timeout=30)
