"""Values that reach SQL or a file name arrive by every path: flag, environment, kam.toml,
deployment parameter, profile YAML, file name. Each path gets an injection here; settings
are refused with exit 2, data lands verbatim as data."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner
from prefect.exceptions import ParameterTypeError
from tiny_export import export

from flows.monthly_review import monthly_account_review
from kam.cli import cli
from kam.errors import UsageError
from kam.extract.landing import extract_export
from kam.extract.profile import load_profile

INJECTION = "EUR' || read_text('/etc/passwd') || '"


# ---- settings: flag, environment, kam.toml, deployment parameter --------------------------

RUN_COMMANDS = [
    ["run", "--month", "2026-10"],
    ["backfill", "--from", "2026-09", "--to", "2026-10"],
]


@pytest.mark.parametrize("command", RUN_COMMANDS, ids=lambda c: c[0])
def test_an_injected_currency_flag_exits_2(command, tmp_path):
    result = CliRunner().invoke(cli, [*command, "--input", str(tmp_path),
                                      "--reporting-currency", INJECTION])
    assert result.exit_code == 2, result.output
    assert "is not an ISO 4217 code" in result.output


@pytest.mark.parametrize("command", [*RUN_COMMANDS, ["validate", "--month", "2026-10"]],
                         ids=lambda c: c[0])
@pytest.mark.parametrize("zone", ["Not/AZone", "UTC'; select 1; --", "../../etc/passwd"])
def test_a_bad_timezone_flag_exits_2_in_every_command(command, zone, tmp_path):
    result = CliRunner().invoke(cli, [*command, "--input", str(tmp_path), "--timezone", zone])
    assert result.exit_code == 2, result.output
    assert "unknown timezone" in result.output


@pytest.mark.parametrize("command", [
    *RUN_COMMANDS, ["validate", "--month", "2026-10"], ["profiles", "check"],
], ids=lambda c: c[0])
def test_a_bad_timezone_in_the_environment_exits_2_in_every_command(command, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("KAM_TIMEZONE", "Not/AZone")
    result = CliRunner().invoke(cli, [*command, "--input", str(tmp_path)])
    assert result.exit_code == 2, result.output


def test_a_month_with_a_trailing_newline_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--input", str(tmp_path), "--month", "2026-10\n"])
    assert result.exit_code == 2
    assert "is not YYYY-MM" in result.output


def test_an_injected_currency_in_the_environment_exits_2(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_REPORTING_CURRENCY", INJECTION)
    result = CliRunner().invoke(cli, ["run", "--input", str(tmp_path), "--month", "2026-10"])
    assert result.exit_code == 2
    assert "is not an ISO 4217 code" in result.output


def test_an_injected_currency_in_kam_toml_exits_2(tmp_path, monkeypatch):
    config = tmp_path / "kam.toml"
    config.write_text(f'reporting_currency = "{INJECTION}"\n')
    monkeypatch.setenv("KAM_CONFIG", str(config))
    result = CliRunner().invoke(cli, ["run", "--input", str(tmp_path), "--month", "2026-10"])
    assert result.exit_code == 2
    assert "is not an ISO 4217 code" in result.output


@pytest.mark.parametrize("bad", [
    {"reporting_currency": INJECTION},
    {"timezone": "UTC'; select 1; --"},
    {"month": "2026-10' or 1=1 --"},
    {"report_tiers": ["key' or 1=1 --"]},
    {"profile": "x'; drop table raw.orders; --"},
], ids=lambda b: next(iter(b)))
def test_an_injected_deployment_parameter_is_refused(bad):
    with pytest.raises(ParameterTypeError):
        monthly_account_review.validate_parameters({"settings": {"input_dir": "x", **bad}})


# ---- profile YAML and file names: data, landed verbatim -----------------------------------

QUOTED = "x'); drop table raw.accounts; --"


def test_quotes_in_a_profile_and_a_file_name_land_as_text(tmp_path):
    profile = tmp_path / "hostile.yaml"
    profile.write_text(f"""
name: hostile
tables:
  accounts:
    files: ["accounts*.csv"]
    columns: {{account_name: ["Name \\"'); drop table raw.orders; --"]}}
    constants: {{status: "{QUOTED}"}}
    defaults: {{industry: "{QUOTED}"}}
  orders:
    files: ["orders*.csv"]
    keep_when: [{{columns: [stage], values: ["won'); drop table raw.accounts; --", won]}}]
    values:
      product_line: {{"{QUOTED}": ["widgets'--"]}}
formats:
  date_formats: ["%d.%m.%Y' || read_text('/etc/passwd') || '"]
""")
    folder = export(
        tmp_path / "e",
        **{"accounts.csv": "account_id,\"Name \"\"'); drop table raw.orders; --\","
                           "account_manager_id,created_at\nA1,O'Brien,M1,2025-01-02\n",
           "orders.csv": "order_id,account_id,order_date,amount,currency,stage,product_line\n"
                         "O1,A1,2026-01-02,10.00,USD,won,widgets'--\n"
                         "O2,A1,2026-01-03,5.00,USD,"
                         "won'); drop table raw.accounts; --,x\n"
                         "O3,A1,2026-01-04,1.00,USD,lost,x\n",
           f"orders_{QUOTED}.csv": "order_id,account_id,order_date,amount,currency,stage\n"
                                  "O9,A1,2026-02-01,2.00,USD,won\n"})
    warehouse = tmp_path / "w.duckdb"
    summary = extract_export(folder, warehouse, run_id="r", profile=str(profile))
    assert summary.table("orders").rows == 3
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select account_name, status, industry from raw.accounts"
                           ).fetchall() == [("O'Brien", QUOTED, QUOTED)]
        assert con.execute("select order_id, product_line, _source_file from raw.orders "
                           "order by order_id").fetchall() == [
            ("O1", QUOTED, "orders.csv"), ("O2", "x", "orders.csv"),
            ("O9", None, f"orders_{QUOTED}.csv")]


# ---- profile extends ---------------------------------------------------------------------

def test_a_profile_extends_cycle_is_one_line_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("name: a\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("name: b\nextends: ./a.yaml\n")
    with pytest.raises(UsageError) as raised:
        load_profile("a.yaml")
    assert raised.value.exit_code == 2
    assert raised.value.message == (
        f"profile a.yaml: 'extends' goes round in a circle: {tmp_path / 'a.yaml'} -> "
        f"{tmp_path / 'b.yaml'} -> {tmp_path / 'a.yaml'}")
    result = CliRunner().invoke(cli, ["profiles", "check", "--input", str(tmp_path),
                                      "--profile", "a.yaml"])
    assert result.exit_code == 2
    assert "goes round in a circle" in result.output
