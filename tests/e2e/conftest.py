"""End-to-end fixtures: one Prefect test harness per session, shared by every flow test."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    # The default 30 s start-up timeout has been too short on slow machines.
    with prefect_test_harness(server_startup_timeout=180):
        yield

