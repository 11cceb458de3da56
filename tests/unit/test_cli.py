"""The command line: every command documented, bad usage exits 2 with one line."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from prefect.settings import (
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    temporary_settings,
)

import kam.cli
from kam.cli import cli

README = (Path(__file__).parents[2] / "README.md").read_text()
COMMANDS = sorted(cli.commands)


def test_the_documented_commands_exist():
    assert {"demo", "run", "backfill", "validate", "generate", "report"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert cli.commands[name].help, f"{name} has no help text"
    assert f"`kam {name}" in README, f"README does not document kam {name}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--input", ".", "--month", "2026-13"], "not YYYY-MM"),
        (["run", "--input", "/no/such/folder", "--month", "2026-10"], "does not exist"),
        (["run", "--input", ".", "--until", "lunch"], "'lunch' is not one of"),
        (["backfill", "--input", ".", "--from", "2026-10", "--to", "2026-09"], "after"),
        (["generate", "--accounts", "0"], "0 is not in the range"),
    ],
)
def test_bad_usage_exits_2_naming_the_option(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_setting_in_environment_exits_2(monkeypatch, tmp_path):
    monkeypatch.setenv("KAM_TIMEZONE", "Mars/Olympus")
    result = CliRunner().invoke(cli, ["run", "--input", str(tmp_path), "--month", "2026-10"])
    assert result.exit_code == 2
    assert "unknown timezone 'Mars/Olympus'" in result.output


def test_expected_failures_are_logged_without_a_traceback():
    import logging

    from kam.errors import DataQualityError, without_expected_tracebacks

    factory = without_expected_tracebacks(logging.LogRecord)

    def record_for(exc: BaseException) -> logging.LogRecord:
        try:
            raise exc
        except BaseException:
            import sys

            return factory("prefect", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    assert record_for(DataQualityError("orders.csv line 2, column amount")).exc_info is None
    assert record_for(ValueError("unexpected")).exc_info is not None


def _prefect_settings_seen_by_a_command(monkeypatch) -> tuple[float, bool]:
    seen = {}

    def command(**_):
        seen["timeout"] = PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        seen["analytics"] = PREFECT_SERVER_ANALYTICS_ENABLED.value()
        raise SystemExit(0)

    monkeypatch.setattr(kam.cli, "cli", command)
    with pytest.raises(SystemExit):
        kam.cli.main()
    return seen["timeout"], seen["analytics"]


def test_prefect_gets_a_patient_server_start_up_and_no_analytics(monkeypatch):
    # Prefect has read its environment at import, long before main() runs.
    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    monkeypatch.delenv("PREFECT_SERVER_ANALYTICS_ENABLED", raising=False)
    assert _prefect_settings_seen_by_a_command(monkeypatch) == (120, False)


def test_the_users_own_prefect_environment_wins(monkeypatch):
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "45")
    monkeypatch.delenv("PREFECT_SERVER_ANALYTICS_ENABLED", raising=False)
    with temporary_settings(updates={PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 45}):
        assert _prefect_settings_seen_by_a_command(monkeypatch)[0] == 45
