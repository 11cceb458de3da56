"""The used range of an XLSB sheet, streamed from its binary part before calamine reads it.

An XLSB sheet is a sequence of records (MS-XLSB 2.1.4: a type of one or two bytes and a
size of one to four, each byte carrying seven bits). The sheet declares its extent in
BrtWsDim; calamine then lays every cell out in one grid spanning the last row and column
any cell names, and a cell record's column is a 32-bit number, so a file of a few hundred
bytes could ask for terabytes. Both are checked here in one streamed pass over the sheet's
records, keeping only the first bytes of each.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from typing import IO
from xml.etree import ElementTree

from kam.extract.extent_xlsx import read_small_xml
from kam.extract.limits import InputLimits, check_sheet_extent

WORKBOOK = "xl/workbook.bin"
RELATIONSHIPS = "xl/_rels/workbook.bin.rels"
_CHUNK = 1 << 20
_HEAD = 16  # bytes of a record kept: the dimension record is 16, a cell's column the first 4
_METADATA_PART_BYTES = 16 << 20

_ROW_HEADER = 0x0000  # BrtRowHdr: the row of the cells that follow
_DIMENSION = 0x0094  # BrtWsDim: first row, last row, first column, last column (0-based)
_END_SHEET_DATA = 0x0092
_BUNDLE_SHEET = 0x009C  # BrtBundleSh: one sheet of the workbook, in order
_END_BUNDLE_SHEETS = 0x0090
# Cell records calamine keeps (blank cells and formula errors it skips): real, string, ...
_CELLS = frozenset(range(0x0002, 0x000B))
_LAST_ROW = 0x0010_0000  # a row number past this ends calamine's reading of the sheet
_U32 = struct.Struct("<I")


def records(handle: IO[bytes], keep: int = _HEAD) -> Iterator[tuple[int, bytes]]:
    """(type, first `keep` bytes of the data) of each record, read in chunks; the rest of
    a record is skipped, so one record claiming gigabytes costs no memory."""
    data, at, ended = b"", 0, False
    while True:
        if len(data) - at < 6 + keep and not ended:
            chunk = handle.read(_CHUNK)
            ended = not chunk
            data, at = data[at:] + chunk, 0
        if len(data) - at < 2:
            return
        kind, size, at = _header(data, at)
        if kind < 0:
            return  # a truncated header: calamine reports the file as unreadable
        head = data[at:at + min(size, keep)]  # whole: the buffer was topped up above
        if size <= len(data) - at:
            at += size
        else:  # the record runs past the buffer: skip the rest of it in the stream
            missing = size - (len(data) - at)
            while missing > 0 and (skipped := handle.read(min(missing, _CHUNK))):
                missing -= len(skipped)
            data, at = b"", 0
        yield kind, head


def _wide_string(data: bytes, at: int) -> tuple[str, int]:
    """An XLWideString (32-bit count of UTF-16 units, then the units) and where it ends."""
    count = int.from_bytes(data[at:at + 4], "little")
    if count == 0xFFFF_FFFF:  # a null string
        return "", at + 4
    end = at + 4 + 2 * count
    return data[at + 4:end].decode("utf-16-le", "replace"), end


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its binary part, in workbook order, as calamine finds them."""
    try:
        relations = read_small_xml(archive, RELATIONSHIPS)
        if archive.getinfo(WORKBOOK).file_size > _METADATA_PART_BYTES:
            return {}
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in relations
               if r.tag.endswith("Relationship")}
    parts = {}
    with archive.open(WORKBOOK) as handle:
        for kind, data in records(handle, keep=1 << 16):
            if kind == _END_BUNDLE_SHEETS:
                break
            if kind == _BUNDLE_SHEET and len(data) >= 12:
                relation, end = _wide_string(data, 8)
                name, _ = _wide_string(data, end)
                if relation in targets:
                    parts[name] = f"xl/{targets[relation]}"  # calamine's own joining
    return parts


def _scan(handle: IO[bytes], where: str, limits: InputLimits) -> None:
    """One pass over a sheet's records; written for speed (one loop turn per cell), with
    the record layout of records() read in place for the common one-byte type and size."""
    row = last_row = last_column = 0
    dimension_seen = False
    data, at, ended = b"", 0, False
    cells, unpack = _CELLS, _U32.unpack_from
    while True:
        if len(data) - at < 6 + _HEAD and not ended:
            chunk = handle.read(_CHUNK)
            ended = not chunk
            data, at = data[at:] + chunk, 0
        end = len(data)
        if end - at < 2:
            return
        kind, size = data[at], data[at + 1]
        if kind < 0x80 and size < 0x80:  # the usual record: both fit one byte
            at += 2
        else:
            kind, size, at = _header(data, at)
            if kind < 0:
                return
        if kind in cells and size >= 4 and at + 4 <= end:
            column = unpack(data, at)[0] + 1
            if column > last_column or row >= last_row:
                last_column, last_row = max(last_column, column), max(last_row, row + 1)
                check_sheet_extent(where, last_row, last_column, limits)
        elif kind == _ROW_HEADER and size >= 4 and at + 4 <= end:
            row = unpack(data, at)[0]
            if row > _LAST_ROW:
                return
        elif kind == _DIMENSION and not dimension_seen and size >= 16 and at + 16 <= end:
            dimension_seen = True  # calamine reads the first one
            _, last, _, last_col = struct.unpack_from("<4I", data, at)
            check_sheet_extent(where, last + 1, last_col + 1, limits)
        elif kind == _END_SHEET_DATA:
            return
        if size <= end - at:
            at += size
        else:  # the record runs past the buffer: skip the rest of it in the stream
            missing = size - (end - at)
            while missing > 0 and (skipped := handle.read(min(missing, _CHUNK))):
                missing -= len(skipped)
            data, at = b"", 0


def _header(data: bytes, at: int) -> tuple[int, int, int]:
    """(type, size, offset of the data) of the record at `at`; type -1 when truncated."""
    first = data[at]
    kind, at = first & 0x7F, at + 1
    if first & 0x80:
        kind, at = kind | (data[at] & 0x7F) << 7, at + 1
    size = shift = 0
    for _ in range(4):
        if at >= len(data):
            return -1, 0, at
        byte, at = data[at], at + 1
        size |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return kind, size, at


def check_xlsb_extent(archive: zipfile.ZipFile, relative: str, sheet: str | None,
                      limits: InputLimits) -> None:
    """Refuse an XLSB whose sheet is bigger than the limits (calamine reads only the sheet
    asked for, or the first)."""
    names = archive.namelist()
    parts = sheet_parts(archive) if WORKBOOK in names else {}
    if sheet is not None and sheet in parts:
        wanted = {sheet: parts[sheet]}
    elif sheet is None and parts:
        wanted = dict([next(iter(parts.items()))])
    else:  # unknown layout or sheet: check every worksheet part there is
        wanted = {name: name for name in names
                  if name.startswith("xl/worksheets/") and name.endswith(".bin")}
    for name, part in wanted.items():
        if part in names:
            with archive.open(part) as handle:
                _scan(handle, f"{relative}, sheet '{name}'", limits)
