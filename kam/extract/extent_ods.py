"""The used range of every ODS sheet, streamed from content.xml before calamine reads it.

An ODS row or cell may say it repeats (`table:number-rows-repeated`,
`table:number-columns-repeated`): one row of a few bytes can stand for ten million rows, and
calamine writes every repetition of a row or cell holding a value out in memory, for every
sheet of the workbook as it opens it. So content.xml is parsed here first, by expat in
chunks with no tree kept, counting rows and columns with their repetitions; the last row
and column holding a value give each sheet's used range. Any DTD is refused, so no entity
can expand: a spreadsheet's content.xml never has one.
"""

from __future__ import annotations

import zipfile
from xml.parsers import expat

from kam.errors import DataQualityError
from kam.extract.limits import InputLimits, check_sheet_extent

CONTENT = "content.xml"
_CHUNK = 1 << 20
# Attributes that make a cell hold a value (or a formula) for calamine; a cell without any
# of them (a styled blank, however often repeated) stretches no used range.
_VALUE_ATTRIBUTES = {"value", "string-value", "date-value", "time-value", "boolean-value",
                     "value-type", "formula"}


_OTHER, _TABLE, _ROW, _CELL = range(4)
_KINDS = {"table": _TABLE, "table-row": _ROW, "table-cell": _CELL, "covered-table-cell": _CELL}


def _local(name: str) -> str:
    """`table:table-row` -> `table-row`: elements are matched by local name, whatever the
    prefix, so renaming the namespace prefix hides no row from the count."""
    return name.rpartition(":")[2]


class _Names(dict):
    """Qualified name -> what it is, worked out once per name (the parse meets millions)."""

    def __init__(self, classify):
        super().__init__()
        self.classify = classify

    def __missing__(self, name: str):
        self[name] = value = self.classify(_local(name))
        return value


def _repeats(attributes: dict[str, str], names: _Names) -> int:
    found = [value for key, value in attributes.items() if names[key] == "repeats"]
    try:
        return max([1, *(int(value) for value in found)])
    except ValueError:
        return 1  # not a number: calamine refuses the file itself


def _attribute(local: str) -> str | None:
    if local in {"number-rows-repeated", "number-columns-repeated"}:
        return "repeats"
    if local in _VALUE_ATTRIBUTES:
        return "value"
    return "name" if local == "name" else None


class _Counter:
    """Rows and columns of each sheet, with repetitions, as the parser goes (the handlers
    are called for every element: the common ones return at once)."""

    def __init__(self, relative: str, limits: InputLimits):
        self.relative, self.limits = relative, limits
        self.elements = _Names(lambda local: _KINDS.get(local, _OTHER))
        self.attributes = _Names(_attribute)
        self.sheet: str | None = None
        self.nested = 0  # tables inside a cell of the open sheet (counted as its content)
        self.row = self.last_row = self.last_column = 0
        self.row_repeats = self.column = self.row_last_column = 0
        self.cell_repeats, self.cell_has_value, self.in_cell = 1, False, False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        kind = self.elements[name]
        if self.nested:  # inside a table inside a cell: content of that cell only
            self.nested += kind == _TABLE
        elif kind == _OTHER:
            if self.in_cell:
                self.cell_has_value = True  # a paragraph or any other content
        elif self.sheet is None:
            if kind == _TABLE:
                self.sheet = next((v for k, v in attributes.items()
                                   if self.attributes[k] == "name"), "")
                self.row = self.last_row = self.last_column = 0
        elif kind == _CELL and not self.in_cell:
            self.in_cell = True
            self.cell_repeats = _repeats(attributes, self.attributes)
            self.cell_has_value = any(self.attributes[k] == "value" for k in attributes)
        elif kind == _ROW:
            self.row_repeats = _repeats(attributes, self.attributes)
            self.column = self.row_last_column = 0
        elif kind == _TABLE:
            self.nested, self.cell_has_value = 1, True
        elif self.in_cell:
            self.cell_has_value = True

    def end(self, name: str) -> None:
        kind = self.elements[name]
        if self.nested:
            self.nested -= kind == _TABLE
        elif kind == _OTHER or self.sheet is None:
            return
        elif kind == _CELL and self.in_cell:
            self.in_cell = False
            self.column += self.cell_repeats
            if self.cell_has_value:
                self.row_last_column = self.column
        elif kind == _ROW:
            self.row += self.row_repeats
            if self.row_last_column:
                self.last_row = self.row
                self.last_column = max(self.last_column, self.row_last_column)
                check_sheet_extent(f"{self.relative}, sheet '{self.sheet}'", self.last_row,
                                   self.last_column, self.limits)
        elif kind == _TABLE:
            self.sheet = None


def _refuse_dtd(*_args) -> None:
    raise ValueError("a DTD in content.xml")


def check_ods_extent(archive: zipfile.ZipFile, relative: str, limits: InputLimits) -> None:
    """Refuse an ODS any of whose sheets is bigger than the limits (calamine reads every
    sheet when it opens the file, so every sheet is checked)."""
    if CONTENT not in archive.namelist():
        return
    counter = _Counter(relative, limits)
    parser = expat.ParserCreate()
    parser.StartElementHandler = counter.start
    parser.EndElementHandler = counter.end
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        with archive.open(CONTENT) as handle:
            while chunk := handle.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, ValueError) as error:
        raise DataQualityError(
            f"{relative}: not a readable ODS workbook ({CONTENT}: {error})",
            hint="open it in LibreOffice and save it again, or export CSV") from None
