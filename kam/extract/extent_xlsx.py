"""The used range of an XLSX sheet, streamed from its XML before calamine allocates it.

A few kilobytes of XML claiming the range A1:XFD1048576 (or naming one cell there) would
make calamine ask for hundreds of gigabytes. The sheet's part is streamed from the archive
chunk by chunk: the `<dimension>` it declares and the last row and column any cell names.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree import ElementTree

from kam.extract.limits import InputLimits, check_sheet_extent

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


class _RefuseDtd(ElementTree.TreeBuilder):
    """A tree builder that stops at a DTD: no workbook part has one, and the entities it
    could declare would expand a small part into gigabytes."""

    def doctype(self, name, pubid, system):
        raise ElementTree.ParseError("a DTD in a workbook part")


def read_small_xml(archive: zipfile.ZipFile, part: str) -> ElementTree.Element:
    """A workbook's metadata part (workbook.xml, its relationships), parsed whole: refused
    (KeyError, ParseError) when absent, over 16 MiB or holding a DTD."""
    if archive.getinfo(part).file_size > _METADATA_PART_BYTES:
        raise ElementTree.ParseError(f"{part} is too large for a workbook's metadata")
    parser = ElementTree.XMLParser(target=_RefuseDtd())
    parser.feed(archive.read(part))
    return parser.close()


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, in workbook order, from xl/workbook.xml and its rels."""
    try:
        workbook = read_small_xml(archive, "xl/workbook.xml")
        relations = read_small_xml(archive, "xl/_rels/workbook.xml.rels")
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


def check_xlsx_extent(archive: zipfile.ZipFile, relative: str, sheet: str | None,
                      limits: InputLimits) -> None:
    """Refuse an XLSX whose sheet is bigger than the limits (calamine reads only the sheet
    asked for, or the first)."""
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
                check_sheet_extent(where, max(last_row, rows), last_column, limits)
