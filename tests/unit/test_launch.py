"""The entry point starts Prefect's temporary API server while the command line imports,
only for the commands that run a flow, and waits for it before any command runs."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from kam import launch


@pytest.mark.parametrize(("argv", "expected"), [
    (["run", "--month", "2026-10"], "run"),
    (["--help"], None),
    (["profiles", "check", "--input", "x"], "profiles"),
    ([], None),
])
def test_the_command_is_the_first_word_that_is_not_an_option(argv, expected):
    assert launch.command_of(argv) == expected


@pytest.mark.parametrize(("argv", "environ", "starts"), [
    (["run", "--month", "2026-10"], {}, True),
    (["backfill", "--from", "2026-01", "--to", "2026-03"], {}, True),
    (["demo"], {}, True),
    (["run"], {"PREFECT_API_URL": "http://prefect:4200/api"}, False),
    (["run", "--help"], {}, False),
    (["explain", "--month", "2026-10", "--metric", "nps"], {}, False),
    (["generate", "--out", "x"], {}, False),
    ([], {}, False),
])
def test_only_a_flow_command_without_an_api_starts_the_temporary_server(argv, environ, starts):
    assert launch.starts_a_temporary_api(argv, environ) is starts


def _launch(monkeypatch, argv: list[str], environ: dict[str, str] | None = None) -> list[str]:
    """Run the entry point on `argv` with a stand-in command line and server start; the
    environment it sees (and sets defaults in) is `environ`, a copy of the test's."""
    events: list[str] = []
    started = threading.Event()

    def start_server():
        events.append("server start")
        started.set()

    def cli_main(before_flows=None):
        events.append("imports done")
        if before_flows is not None:
            before_flows()
            assert started.is_set()
        events.append("command runs")

    def import_module(name):
        assert name == "kam.cli"
        events.append("import kam.cli")
        return SimpleNamespace(main=cli_main)

    monkeypatch.setattr(launch.atexit, "register",
                        lambda handler: events.append(f"at exit {handler.__name__}"))
    monkeypatch.setattr(launch, "_start_temporary_api", start_server)
    monkeypatch.setattr(launch.importlib, "import_module", import_module)
    monkeypatch.setattr(launch.sys, "argv", ["kam", *argv])
    monkeypatch.setattr(launch.os, "environ", environ if environ is not None else {})
    launch.main()
    return events


def test_a_run_waits_for_the_server_started_before_the_imports(monkeypatch):
    events = _launch(monkeypatch, ["run", "--month", "2026-10"])
    assert set(events) == {"at exit freeze", "server start", "import kam.cli", "imports done",
                           "command runs"}
    assert events.index("server start") < events.index("command runs")


def test_another_command_starts_no_server(monkeypatch):
    assert _launch(monkeypatch, ["generate", "--out", "x"]) == [
        "at exit freeze", "import kam.cli", "imports done", "command runs"]


def test_a_configured_api_starts_no_server(monkeypatch):
    events = _launch(monkeypatch, ["run"], {"PREFECT_API_URL": "http://prefect:4200/api"})
    assert "server start" not in events


def test_prefect_gets_a_patient_start_up_and_no_analytics_unless_the_user_says(monkeypatch):
    environ = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "45"}
    _launch(monkeypatch, ["generate"], environ)
    assert environ == {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "45",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
