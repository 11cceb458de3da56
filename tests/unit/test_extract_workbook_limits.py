"""XLS, XLSB and ODS bombs are refused before calamine opens them, as XLSX ones are.

Each workbook is written byte by byte (tests/crafted_workbooks.py): an ODS row said to
repeat ten million times, an XLS or XLSB sheet declaring more rows than the limit, a cell
at a column calamine would lay a grid out to. Each refusal names the file, the sheet and
the limit, exits 3, and lands nothing; ordinary workbooks of each format are still read.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
from pathlib import Path

import pytest
from crafted_workbooks import ods, ods_package, ods_row, xls, xlsb
from fresh_process import run_measuring_memory

from kam.errors import EXIT_DATA_QUALITY, DataQualityError
from kam.extract.excel import read_excel_text
from kam.extract.landing import extract_export
from kam.extract.limits import InputLimits

ROWS = [["order_id", "account_id", "order_date", "amount", "currency"],
        ["O1", "A1", "2026-01-02", 10.0, "USD"],
        ["O2", "A1", "2026-01-05", 12.5, "USD"]]
ORDERS_ODS_BOMB = ods(ods_row(ROWS[0]) + ods_row(ROWS[1], repeated=10_000_000))
HINT = " (if the export is genuine, raise max_rows (KAM_MAX_ROWS or kam.toml))"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "exports"


def refusal(data: bytes, relative: str, **kwargs) -> str:
    with pytest.raises(DataQualityError) as raised:
        read_excel_text(data, relative, **kwargs)
    assert raised.value.exit_code == EXIT_DATA_QUALITY
    assert "\n" not in raised.value.one_line()
    return raised.value.one_line()


# ---- ODS -------------------------------------------------------------------------------

def test_an_ods_row_repeated_ten_million_times_is_refused():
    assert len(ORDERS_ODS_BOMB) < 2_000
    assert refusal(ORDERS_ODS_BOMB, "orders.ods") == (
        "orders.ods, sheet 'orders': used range of 10,000,001 rows exceeds the limit of "
        "5,000,000 (max_rows)" + HINT)


def test_an_ods_cell_repeated_across_columns_is_refused():
    wide = ('<table:table-row><table:table-cell office:value-type="string" '
            'table:number-columns-repeated="20000"><text:p>x</text:p></table:table-cell>'
            "</table:table-row>")
    assert refusal(ods(ods_row(ROWS[0]) + wide), "orders.ods").startswith(
        "orders.ods, sheet 'orders': used range of 20,000 columns exceeds the limit of 1,000 "
        "(max_columns)")


def test_an_ods_over_the_cell_limit_names_rows_times_columns():
    rows = ods_row(ROWS[0]) + ods_row(ROWS[1], repeated=999)  # 1,000 rows x 5 columns
    assert refusal(ods(rows), "orders.ods", limits=InputLimits(max_cells=4_999)).startswith(
        "orders.ods, sheet 'orders': used range of 1,000 x 5 cells exceeds the limit of 4,999 "
        "(max_cells)")
    assert read_excel_text(ods(rows), "orders.ods",
                           limits=InputLimits(max_cells=5_000)).table.num_rows == 999


def test_blank_rows_and_cells_repeated_to_the_edge_of_the_grid_stretch_nothing():
    # Spreadsheet programs close a sheet with styled blanks repeated to the last row and
    # column; they hold no value, so they are no part of the used range.
    blank_tail = ('<table:table-row table:number-rows-repeated="1048573">'
                  '<table:table-cell table:style-name="ce1" '
                  'table:number-columns-repeated="16384"/></table:table-row>')
    padded = "".join(
        f'<table:table-row>{ods_row(row)[len("<table:table-row>"):-len("</table:table-row>")]}'
        '<table:table-cell table:number-columns-repeated="16379"/></table:table-row>'
        for row in ROWS)
    text = read_excel_text(ods(padded + blank_tail), "orders.ods")
    assert text.headers == ROWS[0]
    assert text.table.column("c3").to_pylist() == ["10", "12.5"]


def test_an_ods_with_a_dtd_is_refused_before_any_entity_expands():
    laughs = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>')
    assert refusal(ods_package(laughs), "orders.ods").startswith(
        "orders.ods: not a readable ODS workbook (content.xml: a DTD in content.xml)")


def _rezip(data: bytes, change) -> bytes:
    """The same ZIP with its parts passed through `change(name, content) -> [(name, content)]`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile's "Duplicate name"
        for info in source.infolist():
            for name, content in change(info.filename, source.read(info)):
                target.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_holding_one_part_twice_is_refused():
    # the reader may take either copy: a harmless content.xml could hide the bomb
    harmless = ods(ROWS)
    with zipfile.ZipFile(io.BytesIO(ORDERS_ODS_BOMB)) as bomb:
        hidden = bomb.read("content.xml")
    twice = _rezip(harmless, lambda name, content: [(name, content)] + (
        [(name, hidden)] if name == "content.xml" else []))
    assert refusal(twice, "orders.ods").startswith(
        "orders.ods: holds two parts named content.xml; which one a reader takes is not "
        "defined, so the workbook is not read")


def test_a_part_that_cannot_be_inflated_is_refused_not_crashed_on():
    data = bytearray(ods(ROWS))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("content.xml")
    method = struct.pack("<H", 99)  # compression method 99 (AES), which no reader here has
    data[info.header_offset + 8:info.header_offset + 10] = method
    # its central directory entry: the last one before the name's last occurrence
    central = bytes(data).rindex(b"PK\x01\x02", 0, bytes(data).rindex(b"content.xml"))
    data[central + 10:central + 12] = method
    assert refusal(bytes(data), "orders.ods").startswith(
        "orders.ods: not a readable workbook (a corrupt, encrypted or oddly compressed part): "
        "NotImplementedError")


# ---- XLS and XLSB ------------------------------------------------------------------------

@pytest.mark.parametrize("build, suffix", [(xls, "xls"), (xlsb, "xlsb")], ids=["xls", "xlsb"])
def test_a_sheet_declaring_more_rows_than_the_limit_is_refused(build, suffix):
    bomb = build(ROWS, dimensions=(10_000_000, 5))
    assert refusal(bomb, f"orders.{suffix}") == (
        f"orders.{suffix}, sheet 'orders': used range of 10,000,000 rows exceeds the limit of "
        "5,000,000 (max_rows)" + HINT)


@pytest.mark.parametrize("build, suffix, column", [(xls, "xls", 65_535),
                                                   (xlsb, "xlsb", 3_999_999_999)],
                         ids=["xls", "xlsb"])
def test_one_far_cell_is_refused_whatever_the_sheet_declares(build, suffix, column):
    bomb = build(ROWS, far_cell=(2, column))
    assert refusal(bomb, f"orders.{suffix}").startswith(
        f"orders.{suffix}, sheet 'orders': used range of {column + 1:,} columns exceeds the "
        "limit of 1,000 (max_columns)")


def test_the_xlsb_scan_keeps_its_place_past_a_record_larger_than_its_buffer():
    # a 4 MB string cell (a record whose size takes four bytes) before the far cell; random
    # hex digits, so the part does not compress past max_zip_ratio
    long_text = random.Random(7).randbytes(1_000_000).hex()
    rows = [ROWS[0], ["O1", "A1", "2026-01-02", 10.0, long_text]]
    assert refusal(xlsb(rows, far_cell=(2, 5_000)), "orders.xlsb").startswith(
        "orders.xlsb, sheet 'orders': used range of 5,001 columns exceeds the limit of 1,000")
    text = read_excel_text(xlsb(rows), "orders.xlsb", limits=InputLimits(max_field_bytes=1 << 22))
    assert text.table.column("c4").to_pylist() == [long_text]


def test_an_xls_dimension_whose_first_row_is_past_its_last_wraps_as_calamine_computes_it():
    # calamine reserves (last - first + 1) rows in 32-bit arithmetic: 0 - 5 + 1 wraps round.
    bomb = xls(ROWS, dimensions=(1, 5), first_row=5)
    assert refusal(bomb, "orders.xls").startswith(
        "orders.xls, sheet 'orders': used range of 4,294,967,292 rows exceeds the limit")


def test_a_corrupt_ole2_container_is_refused_as_unreadable():
    broken = xls(ROWS)[:600]
    assert refusal(broken, "orders.xls").startswith(
        "orders.xls: not a readable Excel workbook (corrupt or not XLSX/XLS)")


# ---- every format: memory, landing, ordinary files -------------------------------------

BOMBS = {  # each aborted the process (exit 134) or took hundreds of MiB before the checks
    "orders.ods": ORDERS_ODS_BOMB,
    "orders.xls": xls(ROWS, dimensions=(0xFFFF_FFFF, 0xFFFF)),
    "orders.xlsb": xlsb(ROWS, far_cell=(3, 4_000_000_000)),
}


def test_bombs_are_refused_in_a_fresh_process_with_bounded_memory(tmp_path):
    for name, data in BOMBS.items():
        (tmp_path / name).write_bytes(data)
    setup = """
        from pathlib import Path
        from kam.errors import DataQualityError
        from kam.extract.excel import read_excel_text
    """
    body = f"""
        result = {{}}
        for name in {sorted(BOMBS)!r}:
            try:
                read_excel_text((Path({str(tmp_path)!r}) / name).read_bytes(), name)
                result[name] = "read"
            except DataQualityError as error:
                result[name] = error.message
    """
    messages, growth_kib = run_measuring_memory(setup, body)
    assert messages == {
        "orders.ods": "orders.ods, sheet 'orders': used range of 10,000,001 rows exceeds the "
                      "limit of 5,000,000 (max_rows)",
        "orders.xls": "orders.xls, sheet 'orders': used range of 65,535 columns exceeds the "
                      "limit of 1,000 (max_columns)",
        "orders.xlsb": "orders.xlsb, sheet 'orders': used range of 4,000,000,001 columns "
                       "exceeds the limit of 1,000 (max_columns)",
    }
    assert growth_kib < 64 * 1024


ACCOUNTS = "account_id,account_name,account_manager_id,created_at\nA1,Acme,M1,2025-01-02\n"
MANAGERS = "manager_id,name,email\nM1,Ann,ann@example.com\n"
PROFILE = """name: workbooks
extends: canonical
tables:
  orders:
    files: [orders.ods, orders.xls, orders.xlsb]
"""


def _export(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir()
    (folder / "accounts.csv").write_text(ACCOUNTS)
    (folder / "account_managers.csv").write_text(MANAGERS)
    (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_refused_workbook_lands_nothing(name, tmp_path):
    profile = tmp_path / "workbooks.yaml"
    profile.write_text(PROFILE)
    folder = _export(tmp_path / "export", name, BOMBS[name])
    with pytest.raises(DataQualityError) as raised:
        extract_export(folder, tmp_path / "w.duckdb", run_id="r", profile=profile)
    assert raised.value.exit_code == EXIT_DATA_QUALITY
    assert raised.value.message.startswith(f"{name}, sheet 'orders': used range of ")
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("build, name", [(ods, "orders.ods"), (xls, "orders.xls"),
                                         (xlsb, "orders.xlsb")], ids=["ods", "xls", "xlsb"])
def test_an_ordinary_workbook_of_each_format_is_read_and_landed(build, name, tmp_path):
    text = read_excel_text(build(ROWS), name)
    assert text.headers == ROWS[0]
    assert text.table.column("c0").to_pylist() == ["O1", "O2"]
    assert text.table.column("c3").to_pylist() == ["10", "12.5"]
    assert text.table.column("_source_line").to_pylist() == [2, 3]
    profile = tmp_path / "workbooks.yaml"
    profile.write_text(PROFILE)
    folder = _export(tmp_path / "export", name, build(ROWS))
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="r", profile=profile)
    assert summary.table("orders").rows == 2


def test_a_real_xls_export_passes_the_check_and_is_read():
    data = (FIXTURES / "fxiaoke_xls" / "销售订单.xls").read_bytes()
    text = read_excel_text(data, "销售订单.xls")
    assert text.headers[0] == "销售订单编号"
    assert text.table.num_rows == 3
    assert refusal(data, "销售订单.xls", limits=InputLimits(max_rows=3)).startswith(
        "销售订单.xls, sheet '销售订单': used range of 4 rows exceeds the limit of 3 (max_rows)")
