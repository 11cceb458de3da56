"""Reading XLSX / XLSM / XLSB / XLS / ODS sheets (python-calamine) into all-text Arrow tables.

Before calamine opens a workbook, the extent of its sheets is read from the file's own
records and checked against the input limits (kam.extract.extent): calamine allocates a
sheet's whole used range at once, and a few hostile bytes can claim billions of cells.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyarrow as pa
from python_calamine import CalamineWorkbook

from kam.errors import DataQualityError
from kam.extract.extent import check_workbook_extent
from kam.extract.headers import closest
from kam.extract.limits import DEFAULT_LIMITS, InputLimits, check_sheet_extent, over_limit
from kam.extract.readers import SOURCE_LINE, TextTable


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
    """A workbook's sheet through python-calamine; `_source_line` is the sheet's row number."""
    if not data:
        raise DataQualityError(f"{relative}: file is empty (0 bytes of data)",
                               hint="export it again or remove it from the folder")
    check_workbook_extent(data, relative, sheet, limits)
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
        # Checked again as calamine measured it, before the range becomes Python lists.
        check_sheet_extent(f"{relative}, sheet '{sheet or names[0]}'", chosen.total_height,
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
