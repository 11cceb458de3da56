"""Unattended runs for real: exports from and months to a loopback S3, artifacts read back
through the Prefect client, notifications received by a loopback webhook and SMTP server,
failures recorded for `kam runs`."""

from __future__ import annotations

import json
import shutil
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from loopback import free_port, upload_folder
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.monthly_review import monthly_account_review
from kam.assets import DBT_PROJECT_DIR
from kam.cli import cli
from kam.extract.landing import run_fingerprint
from kam.notify import SMTPEmail
from kam.observe import read_history
from kam.run_id import derive_run_id
from kam.settings import Settings

MONTH = "2026-10"
BLOCKS = ["custom-webhook/kam-webhook", "kam-smtp-email/kam-mail"]


class _Inbox:
    def __init__(self):
        self.messages: list[dict] = []
        self.arrived = threading.Event()

    def add(self, message: dict) -> None:
        self.messages.append(message)
        self.arrived.set()

    def take(self) -> list[dict]:
        taken, self.messages = self.messages, []
        self.arrived.clear()
        return taken


@pytest.fixture(scope="module")
def webhook():
    """A real HTTP server on loopback that keeps every JSON body posted to it."""
    inbox = _Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            inbox.add(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], inbox
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def mailbox():
    """aiosmtpd on loopback keeping every message it receives."""
    inbox = _Inbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.content)
            inbox.add({"to": envelope.rcpt_tos, "subject": message["Subject"],
                       "body": message.get_payload(decode=True).decode()})
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def notify_blocks(webhook, mailbox):
    """The two notification blocks, saved by name in Prefect as a user would."""
    CustomWebhookNotificationBlock(
        name="kam-webhook", url=f"http://127.0.0.1:{webhook[0]}/hook",
        json_data={"subject": "{{subject}}", "text": "{{body}}"}, allow_private_urls=True,
    ).save("kam-webhook", overwrite=True)
    SMTPEmail(host="127.0.0.1", port=mailbox[0], security="none",
              from_address="kam@example.com", to_addresses=["data-team@example.com"],
              ).save("kam-mail", overwrite=True)
    yield webhook[1], mailbox[1]
    webhook[1].take(), mailbox[1].take()


def _artifact(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    assert found, f"no artifact {key}"
    return max(found, key=lambda a: a.created)


def _table(key: str) -> list[dict]:
    data = _artifact(key).data
    return json.loads(data) if isinstance(data, str) else data


def test_a_rejected_month_is_summarised_recorded_and_announced(
    sample_export, tmp_path, notify_blocks
):
    webhook, mail = notify_blocks
    broken = tmp_path / "broken"
    shutil.copytree(sample_export, broken)
    accounts = (broken / "accounts.csv").read_text().splitlines()
    (broken / "accounts.csv").write_text("\n".join([*accounts, accounts[1]]) + "\n")
    warehouse = tmp_path / "warehouse" / "kam.duckdb"

    result = CliRunner().invoke(cli, [
        "run", "--input", str(broken), "--month", MONTH, "--out", str(tmp_path / "out"),
        "--warehouse", str(warehouse), "--notify", BLOCKS[0], "--notify", BLOCKS[1],
    ])

    assert result.exit_code == 3, result.output
    run_id = derive_run_id(run_fingerprint(broken), Settings.load(month=MONTH)
                           .for_month().fingerprint_fields())
    evidence = tmp_path / "out" / "_rejected" / f"{MONTH}-{run_id}"
    assert evidence.is_dir()

    [posted] = webhook.take()
    assert posted["subject"] == f"kam {MONTH}: month rejected by data quality"
    lines = posted["text"].splitlines()
    assert lines[0].startswith(f"kam rejected {MONTH}: data quality: accounts.csv")
    assert "expect_column_values_to_be_unique" in lines[0]
    assert lines[1] == f"run id: {run_id}"
    assert lines[2] == f"evidence: {evidence}"
    [mailed] = mail.take()
    assert mailed["to"] == ["data-team@example.com"]
    assert mailed["subject"] == posted["subject"]
    assert mailed["body"].splitlines() == lines

    summary = _artifact(f"kam-rejected-{MONTH}").data
    assert f"`{run_id}`" in summary and str(evidence) in summary
    assert "1 blocking failures" in summary
    failed = [row for row in _table(f"kam-expectations-{MONTH}") if row["verdict"] == "failed"]
    assert [(r["table"], r["column"], r["expectation"], r["unexpected"]) for r in failed] == [
        ("accounts", "account_id", "expect_column_values_to_be_unique", 2)
    ]

    [record] = read_history(warehouse)
    assert (record.month, record.run_id, record.status, record.stage) == (
        MONTH, run_id, "rejected", "validate")
    assert record.message.startswith("data quality: accounts.csv")


def test_an_export_that_never_completes_fails_with_exit_1_and_tells(
    sample_export, tmp_path, notify_blocks, monkeypatch
):
    webhook, _ = notify_blocks
    monkeypatch.setenv("KAM_EXPORT_WAIT_HOURS", "0.0002")  # under a second
    monkeypatch.setenv("KAM_EXPORT_POLL_SECONDS", "0.2")
    warehouse = tmp_path / "kam.duckdb"

    result = CliRunner().invoke(cli, [
        "run", "--input", str(sample_export), "--month", "2026-12", "--wait-for-export",
        "--out", str(tmp_path / "out"), "--warehouse", str(warehouse), "--notify", BLOCKS[0],
    ])

    assert result.exit_code == 1, result.output
    assert "not complete after waiting" in result.output
    [posted] = webhook.take()
    assert posted["subject"] == "kam 2026-12: run failed"
    assert "orders end 2026-10-31, before 2026-12-24" in posted["text"]
    assert "run id: not derived" in posted["text"]
    [record] = read_history(warehouse)
    assert (record.status, record.stage) == ("failed", "extract")
    assert not (tmp_path / "out" / "2026-12").exists()
    assert "not complete" in _artifact("kam-run-2026-12").data


def test_an_s3_export_published_to_s3_with_artifacts_and_an_announcement(
    sample_export, s3_bucket, tmp_path, notify_blocks
):
    webhook, _ = notify_blocks
    upload_folder(sample_export, s3_bucket, "crm/2026-10")
    settings = Settings.load(
        input_dir=f"s3://{s3_bucket}/crm/2026-10/", month=MONTH,
        out_dir=f"s3://{s3_bucket}/reviews", warehouse=tmp_path / "warehouse" / "kam.duckdb",
        notify_blocks=[BLOCKS[0]], notify_on_success=True,
    )

    result = monthly_account_review(settings)

    # Same bytes, same run id as the local export.
    local_run_id = derive_run_id(run_fingerprint(sample_export),
                                 settings.for_month().fingerprint_fields())
    assert result.run_id == local_run_id
    s3 = boto3.client("s3")
    manifest = json.loads(s3.get_object(Bucket=s3_bucket, Key=f"reviews/{MONTH}/manifest.json")
                          ["Body"].read())
    assert manifest["run_id"] == local_run_id
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket, Prefix=f"reviews/{MONTH}/",
                                                 MaxKeys=1000)["Contents"]}
    assert {f"reviews/{MONTH}/{f['path']}" for f in manifest["files"]} <= keys
    reviews = [f for f in manifest["files"] if f["kind"] == "account_review"]
    assert len(reviews) == result.accounts_reviewed > 0

    month_url = f"s3://{s3_bucket}/reviews/{MONTH}/"
    summary = _artifact(f"kam-run-{MONTH}").data
    assert f"`{local_run_id}`" in summary
    assert f"**Reviews published:** {result.accounts_reviewed} in {month_url}" in summary
    assert "**Data quality:** passed" in summary
    assert "| orders | yes |" in summary
    assert month_url in _artifact(f"kam-month-{MONTH}").data

    nodes = _table(f"kam-dbt-nodes-{MONTH}")
    # Complete: every model the project materialises is there (ephemeral ones are inlined
    # into others and never run as nodes), with its tests and snapshots.
    models = {f"model.kam.{p.stem}" for p in (DBT_PROJECT_DIR / "models").rglob("*")
              if p.suffix in {".sql", ".py"} and "ephemeral" not in p.read_text()}
    assert {n["node"] for n in nodes if n["type"] == "model"} == models
    assert {n["type"] for n in nodes} >= {"model", "test", "snapshot"}
    assert {n["status"] for n in nodes} <= {"success", "pass", "warn"}
    tier = next(n for n in nodes if n["node"] == "model.kam.account_tier")
    assert tier["seconds"] > 0

    [posted] = webhook.take()
    assert posted["subject"] == f"kam {MONTH}: {result.accounts_reviewed} reviews published"
    assert f"run id: {local_run_id}" in posted["text"] and month_url in posted["text"]
    [record] = read_history(settings.warehouse)
    assert (record.status, record.run_id, record.reviews) == (
        "success", local_run_id, result.accounts_reviewed)
