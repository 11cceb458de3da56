"""`kam profiles new` writes a starting profile from an unknown CRM's headers, and the
export loads with it; `kam run` prints what became of every row."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import duckdb
from click.testing import CliRunner
from rich.console import Console

import kam.cli
from flows.monthly_review import RunResult
from kam.cli import cli
from kam.extract.landing import extract_export

# An export of a CRM no built-in profile knows: its own file names and wording.
UNKNOWN_CRM = {
    "Customers.csv": "Customer No,Customer Name,Sector,Country,Account Manager,Created Date,"
                     "Fax\nC1,Acme,Retail,US,S1,2025-01-02,555\nC2,Beta,Energy,DE,S1,"
                     "2025-02-03,\n",
    "Staff.csv": "Staff ID,First Name,Last Name,E-mail,Team\nS1,Ann,Lee,ann@example.com,East\n",
    "Sales.csv": "Deal No,Customer No,Close Date,Amount,Currency,Probability\n"
                 "D1,C1,2026-01-05,100.50,USD,100\nD2,C2,2026-02-05,20,EUR,90\n",
}


def write(folder: Path) -> Path:
    folder.mkdir()
    for name, text in UNKNOWN_CRM.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_profile_written_for_an_unknown_crm_loads_its_export(tmp_path: Path) -> None:
    export = write(tmp_path / "export")
    out = tmp_path / "acme-crm.yaml"
    result = CliRunner().invoke(cli, ["profiles", "new", "--input", str(export),
                                      "--out", str(out), "--name", "acme-crm"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert '      account_id: ["Customer No"]' in text  # customer = account, no = id
    assert '      account_manager_id: ["Account Manager"]' in text
    assert '      order_id: ["Deal No"]' in text  # deal = order
    assert '      name: {join: ["First Name", "Last Name"], separator: " "}' in text
    assert '      email: ["E-mail"]' in text
    assert '    #   "Fax"' in text and '    #   "Sector"' in text  # unmatched, as comments
    assert '    #   "Probability"' in text
    warehouse = tmp_path / "w.duckdb"
    summary = extract_export(export, warehouse, run_id="r", profile=out)
    assert summary.profile == "acme-crm" and summary.quarantined == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select account_id, account_name, account_manager_id "
                           "from raw.accounts order by 1").fetchall() == [
            ("C1", "Acme", "S1"), ("C2", "Beta", "S1")]
        assert con.execute("select manager_id, name, email from raw.account_managers"
                           ).fetchall() == [("S1", "Ann Lee", "ann@example.com")]
        assert con.execute("select order_id, account_id, amount, currency from raw.orders "
                           "order by 1").fetchall() == [
            ("D1", "C1", Decimal("100.5000"), "USD"), ("D2", "C2", Decimal("20.0000"), "EUR")]


def test_profiles_new_prints_the_profile_without_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["profiles", "new", "--input", str(write(tmp_path / "e"))])
    assert result.exit_code == 0, result.output
    assert "name: my-crm\n" in result.output and "  orders:\n" in result.output


def test_run_prints_every_table_s_rows(tmp_path: Path, monkeypatch) -> None:
    """The command line prints the extract summary the flow returns, nothing computed."""
    export = write(tmp_path / "export")
    profile = tmp_path / "acme.yaml"
    CliRunner().invoke(cli, ["profiles", "new", "--input", str(export), "--out", str(profile)])
    summary = extract_export(export, tmp_path / "w.duckdb", run_id="r", profile=profile)
    printed = io.StringIO()
    monkeypatch.setattr(kam.cli, "out", Console(file=printed, width=200, highlight=False))
    kam.cli._print_result(RunResult(month="2026-02", run_id="r", stopped_after="extract",
                                    extracted=summary))
    lines = printed.getvalue().splitlines()
    assert lines[:4] == [
        "rows per table (profile my-crm):",
        "  accounts: 2 read = 2 landed + 0 filtered + 0 quarantined + 0 deduplicated",
        "  account_managers: 1 read = 1 landed + 0 filtered + 0 quarantined + 0 deduplicated",
        "  orders: 2 read = 2 landed + 0 filtered + 0 quarantined + 0 deduplicated; "
        "not provided: cost",
    ]
    assert "  tickets: not provided" in lines
