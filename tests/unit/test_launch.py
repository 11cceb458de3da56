"""The entry point starts Prefect's temporary API server while the command line imports,
only for the commands that run a flow, and waits for it before any command runs."""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from types import SimpleNamespace

import pytest

from kam import cli, launch
from kam.errors import PipelineError


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
    """Run the entry point on `argv` with a stand-in command line and server; the
    environment it sees (and sets defaults in) is `environ`, a copy of the test's."""
    events: list[str] = []
    environ = environ if environ is not None else {}

    class StandInServer:
        api_url = "http://127.0.0.1:1234/api"

        def __init__(self, server_environ):
            events.append("server start")
            assert "PREFECT_API_URL" not in server_environ

        def wait_until_ready(self, timeout):
            events.append(f"server ready within {timeout:g} s")

        def stop(self):
            pass

    def cli_main(before_flows=None):
        events.append("imports done")
        events.append(f"api {environ.get('PREFECT_API_URL')}")
        if before_flows is not None:
            before_flows()
        events.append("command runs")

    def import_module(name):
        if name != "kam.cli":
            events.append(f"load {name}")
            return SimpleNamespace()
        events.append("import kam.cli")
        return SimpleNamespace(main=cli_main)

    monkeypatch.setattr(launch.atexit, "register",
                        lambda handler: events.append(f"at exit {handler.__name__}"))
    monkeypatch.setattr(launch, "TemporaryApiServer", StandInServer)
    monkeypatch.setattr(launch.importlib, "import_module", import_module)
    monkeypatch.setattr(launch.sys, "argv", ["kam", *argv])
    monkeypatch.setattr(launch.os, "environ", environ)
    launch.main()
    return events


def _stacks_loaded(events: list[str]) -> tuple[list[str], set[str]]:
    """The events but the stack loader's, and the modules it loaded, each before the
    command ran (the loader runs on its own thread, so only that order is fixed)."""
    loads = [event for event in events if event.startswith("load ")]
    assert all(events.index(load) < events.index("command runs") for load in loads)
    return [e for e in events if e not in loads], {load.removeprefix("load ") for load in loads}


def test_a_run_waits_for_the_server_started_before_the_imports(monkeypatch):
    events, loaded = _stacks_loaded(_launch(monkeypatch, ["run", "--month", "2026-10"]))
    assert events == [
        "at exit freeze", "server start", "at exit stop", "import kam.cli", "imports done",
        "api http://127.0.0.1:1234/api", "server ready within 120 s", "command runs"]
    assert loaded == {"kam.validate.validation", "kam.transform.dbt"}


def test_a_validation_loads_great_expectations_but_not_dbt_while_the_server_starts(
    monkeypatch,
):
    _, loaded = _stacks_loaded(_launch(monkeypatch, ["validate", "--input", "x"]))
    assert loaded == {"kam.validate.validation"}


def test_another_command_starts_no_server(monkeypatch):
    assert _launch(monkeypatch, ["generate", "--out", "x"]) == [
        "at exit freeze", "import kam.cli", "imports done", "api None", "command runs"]


def test_a_stack_that_fails_to_load_is_left_for_its_user_to_report(monkeypatch):
    tried = []

    def failing_import(name):
        tried.append(name)
        raise ImportError(f"no module named {name}")

    monkeypatch.setattr(launch.importlib, "import_module", failing_import)
    launch.StackLoader(("kam.missing_one", "kam.missing_two")).join()
    assert tried == ["kam.missing_one", "kam.missing_two"]


def test_a_configured_api_starts_no_server(monkeypatch):
    events = _launch(monkeypatch, ["run"], {"PREFECT_API_URL": "http://prefect:4200/api"})
    assert "server start" not in events


def test_prefect_gets_a_patient_start_up_and_no_analytics_unless_the_user_says(monkeypatch):
    environ = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "45"}
    _launch(monkeypatch, ["generate"], environ)
    assert environ == {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "45",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def test_the_temporary_server_serves_prefects_api_until_stopped(tmp_path):
    server = launch.TemporaryApiServer({**os.environ, "PREFECT_HOME": str(tmp_path)})
    try:
        server.wait_until_ready(timeout=120)
        with urllib.request.urlopen(f"{server.api_url}/health", timeout=10) as answer:
            assert json.load(answer) is True
    finally:
        server.stop()
    assert server.process.returncode is not None
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server.api_url}/health", timeout=10)


def test_a_server_that_cannot_start_is_reported_with_its_reason(monkeypatch, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(launch, "_free_port", lambda: taken.getsockname()[1])
        server = launch.TemporaryApiServer({**os.environ, "PREFECT_HOME": str(tmp_path)})
        try:
            with pytest.raises(PipelineError, match="ended with exit status"):
                server.wait_until_ready(timeout=120)
        finally:
            server.stop()


def test_a_server_that_never_came_up_ends_the_command_in_one_line(capsys):
    def not_ready():
        raise PipelineError("Prefect's temporary API server ended with exit status 3",
                            hint="nothing ran")

    with pytest.raises(SystemExit) as ended:
        cli.main(before_flows=not_ready)
    assert ended.value.code == 1
    assert capsys.readouterr().err == (
        "error: Prefect's temporary API server ended with exit status 3 (nothing ran)\n")
