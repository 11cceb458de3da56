from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from flows.config import RunConfig, Settings, Stage, last_complete_month, month_range


def test_last_complete_month_is_taken_in_the_configured_timezone():
    # 2026-11-30 20:00 UTC is already 1 December in Shanghai.
    now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    assert last_complete_month("UTC", now) == "2026-10"
    assert last_complete_month("Asia/Shanghai", now) == "2026-11"


def test_last_complete_month_crosses_the_year():
    assert last_complete_month("UTC", datetime(2027, 1, 5, tzinfo=UTC)) == "2026-12"


def test_month_range_is_inclusive_and_ordered():
    assert month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_range("2026-10", "2026-10") == ["2026-10"]
    with pytest.raises(ValueError, match="after"):
        month_range("2026-10", "2026-09")


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-10", "2026/10", ""])
def test_month_must_be_yyyy_mm(bad):
    with pytest.raises(ValidationError, match="not YYYY-MM"):
        RunConfig(input_dir="x", month=bad)


def test_flags_win_over_environment_which_wins_over_config_file(tmp_path, monkeypatch):
    config_file = tmp_path / "kam.toml"
    config_file.write_text('timezone = "Europe/Berlin"\nlocale = "zh-CN"\nprofile = "zoho"\n')
    monkeypatch.setenv("KAM_CONFIG", str(config_file))
    monkeypatch.setenv("KAM_LOCALE", "en")
    settings = Settings()
    assert settings.timezone == "Europe/Berlin"  # from the file
    assert settings.locale == "en"  # environment beats file
    config = RunConfig.from_settings(
        settings, input_dir="x", month="2026-10", profile="hubspot", locale=None
    )
    assert config.profile == "hubspot"  # flag beats file
    assert config.locale == "en"  # flag not given: setting stands


def test_unknown_timezone_is_rejected(monkeypatch):
    monkeypatch.setenv("KAM_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="unknown timezone"):
        Settings()


def test_fingerprint_ignores_paths_but_not_results_relevant_settings():
    a = RunConfig(input_dir="a", month="2026-10", out_dir="o1", until=Stage.transform)
    b = RunConfig(input_dir="b", month="2026-10", out_dir="o2")
    c = RunConfig(input_dir="a", month="2026-10", locale="zh-CN")
    assert a.fingerprint_fields() == b.fingerprint_fields()
    assert a.fingerprint_fields() != c.fingerprint_fields()


def test_month_defaults_to_last_complete_month():
    config = RunConfig(input_dir="x")
    assert config.reporting_month == last_complete_month("UTC")


@pytest.mark.parametrize(
    ("month", "end"),
    [("2026-10", "2026-10-31"), ("2024-02", "2024-02-29"), ("2026-12", "2026-12-31")],
)
def test_month_end(month, end):
    from flows.config import month_end

    assert month_end(month).isoformat() == end
