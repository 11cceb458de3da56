"""End-to-end fixtures: one Prefect test harness per session and a generated export."""

from __future__ import annotations

from pathlib import Path

import pytest

E2E_MONTH = "2026-10"


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    # The default 30 s start-up timeout has been too short on slow machines.
    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def sample_export(tmp_path_factory) -> Path:
    from flows.generate import generate_export

    folder = tmp_path_factory.mktemp("export")
    generate_export(folder, accounts=60, months=24, seed=7, end_month=E2E_MONTH)
    return folder
