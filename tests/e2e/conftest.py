"""End-to-end fixtures: every flow test shares the session's one Prefect test harness."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _flows_talk_to_the_session_harness(prefect_harness):
    yield
