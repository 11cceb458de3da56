from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from flows.monthly_review import monthly_account_review
from kam.month import Month
from kam.settings import Settings, Stage


def test_flags_win_over_environment_which_wins_over_config_file(tmp_path, monkeypatch):
    config_file = tmp_path / "kam.toml"
    config_file.write_text('timezone = "Europe/Berlin"\nlocale = "zh-CN"\nprofile = "zoho"\n')
    monkeypatch.setenv("KAM_CONFIG", str(config_file))
    monkeypatch.setenv("KAM_LOCALE", "en")
    settings = Settings.load(input_dir="x", month="2026-10", profile="hubspot", locale=None)
    assert settings.timezone == "Europe/Berlin"  # from the file
    assert settings.locale == "en"  # environment beats file; the flag was not given
    assert settings.profile == "hubspot"  # flag beats file
    assert settings.month == Month(2026, 10)


def test_deployment_parameters_get_the_environment_and_config_file_too(tmp_path, monkeypatch):
    # Prefect validates a deployment's parameters into the flow's Settings argument.
    config_file = tmp_path / "kam.toml"
    config_file.write_text('timezone = "Asia/Shanghai"\n')
    monkeypatch.setenv("KAM_CONFIG", str(config_file))
    monkeypatch.setenv("KAM_LOCALE", "zh-CN")
    settings = monthly_account_review.validate_parameters(
        {"settings": {"input_dir": "x", "locale": "en"}}
    )["settings"]
    assert (settings.timezone, settings.locale) == ("Asia/Shanghai", "en")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "unknown timezone"),
        ("timezone", "Not/AZone", "unknown timezone"),
        ("reporting_currency", "EUR' || read_text('/etc/passwd') || '", "ISO 4217"),
        ("reporting_currency", "eur", "ISO 4217"),
        ("profile", "../../etc/passwd", "profile name"),
        ("month", "2026-10\n", "not YYYY-MM"),
        ("month", "2026-13", "not YYYY-MM"),
        ("report_tiers", [], "at least 1"),
        ("max_volume_drop", 1.5, "less than or equal"),
    ],
)
def test_every_source_gets_the_same_validation(field, value, message, monkeypatch):
    with pytest.raises(ValidationError, match=message):
        Settings.load(**{field: value})
    with pytest.raises(ValidationError, match=message):
        Settings.model_validate({field: value})  # a deployment's parameters
    if isinstance(value, str):
        monkeypatch.setenv(f"KAM_{field.upper()}", value)
        with pytest.raises(ValidationError, match=message):
            Settings()


def test_unknown_settings_are_refused(tmp_path, monkeypatch):
    config_file = tmp_path / "kam.toml"
    config_file.write_text('time_zone = "UTC"\n')
    monkeypatch.setenv("KAM_CONFIG", str(config_file))
    with pytest.raises(ValidationError, match="time_zone"):
        Settings()


def test_fingerprint_ignores_paths_but_not_results_relevant_settings():
    a = Settings.load(input_dir="a", month="2026-10", out_dir="o1", until=Stage.transform)
    b = Settings.load(input_dir="b", month="2026-10", out_dir="o2")
    c = Settings.load(input_dir="a", month="2026-10", locale="zh-CN")
    assert a.fingerprint_fields() == b.fingerprint_fields()
    assert a.fingerprint_fields() != c.fingerprint_fields()


def test_the_month_is_resolved_once_and_then_frozen():
    unresolved = Settings.load(input_dir="x", timezone="Asia/Shanghai")
    with pytest.raises(RuntimeError, match="not resolved"):
        _ = unresolved.reporting_month
    resolved = unresolved.for_month()
    assert resolved.reporting_month == Month.last_complete("Asia/Shanghai")
    with pytest.raises(ValidationError, match="frozen"):
        resolved.month = Month(2020, 1)
    assert resolved.for_month().month == resolved.month


def test_stage_order():
    assert Stage.transform.stops_by(Stage.report)
    assert Stage.transform.stops_by(Stage.transform)
    assert not Stage.transform.stops_by(Stage.validate)


def test_settings_round_trip_through_json_as_prefect_stores_parameters():
    settings = Settings.load(input_dir="x", month="2026-02", report_tiers=["strategic"])
    again = Settings.model_validate_json(settings.model_dump_json())
    assert again == settings
    schema = Settings.model_json_schema()
    assert schema["properties"]["month"]["anyOf"][0]["pattern"].startswith("^[0-9]{4}")


def test_last_complete_month_is_taken_in_the_configured_timezone():
    # 2026-11-30 20:00 UTC is already 1 December in Shanghai.
    now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    assert Month.last_complete("UTC", now) == Month(2026, 10)
    assert Month.last_complete("Asia/Shanghai", now) == Month(2026, 11)


def test_where_reviews_render_is_not_part_of_the_run_id(monkeypatch):
    local = Settings.load(input_dir="a", month="2026-10")
    monkeypatch.setenv("KAM_RENDER_RUNNER", "dask")
    monkeypatch.setenv("KAM_RENDER_CLUSTER_ADDRESS", "tcp://scheduler:8786")
    monkeypatch.setenv("KAM_RENDER_WORKERS", "4")
    cluster = Settings.load(input_dir="a", month="2026-10")
    assert (cluster.render_runner, cluster.render_cluster_address, cluster.render_workers) == (
        "dask", "tcp://scheduler:8786", 4)
    assert local.render_runner == "process"
    assert local.fingerprint_fields() == cluster.fingerprint_fields()
    with pytest.raises(ValidationError, match="render_runner"):
        Settings.load(render_runner="spark")
