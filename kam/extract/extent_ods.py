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


def _local(name: str) -> str:
    """`table:table-row` -> `table-row`: elements are matched by local name, whatever the
    prefix, so renaming the namespace prefix hides no row from the count."""
    return name.rpartition(":")[2]


def _repeats(attributes: dict[str, str], local_name: str) -> int:
    found = [value for key, value in attributes.items() if _local(key) == local_name]
    try:
        return max([1, *(int(value) for value in found)])
    except ValueError:
        return 1  # not a number: calamine refuses the file itself


class _Counter:
    """Rows and columns of each sheet, with repetitions, as the parser goes."""

    def __init__(self, relative: str, limits: InputLimits):
        self.relative, self.limits = relative, limits
        self.sheet: str | None = None
        self.nested = 0  # tables inside a cell of the open sheet (counted as its content)
        self.row = self.last_row = self.last_column = 0
        self.row_repeats = self.column = self.row_last_column = 0
        self.cell_repeats, self.cell_has_value, self.in_cell = 1, False, False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if self.nested:  # inside a table inside a cell: content of that cell only
            self.nested += local == "table"
            return
        if local == "table" and self.sheet is None:
            self.sheet = next((v for k, v in attributes.items() if _local(k) == "name"), "")
            self.row = self.last_row = self.last_column = 0
        elif self.sheet is None:
            return
        elif local == "table":
            self.nested, self.cell_has_value = 1, True
        elif local == "table-row":
            self.row_repeats = _repeats(attributes, "number-rows-repeated")
            self.column = self.row_last_column = 0
        elif local in {"table-cell", "covered-table-cell"} and not self.in_cell:
            self.in_cell = True
            self.cell_repeats = _repeats(attributes, "number-columns-repeated")
            self.cell_has_value = any(_local(k) in _VALUE_ATTRIBUTES for k in attributes)
        elif self.in_cell:
            self.cell_has_value = True  # a paragraph or any other content

    def end(self, name: str) -> None:
        local = _local(name)
        if self.nested:
            self.nested -= local == "table"
            return
        if self.sheet is None:
            return
        if local in {"table-cell", "covered-table-cell"} and self.in_cell:
            self.in_cell = False
            self.column += self.cell_repeats
            if self.cell_has_value:
                self.row_last_column = self.column
        elif local == "table-row":
            self.row += self.row_repeats
            if self.row_last_column:
                self.last_row = self.row
                self.last_column = max(self.last_column, self.row_last_column)
                check_sheet_extent(f"{self.relative}, sheet '{self.sheet}'", self.last_row,
                                   self.last_column, self.limits)
        elif local == "table":
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
