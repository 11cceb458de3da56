"""Small XLS, XLSB and ODS workbooks written byte by byte, hostile or ordinary.

No library writes these formats with a chosen (lying) extent, so the tests build them from
the formats' specifications: an OLE2 compound file holding a BIFF8 record stream (MS-CFB,
MS-XLS), a ZIP of binary records (MS-XLSB) and a ZIP holding content.xml (OpenDocument).
Every cell is text or a number; rows are lists of cells, the first row being the header.
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape, quoteattr

Cell = str | float

# ---- XLS: BIFF8 records in an OLE2 compound file -------------------------------------------

_END_OF_CHAIN, _FREE, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512


def _biff(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(sheet_type: int) -> bytes:  # BIFF8 BOF: version 0x0600, workbook globals 5, sheet 16
    return _biff(0x0809, struct.pack("<HHHHII", 0x0600, sheet_type, 0x0DBB, 0x07CC, 0, 6))


def _xls_cell(row: int, column: int, value: Cell) -> bytes:
    if isinstance(value, str):  # LABEL with an XLUnicodeString, UTF-16 when not Latin-1
        wide = any(ord(ch) > 0xFF for ch in value)
        text = value.encode("utf-16-le" if wide else "latin-1")
        return _biff(0x0204, struct.pack("<HHHHB", row, column, 15, len(value), wide) + text)
    return _biff(0x0203, struct.pack("<HHHd", row, column, 15, value))  # NUMBER


def _compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """One stream in an OLE2 file: sector 0 the FAT, 1 the directory, 2... the stream
    (padded to 4096 bytes, so it lives in the FAT and no mini stream is needed)."""
    stream = stream.ljust(max(4096, -(-len(stream) // _SECTOR) * _SECTOR), b"\0")
    count = len(stream) // _SECTOR
    fat = [_FAT_SECTOR, _END_OF_CHAIN, *range(3, 2 + count), _END_OF_CHAIN]
    assert len(fat) <= _SECTOR // 4, "a test workbook of one FAT sector"
    fat += [_FREE] * (_SECTOR // 4 - len(fat))

    def entry(entry_name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (entry_name + "\0").encode("utf-16-le") if entry_name else b""
        return (encoded.ljust(64, b"\0")
                + struct.pack("<HBBIII", len(encoded), kind, 1, _NO_STREAM, _NO_STREAM, child)
                + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, _END_OF_CHAIN, 0)
                 + entry(name, 2, _NO_STREAM, 2, len(stream))
                 + entry("", 0, _NO_STREAM, 0, 0) * 2)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)
              + struct.pack("<109I", 0, *[_FREE] * 108))
    return header + struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + stream


def xls(rows: list[list[Cell]], *, sheet: str = "orders",
        dimensions: tuple[int, int] | None = None, first_row: int = 0,
        far_cell: tuple[int, int] | None = None) -> bytes:
    """A BIFF8 workbook of one sheet. `dimensions` (rows, columns) is what its DIMENSIONS
    record declares (default: the real extent), from `first_row`; `far_cell` (row, column),
    0-based, adds one number cell there."""
    declared_rows, declared_columns = dimensions or (len(rows), max(map(len, rows)))
    cells = b"".join(_xls_cell(r, c, v) for r, row in enumerate(rows) for c, v in enumerate(row))
    if far_cell:
        cells += _xls_cell(*far_cell, 1.0)
    sheet_records = (_bof(0x0010)
                     + _biff(0x0200, struct.pack("<IIHHH", first_row, declared_rows, 0,
                                                 declared_columns, 0))
                     + cells + _biff(0x000A, b""))
    name = sheet.encode("latin-1")

    def globals_(position: int) -> bytes:
        return (_bof(0x0005) + _biff(0x0042, struct.pack("<H", 1200))
                + _biff(0x0085, struct.pack("<IBBBB", position, 0, 0, len(sheet), 0) + name)
                + _biff(0x000A, b""))

    position = len(globals_(0))
    return _compound_file(globals_(position) + sheet_records)


# ---- XLSB: binary records in a ZIP ---------------------------------------------------------

def _record(kind: int, data: bytes = b"") -> bytes:
    """An XLSB record: type and size in 7-bit groups, the high bit saying another follows."""
    head = bytes([kind]) if kind < 0x80 else bytes([kind & 0x7F | 0x80, kind >> 7])
    size, encoded = len(data), []
    while True:
        encoded.append(size & 0x7F | (0x80 if size > 0x7F else 0))
        size >>= 7
        if not size:
            break
    return head + bytes(encoded) + data


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def _xlsb_cell(column: int, value: Cell) -> bytes:
    if isinstance(value, str):
        return _record(0x0006, struct.pack("<II", column, 0) + _wide(value))  # BrtCellSt
    return _record(0x0005, struct.pack("<IId", column, 0, value))  # BrtCellReal


_XLSB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>')


def xlsb(rows: list[list[Cell]], *, sheet: str = "orders",
         dimensions: tuple[int, int] | None = None,
         far_cell: tuple[int, int] | None = None) -> bytes:
    """An XLSB workbook of one sheet; `dimensions` and `far_cell` as for xls()."""
    declared_rows, declared_columns = dimensions or (len(rows), max(map(len, rows)))
    body = [_record(0x0081),  # BrtBeginSheet
            _record(0x0094, struct.pack("<4I", 0, declared_rows - 1, 0, declared_columns - 1)),
            _record(0x0091)]  # BrtBeginSheetData
    placed = [(r, [(c, v) for c, v in enumerate(row)]) for r, row in enumerate(rows)]
    if far_cell:
        placed.append((far_cell[0], [(far_cell[1], 1.0)]))
    for row, cells in placed:
        body.append(_record(0x0000, struct.pack("<I", row) + bytes(13)))  # BrtRowHdr
        body += [_xlsb_cell(column, value) for column, value in cells]
    body += [_record(0x0092), _record(0x0082)]  # BrtEndSheetData, BrtEndSheet
    workbook = (_record(0x0083) + _record(0x008F)  # BrtBeginBook, BrtBeginBundleShs
                + _record(0x009C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
                + _record(0x0090) + _record(0x009D, bytes(26)) + _record(0x0084))
    return _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": workbook,
                 "xl/_rels/workbook.bin.rels": _XLSB_RELS,
                 "xl/worksheets/sheet1.bin": b"".join(body)})


# ---- ODS: content.xml in a ZIP -------------------------------------------------------------

_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


_ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_TYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>")


def _ods_cell(value: Cell) -> str:
    if isinstance(value, str):
        return (f'<table:table-cell office:value-type="string"><text:p>{escape(value)}'
                "</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="float" office:value="{value!r}"/>'


def ods_row(cells: list[Cell], repeated: int = 1) -> str:
    """One table-row, said to repeat `repeated` times."""
    attribute = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    return f"<table:table-row{attribute}>{''.join(map(_ods_cell, cells))}</table:table-row>"


def ods(rows_xml: str | list[list[Cell]], *, sheet: str = "orders") -> bytes:
    """An ODS workbook of one sheet, its rows given as cells or as table-row XML."""
    if not isinstance(rows_xml, str):
        rows_xml = "".join(ods_row(row) for row in rows_xml)
    return ods_package('<?xml version="1.0" encoding="UTF-8"?>'
                       f'<office:document-content {_ODS_NAMESPACES} office:version="1.2">'
                       "<office:body><office:spreadsheet>"
                       f"<table:table table:name={quoteattr(sheet)}>{rows_xml}</table:table>"
                       "</office:spreadsheet></office:body></office:document-content>")


def ods_package(content: str) -> bytes:
    """An ODS file around the given content.xml."""
    return _zip({"mimetype": _ODS_TYPE, "META-INF/manifest.xml": _ODS_MANIFEST,
                 "content.xml": content})


def _zip(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()
