"""Hostile exports are refused before they are read: bombs, runaway fields, links.

Each bomb is made here, small, and the refusal is checked word for word where it matters:
file (sheet, line, column), the limit and the setting that raises it; exit status 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fresh_process import run_measuring_memory
from tiny_export import ACCOUNTS, MANAGERS, ORDERS, export

from kam.errors import EXIT_DATA_QUALITY, DataQualityError
from kam.extract.assemble import fingerprint, read_export
from kam.extract.excel import read_excel_text
from kam.extract.landing import extract_export, input_fingerprint
from kam.extract.limits import InputLimits
from kam.extract.profile import load_profile
from kam.extract.readers import read_csv_text
from kam.extract.sources import list_files
from kam.settings import LIMIT_FIELDS, Settings

CANONICAL = load_profile("canonical")


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(DataQualityError) as raised:
        call(*args, **kwargs)
    assert raised.value.exit_code == EXIT_DATA_QUALITY
    assert "\n" not in raised.value.one_line()
    return raised.value.one_line()


def test_limits_are_settings_with_documented_defaults():
    settings = Settings()
    assert InputLimits.from_settings(settings) == InputLimits()
    assert (settings.max_file_bytes, settings.max_field_bytes, settings.max_zip_ratio) == (
        1 << 30, 1 << 20, 100)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in LIMIT_FIELDS:
        assert f"`{name}`" in readme, f"README's Limits table misses {name}"
    assert [f for f in InputLimits.__dataclass_fields__] == list(LIMIT_FIELDS)


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KAM_MAX_FIELD_BYTES", "5000")
    assert InputLimits.from_settings(Settings()).max_field_bytes == 5000


# ---- CSV fields, rows, columns -----------------------------------------------------------

def test_a_3_mb_csv_field_is_refused_naming_file_line_and_column():
    data = ("order_id,comment\nO1,fine\nO2," + "x" * 3_000_000 + "\nO3,fine\n").encode()
    assert refusal(read_csv_text, data, "orders.csv") == (
        "orders.csv: line 3, column 'comment': a value's size exceeds the limit of 1,048,576 "
        "(max_field_bytes) (if the export is genuine, raise max_field_bytes "
        "(KAM_MAX_FIELD_BYTES or kam.toml))")


def test_a_field_longer_than_the_reader_block_is_named_too():
    data = ('order_id,comment\nO1,fine\nO2,"' + "y\n" * 3_000_000 + '"\n').encode()
    message = refusal(read_csv_text, data, "orders.csv")
    assert message.startswith("orders.csv: line 3, column 'comment': a value's size")


def test_a_field_within_a_raised_limit_is_read():
    data = ("order_id,comment\nO2," + "x" * 3_000_000 + "\n").encode()
    text = read_csv_text(data, "orders.csv", limits=InputLimits(max_field_bytes=4_000_000))
    assert text.table.column("c1")[0].as_py() == "x" * 3_000_000


def test_too_many_rows_or_columns():
    data = ("a,b\n" + "1,2\n" * 11).encode()
    assert refusal(read_csv_text, data, "o.csv", limits=InputLimits(max_rows=10)).startswith(
        "o.csv: 11 rows exceeds the limit of 10 (max_rows)")
    wide = (",".join(f"h{i}" for i in range(6)) + "\n").encode()
    assert refusal(read_csv_text, wide, "o.csv", limits=InputLimits(max_columns=5)).startswith(
        "o.csv: line 1: 6 columns exceeds the limit of 5 (max_columns)")


# ---- sizes of files and of the whole export -----------------------------------------------

def test_file_and_export_sizes_are_checked_before_reading(tmp_path):
    folder = export(tmp_path / "e")
    small = InputLimits(max_file_bytes=60)
    assert refusal(read_export, folder, CANONICAL, small).startswith(
        "accounts.csv: size 76 bytes exceeds the limit of 60 (max_file_bytes)")
    total = InputLimits(max_export_bytes=150)
    assert refusal(fingerprint, folder, CANONICAL, total).startswith(
        "3 files of the export: total size 195 bytes exceeds the limit of 150 "
        "(max_export_bytes)")


def _zip_bomb(path: Path, megabytes: int) -> None:
    """An export ZIP whose orders.csv inflates to `megabytes` MiB, written in chunks."""
    row = b"O1,A1,2026-01-02,10.00,USD\n"
    block = row * ((1 << 20) // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("accounts.csv", ACCOUNTS)
        archive.writestr("account_managers.csv", MANAGERS)
        with archive.open("orders.csv", "w", force_zip64=True) as member:
            member.write(b"order_id,account_id,order_date,amount,currency\n")
            written = 0
            while written < megabytes << 20:
                member.write(block)
                written += len(block)


def test_a_zip_bomb_is_refused_from_its_central_directory_with_bounded_memory(tmp_path):
    bomb = tmp_path / "export.zip"
    _zip_bomb(bomb, 512)
    assert bomb.stat().st_size < 2_000_000
    # A fresh process, so its peak resident memory is this refusal's alone: the flow
    # fingerprints the inputs, then extracts them.
    setup = """
        from kam.errors import DataQualityError
        from kam.extract.landing import extract_export, input_fingerprint
    """
    body = f"""
        result = []
        for step in (lambda: input_fingerprint({str(bomb)!r}),
                     lambda: extract_export({str(bomb)!r}, {str(tmp_path / 'w.duckdb')!r},
                                            run_id='r')):
            try:
                step()
                result.append(None)
            except DataQualityError as error:
                result.append(error.message)
    """
    messages, growth_kib = run_measuring_memory(setup, body)
    expected = "export.zip/orders.csv: compression ratio"
    assert all(m and m.startswith(expected) and "(max_zip_ratio)" in m
               for m in messages), messages
    assert growth_kib < 64 * 1024  # not one of the 512 MiB was inflated


def test_a_zip_member_over_the_file_limit_is_refused(tmp_path):
    folder = tmp_path / "export.zip"
    with zipfile.ZipFile(folder, "w") as archive:
        archive.writestr("accounts.csv", ACCOUNTS)
        archive.writestr("account_managers.csv", MANAGERS)
        archive.writestr("orders.csv", ORDERS)
    assert refusal(input_fingerprint, folder, "canonical",
                   InputLimits(max_file_bytes=70)).startswith(
        "export.zip/accounts.csv: uncompressed size 76 bytes exceeds the limit of 70 "
        "(max_file_bytes)")


# ---- spreadsheets ------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="orders" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _xlsx(path: Path, dimension: str, cells: list[tuple[str, str]]) -> Path:
    """A minimal XLSX with inline-string cells and the given declared dimension."""
    rows: dict[int, list[str]] = {}
    for ref, value in cells:
        number = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(number, []).append(
            f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    body = "".join(f'<row r="{n}">{"".join(c)}</row>' for n, c in sorted(rows.items()))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _read_in_subprocess(path: Path) -> subprocess.CompletedProcess:
    """Read a workbook in a fresh process: a bomb that got through would abort it."""
    script = f"""
from pathlib import Path
from kam.errors import DataQualityError
from kam.extract.excel import read_excel_text
try:
    read_excel_text(Path({str(path)!r}).read_bytes(), "orders.xlsx")
    print("read")
except DataQualityError as error:
    print(error.one_line())
"""
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)


HEADER = [("A1", "order_id"), ("B1", "amount"), ("A2", "O1"), ("B2", "10")]


def test_an_xlsx_claiming_the_whole_grid_is_refused_before_calamine_allocates(tmp_path):
    bomb = _xlsx(tmp_path / "orders.xlsx", "A1:XFD1048576", HEADER)
    assert bomb.stat().st_size < 5_000
    done = _read_in_subprocess(bomb)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().startswith(
        "orders.xlsx, sheet 'orders': used range of 16,384 columns exceeds the limit of 1,000 "
        "(max_columns)")


def test_an_xlsx_with_one_far_cell_is_refused_before_calamine_allocates(tmp_path):
    bomb = _xlsx(tmp_path / "orders.xlsx", "A1:B2", [*HEADER, ("XFD1048576", "x")])
    done = _read_in_subprocess(bomb)
    assert done.returncode == 0, done.stderr[-2000:]  # before: aborted, exit 134
    assert "orders.xlsx, sheet 'orders': used range of 16,384 columns" in done.stdout


def test_an_xlsx_over_the_row_or_cell_limit(tmp_path):
    tall = _xlsx(tmp_path / "orders.xlsx", "A1:B2", [*HEADER, ("A2000", "x")])
    assert refusal(read_excel_text, tall.read_bytes(), "orders.xlsx",
                   limits=InputLimits(max_rows=1000)).startswith(
        "orders.xlsx, sheet 'orders': used range of 2,000 rows exceeds the limit of 1,000 "
        "(max_rows)")
    assert refusal(read_excel_text, tall.read_bytes(), "orders.xlsx",
                   limits=InputLimits(max_cells=3000)).startswith(
        "orders.xlsx, sheet 'orders': used range of 2,000 x 2 cells exceeds the limit of "
        "3,000 (max_cells)")


def test_an_xlsx_named_like_another_format_is_still_checked_as_xlsx(tmp_path):
    # calamine recognises a workbook by its content, so the check may not trust the name
    bomb = _xlsx(tmp_path / "orders.xlsx", "A1:B2", [*HEADER, ("XFD1048576", "x")])
    for name in ("orders.xls", "orders.ods", "orders.xlsb"):
        assert refusal(read_excel_text, bomb.read_bytes(), name).startswith(
            f"{name}, sheet 'orders': used range of 16,384 columns exceeds the limit of 1,000")


def test_an_ordinary_xlsx_is_read_and_a_long_cell_is_named(tmp_path):
    ordinary = _xlsx(tmp_path / "orders.xlsx", "A1:B2", HEADER)
    text = read_excel_text(ordinary.read_bytes(), "orders.xlsx")
    assert text.headers == ["order_id", "amount"]
    assert text.table.column("c1").to_pylist() == ["10"]
    assert refusal(read_excel_text, ordinary.read_bytes(), "orders.xlsx",
                   limits=InputLimits(max_field_bytes=1)).startswith(
        "orders.xlsx: row 2, column 'order_id': a value's size exceeds the limit of 1 "
        "(max_field_bytes)")


# ---- links and special files -------------------------------------------------------------

def test_a_symbolic_link_in_the_export_is_refused_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("survey_id,account_id\nroot:x:0:0,A1\n")
    folder = export(tmp_path / "e")
    (folder / "surveys.csv").symlink_to(secret)
    message = refusal(extract_export, folder, tmp_path / "w.duckdb", run_id="r")
    assert message == (f"surveys.csv: is a symbolic link (-> {secret}); kam reads only regular "
                       "files in the export (copy the file itself into the export folder)")
    assert not (tmp_path / "w.duckdb").exists()


def test_a_fifo_in_the_export_is_refused(tmp_path):
    folder = export(tmp_path / "e")
    os.mkfifo(folder / "tickets.csv")
    assert refusal(list_files, folder).startswith(
        "tickets.csv: is not a regular file (a FIFO, device, socket or folder)")


def test_a_symbolic_link_member_of_a_zip_is_refused(tmp_path):
    archive_path = tmp_path / "export.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("accounts.csv", ACCOUNTS)
        link = zipfile.ZipInfo("surveys.csv")
        link.external_attr = (0o120777 << 16)  # a Unix symbolic link
        archive.writestr(link, "/etc/passwd")
    assert refusal(list_files, archive_path).startswith(
        "export.zip/surveys.csv: is a symbolic link inside the archive")
