"""Shared test set-up: Prefect isolated from the user's home, analytics off."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before Prefect is imported anywhere: an isolated home and no telemetry.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="kam-prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

E2E_MONTH = "2026-10"


@pytest.fixture(scope="session")
def sample_export(tmp_path_factory) -> Path:
    """A small generated export (60 accounts, 24 months to 2026-10), made once per session."""
    from kam.generate import generate_export
    from kam.month import Month

    folder = tmp_path_factory.mktemp("export")
    generate_export(folder, accounts=60, months=24, seed=7, end_month=Month.parse(E2E_MONTH))
    return folder
