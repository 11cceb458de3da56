"""Shared test set-up: Prefect and kam's cache isolated from the user's home, analytics off."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from loopback import free_port

# Set before Prefect is imported anywhere: an isolated home and no telemetry.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="kam-prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# One cache for the session, shared by every run (and `kam` subprocess) the tests start.
os.environ["KAM_CACHE_DIR"] = tempfile.mkdtemp(prefix="kam-cache-")

E2E_MONTH = "2026-10"


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test harness (a temporary API server) for the whole session, started by
    the first test that needs one."""
    from prefect.testing.utilities import prefect_test_harness

    # The default 30 s start-up timeout has been too short on slow machines; a machine
    # shared by several builds can need longer still (KAM_TEST_PREFECT_STARTUP_SECONDS).
    timeout = int(os.environ.get("KAM_TEST_PREFECT_STARTUP_SECONDS", "180"))
    with prefect_test_harness(server_startup_timeout=timeout):
        yield


@pytest.fixture(scope="session")
def sample_export(tmp_path_factory) -> Path:
    """A small generated export (60 accounts, 24 months to 2026-10), made once per session."""
    from kam.generate import generate_export
    from kam.month import Month

    folder = tmp_path_factory.mktemp("export")
    generate_export(folder, accounts=60, months=24, seed=7, end_month=Month.parse(E2E_MONTH))
    return folder


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API on loopback (moto's server), with the standard AWS variables pointing at
    it for the whole session; stopped at the end."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    names = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
             "AWS_DEFAULT_REGION")
    before = {name: os.environ.get(name) for name in names}
    os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "kam-test",
                       "AWS_SECRET_ACCESS_KEY": "kam-test-secret",
                       "AWS_DEFAULT_REGION": "eu-west-1"})
    try:
        yield endpoint
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, request) -> str:
    """A new, empty bucket on the loopback S3; returns its name."""
    import re

    import boto3

    name = re.sub(r"[^a-z0-9-]", "-", f"kam-{request.node.name.lower()}")[:50].strip("-")
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-1").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return name

