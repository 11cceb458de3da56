"""End-to-end fixtures: one Prefect test harness per session, shared by every flow test."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    # The default 30 s start-up timeout has been too short on slow machines; a machine
    # shared by several builds can need longer still (KAM_TEST_PREFECT_STARTUP_SECONDS).
    timeout = int(os.environ.get("KAM_TEST_PREFECT_STARTUP_SECONDS", "180"))
    with prefect_test_harness(server_startup_timeout=timeout):
        yield

