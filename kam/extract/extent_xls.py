"""The used range of every XLS sheet, read from its BIFF records before calamine reads it.

An XLS workbook is a BIFF record stream ("Workbook", "Book" in old files) inside an OLE2
compound file, read here with olefile. Calamine parses every sheet when it opens the file;
for each it reserves room for the extent the sheet's DIMENSIONS record declares (32-bit
row numbers: a few bytes can claim four billion rows), then lays the cells out in one grid
spanning the last row and column any cell names. Both are checked here, for every sheet,
with calamine's own arithmetic, before calamine sees the file.
"""

from __future__ import annotations

import io

import olefile

from kam.errors import DataQualityError
from kam.extract.limits import InputLimits, check_sheet_extent

SIGNATURE = olefile.MAGIC  # the first bytes of any OLE2 compound file

_EOF = 0x000A
_BOF = 0x0809
_BOUND_SHEET = 0x0085  # BoundSheet8: where a sheet's records start, and its name
_DIMENSIONS = 0x0200
_MUL_RK = 0x00BD  # row, first column, values, last column
_FORMULA = 0x0006
# Records calamine turns into cells, each starting with a 16-bit row and column:
# Number, Label, BoolErr, RK, LabelSst (and Formula, MulRk, handled with them).
_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, _FORMULA, _MUL_RK})
_U32 = 0xFFFF_FFFF


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 2], "little")


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "little")


def _records(stream: bytes, start: int):
    """(type, offset of the data, size) of each record from `start` to EOF or the end."""
    at = start
    while at + 4 <= len(stream):
        kind, size = _u16(stream, at), _u16(stream, at + 2)
        yield kind, at + 4, size
        if kind == _EOF:
            return
        at += 4 + size


def _workbook_stream(data: bytes, relative: str) -> bytes | None:
    """The BIFF stream, as calamine picks it; None when there is none (calamine then calls
    the file unreadable). A container olefile cannot read is refused: its extent is unknown."""
    try:
        # a file object always: olefile takes short bytes for a file name
        with olefile.OleFileIO(io.BytesIO(data)) as container:
            for name in ("Workbook", "Book"):
                if container.exists(name):
                    return container.openstream(name).read()
    except Exception as error:  # olefile has many ways to say corrupt; all mean unreadable
        raise DataQualityError(
            f"{relative}: not a readable Excel workbook (corrupt or not XLSX/XLS): "
            f"OLE2 container: {error}".replace("\n", " "),
            hint="open it in Excel and save it again, or export CSV") from None
    return None


def _sheet_name(stream: bytes, at: int, size: int, biff8: bool) -> str:
    """BoundSheet8's ShortXLUnicodeString: 8-bit count, (BIFF8) a flag byte, the chars."""
    count = stream[at + 6] if size > 6 else 0
    start = at + 7 + biff8
    wide = biff8 and size > 7 and stream[at + 7] & 1
    raw = stream[start:start + count * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace").replace("\0", "")


def _sheets(stream: bytes) -> list[tuple[int, str]]:
    """(offset of the sheet's records, name) of every sheet, from the workbook globals."""
    biff8, sheets = True, []
    for kind, at, size in _records(stream, 0):
        if kind == _BOF and size >= 2:
            version = _u16(stream, at)
            dt = _u16(stream, at + 2) if size >= 4 else 0
            biff8 = not (version in {0x0200, 0x0002, 0x0007, 0x0300, 0x0400, 0x0500}
                         or (version == 0 and dt == 0x1000))
        elif kind == _BOUND_SHEET and size >= 6:
            sheets.append((_u32(stream, at), _sheet_name(stream, at, size, biff8)))
    return sheets


def _declared(stream: bytes, at: int, size: int) -> tuple[int, int]:
    """(rows, columns) calamine reserves for a DIMENSIONS record, its u32 wrap-around kept."""
    if size == 10:
        first_row, last_row = _u16(stream, at), _u16(stream, at + 2)
        first_column, last_column = _u16(stream, at + 4), _u16(stream, at + 6)
    elif size == 14:
        first_row, last_row = _u32(stream, at), _u32(stream, at + 4)
        first_column, last_column = _u16(stream, at + 8), _u16(stream, at + 10)
    else:
        return 0, 0  # calamine refuses a record of another size
    if last_row >= 1 and last_column >= 1:
        end_row, end_column = last_row - 1, last_column - 1
    else:
        end_row, end_column = first_row, first_column
    return (end_row - first_row + 1) & _U32, (end_column - first_column + 1) & _U32


def _check_sheet(stream: bytes, start: int, where: str, limits: InputLimits) -> None:
    last_row = last_column = 0
    for kind, at, size in _records(stream, start):
        if kind in _CELLS and size >= 4:
            row = _u16(stream, at) + 1
            column = _u16(stream, at + size - 2) if kind == _MUL_RK else _u16(stream, at + 2)
            if row > last_row or column + 1 > last_column:
                last_row, last_column = max(last_row, row), max(last_column, column + 1)
                check_sheet_extent(where, last_row, last_column, limits)
        elif kind == _DIMENSIONS:
            check_sheet_extent(where, *_declared(stream, at, size), limits)


def check_xls_extent(data: bytes, relative: str, limits: InputLimits) -> None:
    """Refuse an XLS any of whose sheets is bigger than the limits (calamine reads every
    sheet when it opens the file, so every sheet is checked)."""
    stream = _workbook_stream(data, relative)
    if stream is None:
        return
    for start, name in _sheets(stream):
        _check_sheet(stream, start, f"{relative}, sheet '{name}'", limits)
