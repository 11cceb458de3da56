"""Reading XLSX / XLS / ODS sheets (python-calamine) into all-text Arrow tables.

python-calamine allocates a sheet's whole used range at once, so a few kilobytes of XML
claiming the range A1:XFD1048576 would ask for hundreds of gigabytes and abort the process.
For XLSX (a ZIP of XML parts) the sheet's extent is therefore read first, streaming its
XML from the archive (the `<dimension>` it declares and the last row and column any cell
names), and checked against the input limits before calamine sees the file.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
from python_calamine import CalamineWorkbook

from kam.errors import DataQualityError
from kam.extract.headers import closest
from kam.extract.limits import DEFAULT_LIMITS, InputLimits, check_member_size, over_limit
from kam.extract.readers import SOURCE_LINE, TextTable

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_CHUNK = 1 << 20
_OVERLAP = 1024  # bytes kept between chunks so a tag cut in two is still seen whole
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Za-z]+)(\d+)\"")
_REFERENCE = re.compile(r"\$?([A-Za-z]*)\$?(\d*)")
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_METADATA_PART_BYTES = 16 << 20  # workbook.xml and its relationships: small in any workbook


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _extent(reference: str) -> tuple[int, int]:
    """(last row, last column) of a range such as A1:XFD1048576 (0 where absent)."""
    rows, columns = [0], [0]
    for part in reference.split(":"):
        match = _REFERENCE.fullmatch(part.strip())
        if match:
            letters, digits = match.groups()
            columns.append(_column_number(letters) if letters else 0)
            rows.append(int(digits) if digits else 0)
    return max(rows), max(columns)


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, in workbook order, from xl/workbook.xml and its rels."""
    try:
        for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if archive.getinfo(part).file_size > _METADATA_PART_BYTES:
                return {}
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in relations
               if r.tag.endswith("Relationship")}
    parts = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet") and sheet.get(_RELATIONSHIP_ID) in targets:
            target = targets[sheet.get(_RELATIONSHIP_ID)]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            parts[sheet.get("name", "")] = path
    return parts


def _scan_extent(handle) -> tuple[int, int, int]:
    """(last row, last column, rows) a sheet's XML names, streamed chunk by chunk."""
    last_row = last_column = rows = 0
    tail = b""
    while chunk := handle.read(_CHUNK):
        window = tail + chunk
        for match in _DIMENSION.finditer(window):
            row, column = _extent(match.group(1).decode("ascii", "replace"))
            last_row, last_column = max(last_row, row), max(last_column, column)
        for match in _ROW.finditer(window):
            last_row = max(last_row, int(match.group(1)))
        for match in _CELL.finditer(window):
            last_column = max(last_column, _column_number(match.group(1).decode("ascii")))
            last_row = max(last_row, int(match.group(2)))
        # rows without an r attribute still take one row each (counted in new bytes only)
        rows += sum(chunk.count(tag) for tag in (b"<row ", b"<row>", b":row ", b":row>"))
        tail = window[-_OVERLAP:]
        yield last_row, last_column, rows


def check_xlsx_extent(data: bytes, relative: str, sheet: str | None,
                      limits: InputLimits) -> None:
    """Refuse an XLSX whose sheet is bigger than the limits, before calamine allocates it.

    Every part of the archive is also held to max_file_bytes and max_zip_ratio.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # not a ZIP: calamine reports the file as unreadable
    with archive:
        for info in archive.infolist():
            check_member_size(f"{relative}:{info.filename}", info.file_size,
                              info.compress_size, limits)
        parts = _sheet_parts(archive)
        if sheet is not None and sheet in parts:
            wanted = {sheet: parts[sheet]}
        elif sheet is None and parts:
            wanted = dict([next(iter(parts.items()))])
        else:  # unknown layout or sheet: check every worksheet part there is
            wanted = {name: name for name in archive.namelist()
                      if name.startswith("xl/worksheets/") and name.endswith(".xml")}
        for name, part in wanted.items():
            if part not in archive.namelist():
                continue
            where = f"{relative}, sheet '{name}'"
            with archive.open(part) as handle:
                for last_row, last_column, rows in _scan_extent(handle):
                    _check_extent(where, max(last_row, rows), last_column, limits)


def _check_extent(where: str, rows: int, columns: int, limits: InputLimits) -> None:
    if columns > limits.max_columns:
        raise over_limit(where, f"used range of {columns:,} columns", "max_columns",
                         limits.max_columns)
    if rows > limits.max_rows:
        raise over_limit(where, f"used range of {rows:,} rows", "max_rows", limits.max_rows)
    if rows * columns > limits.max_cells:
        raise over_limit(where, f"used range of {rows:,} x {columns:,} cells", "max_cells",
                         limits.max_cells)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def read_excel_text(data: bytes, relative: str, *, sheet: str | None = None,
                    header_row: int = 1, limits: InputLimits = DEFAULT_LIMITS) -> TextTable:
    """XLSX/XLS through python-calamine; `_source_line` is the sheet's row number."""
    if not data:
        raise DataQualityError(f"{relative}: file is empty (0 bytes of data)",
                               hint="export it again or remove it from the folder")
    if Path(relative).suffix.lower() in XLSX_SUFFIXES:
        check_xlsx_extent(data, relative, sheet, limits)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            match = closest(sheet, names)
            raise DataQualityError(
                f"{relative}: sheet '{sheet}' not found; sheets found: {', '.join(names)}; "
                f"closest match: {repr(match) if match else 'none'}",
                hint="set the table's sheet in the profile")
        chosen = workbook.get_sheet_by_name(sheet or names[0])
        # Formats without a streamed pre-check (XLS, XLSB, ODS): refuse before the range
        # becomes Python lists at least.
        _check_extent(f"{relative}, sheet '{sheet or names[0]}'", chosen.total_height,
                      chosen.total_width, limits)
        rows = chosen.to_python(skip_empty_area=False)
    except DataQualityError:
        raise
    except Exception as error:  # calamine raises its own error types for each format
        raise DataQualityError(f"{relative}: not a readable Excel workbook (corrupt or not "
                               f"XLSX/XLS): {error}".replace("\n", " "),
                               hint="open it in Excel and save it again, or export CSV") from None
    while rows and not any(_cell_text(v).strip() for v in rows[-1]):
        rows.pop()
    footer_lines = 0
    blanks = [i for i, row in enumerate(rows) if not any(_cell_text(v).strip() for v in row)]
    if blanks and blanks[-1] >= header_row:
        block = rows[blanks[-1] + 1:]
        if block and all(sum(1 for v in row if _cell_text(v).strip()) == 1 for row in block):
            footer_lines = len(rows) - blanks[-1]
            rows = rows[: blanks[-1]]
    if len(rows) < header_row:
        raise DataQualityError(f"{relative}: sheet is empty (no header row)",
                               hint="export it again or remove it from the folder")
    headers = [_cell_text(v).strip() for v in rows[header_row - 1]]
    while headers and not headers[-1]:
        headers.pop()
    body = rows[header_row:]
    columns = {}
    for index in range(len(headers)):
        texts = [_cell_text(row[index]) if index < len(row) else "" for row in body]
        for number, text in enumerate(texts):
            if len(text) > limits.max_field_bytes // 4 and \
                    len(text.encode("utf-8")) > limits.max_field_bytes:
                raise over_limit(f"{relative}: row {header_row + 1 + number}, column "
                                 f"'{headers[index]}'", "a value's size", "max_field_bytes",
                                 limits.max_field_bytes)
        columns[f"c{index}"] = pa.array(texts, pa.string())
    table = pa.table(columns) if columns else pa.table({})
    first = header_row + 1
    table = table.append_column(
        SOURCE_LINE, pa.array(np.arange(first, first + len(body), dtype=np.int64)))
    return TextTable(headers, table, "xlsx", None, footer_lines)


EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
