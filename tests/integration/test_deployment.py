"""The scheduled deployment for real: a Prefect server on loopback, `prefect deploy` from
prefect.yaml, and one run of the deployment through a process worker, reading the export
from a loopback S3, publishing to it, and announcing the month to a loopback webhook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from loopback import free_port, upload_folder
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.settings import PREFECT_API_URL, temporary_settings

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
pytestmark = pytest.mark.server


@pytest.fixture
def webhook():
    """A loopback HTTP server keeping every JSON body posted to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


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


def test_deployment_runs_to_completion_through_a_process_worker(
    tmp_path, sample_export, s3_bucket, webhook
):
    api = f"http://127.0.0.1:{free_port()}/api"
    upload_folder(sample_export, s3_bucket, "crm/latest")
    hook_url, received = webhook
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "KAM_PROJECT_DIR": str(REPO),
        "KAM_INPUT_DIR": f"s3://{s3_bucket}/crm/latest/",
        "KAM_OUT_DIR": f"s3://{s3_bucket}/reviews/",
        "KAM_WAREHOUSE": str(tmp_path / "warehouse" / "kam.duckdb"),
        "KAM_NOTIFY_BLOCK": "custom-webhook/kam-alerts",
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
        with temporary_settings({PREFECT_API_URL: api}):
            CustomWebhookNotificationBlock(
                name="kam-alerts", url=hook_url, allow_private_urls=True,
                json_data={"subject": "{{subject}}", "text": "{{body}}"},
            ).save("kam-alerts")
        deployed = _prefect(env, "--no-prompt", "deploy", "--all")
        assert "monthly-account-review" in deployed

        deployment = json.loads(
            _prefect(
                env,
                "deployment",
                "inspect",
                "monthly-account-review/monthly-account-review",
                "--output",
                "json",
            )
        )
        schedule = deployment["schedules"][0]["schedule"]
        assert (schedule["cron"], schedule["timezone"]) == ("0 6 2 * *", "Asia/Shanghai")
        deployed = deployment["parameters"]["settings"]
        assert deployed["input_dir"] == env["KAM_INPUT_DIR"]
        assert deployed["notify_blocks"] == ["custom-webhook/kam-alerts"]
        assert (deployed["wait_for_export"], deployed["export_wait_hours"]) == (True, 6)

        # The deployed settings, for the sample's month, announcing the published month too.
        params = {"settings": {**deployed, "month": "2026-10", "notify_on_success": True}}
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
        s3 = boto3.client("s3")
        manifest = json.loads(
            s3.get_object(Bucket=s3_bucket, Key="reviews/2026-10/manifest.json")["Body"].read()
        )
        assert manifest["month"] == "2026-10"
        reviews = [f for f in manifest["files"] if f["kind"] == "account_review"]
        assert reviews
        listed = s3.list_objects_v2(Bucket=s3_bucket, Prefix="reviews/2026-10/", MaxKeys=1000)
        keys = {o["Key"] for o in listed["Contents"]}
        assert {f"reviews/2026-10/{f['path']}" for f in manifest["files"]} <= keys

        with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            artifacts = {
                a.key: a
                for a in client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        key=ArtifactFilterKey(any_=["kam-run-2026-10", "kam-dbt-nodes-2026-10",
                                                    "kam-month-2026-10"])
                    )
                )
            }
        assert set(artifacts) == {"kam-run-2026-10", "kam-dbt-nodes-2026-10",
                                  "kam-month-2026-10"}
        assert f"`{manifest['run_id']}`" in artifacts["kam-run-2026-10"].data
        month_url = f"s3://{s3_bucket}/reviews/2026-10/"
        assert month_url in artifacts["kam-month-2026-10"].data

        assert [r["subject"] for r in received] == [
            f"kam 2026-10: {len(reviews)} reviews published"
        ]
        assert f"run id: {manifest['run_id']}" in received[0]["text"]
        assert month_url in received[0]["text"]
    finally:
        server.terminate()
        server.wait(timeout=30)
