"""Every failure the extract step can stop with, checked word for word."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kam.errors import DataQualityError, UsageError
from kam.extract.landing import extract_export

ACCOUNTS = "account_id,account_name,account_manager_id,created_at\nA1,Acme,M1,2025-01-02\n"
MANAGERS = "manager_id,name,email\nM1,Ann,ann@example.com\n"
ORDERS = "order_id,account_id,order_date,amount,currency\nO1,A1,2026-01-02,10.00,USD\n"


def export(folder: Path, **files: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"accounts.csv": ACCOUNTS, "account_managers.csv": MANAGERS,
                "orders.csv": ORDERS, **files}
    for name, content in contents.items():
        if content is None:
            continue
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def failure(folder: Path, profile: str = "canonical", **kw) -> str:
    with pytest.raises((DataQualityError, UsageError)) as raised:
        extract_export(folder, folder.parent / "w.duckdb", run_id="r", profile=profile, **kw)
    return raised.value.one_line()


def test_empty_file(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", **{"orders.csv": ""})
    assert failure(folder) == ("orders.csv: file is empty (0 bytes of data) "
                               "(export it again or remove it from the folder)")


def test_header_only_file(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", **{"orders.csv": ORDERS.splitlines()[0] + "\n"})
    assert failure(folder) == ("orders.csv: has a header but no data rows (orders is "
                               "required) (export it again with the data)")


def test_header_only_optional_file_lands_empty(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", **{"surveys.csv": "response_id,account_id,submitted_at,"
                                                      "survey_type,score\n"})
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="r")
    assert summary.table("surveys").provided and summary.table("surveys").rows == 0


def test_unknown_profile(tmp_path: Path) -> None:
    folder = export(tmp_path / "e")
    assert failure(folder, profile="sap") == (
        "unknown profile 'sap'; built-in profiles: canonical, fxiaoke, hubspot, salesforce, "
        "zoho (or pass a path to a .yaml file)")


def test_corrupt_xlsx(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", **{"orders.csv": None,
                                      "orders.xlsx": b"PK\x03\x04 this is not a workbook"})
    message = failure(folder)
    assert message.startswith("orders.xlsx: not a readable Excel workbook (corrupt or not "
                              "XLSX/XLS): ")
    assert message.endswith("(open it in Excel and save it again, or export CSV)")


def test_corrupt_zip(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", **{"export.zip": b"not a zip"})
    assert failure(folder) == ("export.zip: not a readable ZIP archive (corrupt or truncated) "
                               "(export the files again)")


def test_missing_required_column_of_a_vendor_export(tmp_path: Path) -> None:
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "Opportunity.csv").write_text("Id,AccountId,Amout,CloseDate,IsWon\n")
    (folder / "Account.csv").write_text("Id,Name,OwnerId,CreatedDate\n1,A,U,2025-01-01\n")
    (folder / "User.csv").write_text("Id,Name,Email\nU,Ann,a@x\n")
    assert failure(folder, profile="salesforce") == (
        "Opportunity.csv: required column 'amount' (looked for: Amount) not found; columns "
        "found: Id, AccountId, Amout, CloseDate, IsWon; closest match: 'Amout' "
        "(rename the column or map it in the profile)")


def test_missing_required_file_of_a_vendor_export(tmp_path: Path) -> None:
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "Acount.csv").write_text("Id\n")
    assert failure(folder, profile="salesforce") == (
        f"accounts (Account.csv, Account[-_ (]*.csv, Account.xlsx, Account[-_ (]*.xlsx): "
        f"required file not found in {folder}; files found: Acount.csv; closest match: "
        "'Acount.csv' "
        "(add the file or map it in the profile)")


def test_missing_filter_column(tmp_path: Path) -> None:
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "Account.csv").write_text("Id,Name,OwnerId,CreatedDate\n1,A,U,2025-01-01\n")
    (folder / "User.csv").write_text("Id,Name,Email\nU,Ann,a@x\n")
    (folder / "Opportunity.csv").write_text(
        "Id,AccountId,Amount,CloseDate,CurrencyIsoCode,Won_Flag\n1,1,5,2026-01-01,USD,1\n")
    assert failure(folder, profile="salesforce") == (
        "Opportunity.csv: column 'IsWon' needed to select rows (looked for: Won) not found; "
        "columns found: Id, AccountId, Amount, CloseDate, CurrencyIsoCode, Won_Flag; "
        "closest match: 'Won_Flag' (rename the column or map it in the profile)")


def test_user_profile_errors(tmp_path: Path) -> None:
    folder = export(tmp_path / "e")
    assert failure(folder, profile=str(tmp_path / "mine.yaml")) == (
        f"profile file not found: {tmp_path / 'mine.yaml'}")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: mine\ntables:\n  orderz:\n    files: [o.csv]\n")
    assert failure(folder, profile=str(bad)) == (
        f"profile {bad}: tables: Value error, unknown table 'orderz'; canonical tables: "
        "accounts, account_managers, orders, tickets, surveys, interactions, contracts, "
        "fx_rates")


def test_undecodable_file(tmp_path: Path) -> None:
    bad = export(tmp_path / "f", **{"orders.csv": b"order_id\n\x81\x30\xff\xff\n"})
    assert failure(bad) == ("orders.csv: cannot detect the text encoding (not UTF-8, UTF-16, "
                            "GB18030, EUC-KR or Shift-JIS) (save it as UTF-8 CSV or set its "
                            "table's formats.encoding in the profile (or formats.encoding for "
                            "every file), for example cp1252)")


def test_western_single_byte_text_is_not_taken_for_chinese(tmp_path: Path) -> None:
    latin = ACCOUNTS.replace("Acme", "Müller Bäckerei Société").encode("cp1252")
    folder = export(tmp_path / "e", **{"accounts.csv": latin})
    assert failure(folder).startswith("accounts.csv: cannot detect the text encoding")


def test_nothing_is_written_when_a_file_is_bad(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", **{"orders.csv": ""})
    with pytest.raises(DataQualityError):
        extract_export(folder, tmp_path / "w.duckdb", run_id="r")
    assert not (tmp_path / "w.duckdb").exists()
    good = export(tmp_path / "g")
    extract_export(good, tmp_path / "w.duckdb", run_id="r1")
    with pytest.raises(DataQualityError):
        extract_export(folder, tmp_path / "w.duckdb", run_id="r2")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select distinct run_id from audit.load_manifest").fetchall() == [
            ("r1",)]


def test_missing_sheet_names_the_sheets_found(tmp_path: Path) -> None:
    import openpyxl

    folder = export(tmp_path / "e", **{"orders.csv": None})
    workbook = openpyxl.Workbook()
    workbook.active.title = "Orders 2026"
    workbook.save(folder / "orders.xlsx")
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\ntables:\n  orders:\n    files: [orders.xlsx]\n"
                       "    sheet: Orders\n", encoding="utf-8")
    assert failure(folder, profile=str(profile)) == (
        "orders.xlsx: sheet 'Orders' not found; sheets found: Orders 2026; closest match: "
        "'Orders 2026' (set the table's sheet in the profile)")


def test_report_title_lines_above_the_header(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", **{"orders.csv": "Opportunity report\nAs of 2026-10-31\n"
                                                     + ORDERS})
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\ntables:\n  orders:\n    files: [orders.csv]\n"
                       "    header_row: 3\n", encoding="utf-8")
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="r", profile=str(profile))
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select order_id, _source_line from raw.orders").fetchall() == [
            ("O1", 4)]
    assert summary.table("orders").rows == 1
