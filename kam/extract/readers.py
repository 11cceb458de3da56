"""Reading CSV exports (any common encoding) into all-text Arrow tables.

Every value stays text (empty cells are ''), with the physical line (CSV, header = line 1)
or sheet row (Excel) of each record in `_source_line`, so parsing and quarantine decisions
happen in one place, in SQL. CSV is parsed by Arrow's multithreaded reader, never a Python
loop per row. Excel files are read by kam.extract.excel into the same shape.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kam.errors import DataQualityError
from kam.extract.encoding import detect_encoding, to_utf8
from kam.extract.limits import DEFAULT_LIMITS, InputLimits, over_limit

__all__ = ["TextTable", "detect_encoding", "read_csv_text", "sha256_bytes"]

SOURCE_LINE = "_source_line"
DELIMITERS = ",;\t|"
_PROBE = 1 << 16


@dataclass
class TextTable:
    """A file's header (as written), its rows as text and what the reader noticed."""

    headers: list[str]
    table: pa.Table  # columns c0..cN (text) and _source_line
    encoding: str = "utf-8"
    delimiter: str | None = None
    footer_lines: int = 0  # trailing report footer lines that were left out
    malformed: list[tuple[int | None, str, str]] = field(default_factory=list)  # line, text, why


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- CSV -----------------------------------------------------------------------------------

def sniff_delimiter(head: str) -> str:
    """csv.Sniffer over the first lines, limited to `, ; tab |`; when it cannot decide,
    the delimiter that splits the first line into the most fields (comma on a tie)."""
    lines = [line for line in head.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: next(csv.reader([lines[0]], delimiter=d)).__len__() for d in DELIMITERS}
        return max(counts, key=lambda d: (counts[d], d == ","))


def sniff_quotechar(header_line: str, delimiter: str) -> str:
    """RFC 4180 double quotes, unless every header field is wrapped in single quotes.

    Only the header decides: apostrophes inside values (O'Brien) must not switch quoting.
    """
    fields = [f.strip() for f in header_line.rstrip("\r").split(delimiter)]
    wrapped = all(len(f) >= 2 and f[0] == f[-1] == "'" for f in fields)
    return "'" if fields and wrapped else '"'


def _fields(line: str, delimiter: str, quotechar: str = '"') -> int:
    return len(next(csv.reader([line], delimiter=delimiter, quotechar=quotechar), []))


def strip_footer(data: bytes, delimiter: str, width: int, quotechar: str = '"'
                 ) -> tuple[bytes, int]:
    """Cut a trailing report footer: lines after the last blank line, none of them a row.

    Report exports (Salesforce, HubSpot) end with a blank line and lines such as
    "Grand Totals (5 records)" or a copyright notice. A trailing block is only cut when
    it is set off by a blank line and no line in it has the header's field count.
    """
    tail_start = max(0, len(data) - _PROBE)
    tail = data[tail_start:].decode("utf-8", errors="replace")
    lines = tail.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    kept_bytes = len(tail[: len("\n".join(lines))].encode("utf-8"))
    for index in range(len(lines) - 1, 0, -1):
        if lines[index].strip():
            continue
        block = [line for line in lines[index + 1:] if line.strip()]
        cut = tail_start + len("\n".join(lines[:index]).encode("utf-8"))
        quote = quotechar.encode()
        inside_quotes = data.count(quote, 0, cut) % 2 == 1  # a blank line in a quoted field
        if block and not inside_quotes and all(
                _fields(line.rstrip("\r"), delimiter, quotechar) != width for line in block):
            return data[:cut] + b"\n", len(lines) - index
        break
    end = tail_start + kept_bytes
    if end == len(data) - 1 and data.endswith(b"\n"):
        return data, 0  # already ends in one newline: no copy of a large file
    return data[:end] + b"\n", 0


def skip_lines(lines: np.ndarray, skipped: list[int]) -> np.ndarray:
    """Shift line numbers counted without the skipped (malformed) lines past each of them.

    A row numbered `n` before the shift lies after every skipped line `s_i` (sorted,
    i from 0) with `s_i - i <= n`; those values never decrease, so one binary search per
    row finds how many: O((rows + skipped) log skipped), never rows x skipped.
    """
    if not skipped:
        return lines
    ordered = np.sort(np.asarray(skipped, dtype=np.int64))
    thresholds = ordered - np.arange(len(ordered), dtype=np.int64)
    return lines + np.searchsorted(thresholds, lines, side="right")


def one_line_per_record(data: bytes, first_data: int, records: int) -> bool:
    """True when no record spans lines: the data holds exactly one newline per record.

    Every record ends with a newline (the data ends with one) unless a lone carriage return
    ends it, so with no lone carriage return, as many newlines as records leave none for a
    blank line or a value. Two scans of the bytes instead of one per column of the table.
    """
    return (data.count(b"\n", first_data) == records
            and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")))


def _line_numbers(table: pa.Table, first_line: int, skipped: list[int],
                  one_line_each: bool) -> pa.Array:
    """Physical line of each record: quoted fields may span lines, so count newlines
    (unless `one_line_each` says that no value holds one)."""
    newlines = np.zeros(table.num_rows, dtype=np.int64)
    if not one_line_each:
        for column in table.columns:
            counted = pc.fill_null(pc.count_substring(column, "\n"), 0)
            newlines += counted.to_numpy(zero_copy_only=False).astype(np.int64)
    lines = first_line + np.arange(table.num_rows, dtype=np.int64)
    lines += np.cumsum(newlines) - newlines
    # rows Arrow skipped (malformed) still occupy a line
    return pa.array(skip_lines(lines, skipped))


def _locate_lines(data: bytes, texts: list[str], start: int) -> list[int | None]:
    """Physical lines of rows Arrow rejected (it does not report them when multithreaded).

    One forward pass: each search and each newline count starts where the previous one
    ended, so the file is scanned once however many rows were rejected.
    """
    found: list[int | None] = []
    counted_to, line = 0, 1  # newlines before `counted_to`, plus one
    for text in texts:
        at = data.find(text.encode("utf-8"), start)
        if at < 0:
            found.append(None)
            continue
        line += data.count(b"\n", counted_to, at)
        counted_to = at
        found.append(line)
        start = at + 1
    return found


@contextmanager
def _csv_fields_unbounded():
    """The csv module refuses fields over 128 KiB; the field limit is checked by kam."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _first_long_field(data: bytes, headers: list[str], delimiter: str, quotechar: str,
                      header_row: int, limit: int) -> tuple[int, str] | None:
    """(line, column) of the first field longer than `limit` bytes, read record by record."""
    with _csv_fields_unbounded():
        reader = csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""),
                            delimiter=delimiter, quotechar=quotechar)
        line = 0
        for record in reader:
            start, line = line + 1, reader.line_num
            if start <= header_row:
                continue
            for index, value in enumerate(record):
                if len(value.encode("utf-8")) > limit:
                    column = headers[index] if index < len(headers) else f"field {index + 1}"
                    return start, column
    return None


def _field_too_long(relative: str, line: int, column: str, limits: InputLimits
                    ) -> DataQualityError:
    return over_limit(f"{relative}: line {line}, column '{column}'", "a value's size",
                      "max_field_bytes", limits.max_field_bytes)


def _check_field_sizes(table: pa.Table, headers: list[str], relative: str,
                       limits: InputLimits) -> None:
    """Refuse the first value over max_field_bytes, naming its line and column."""
    for index, name in enumerate(headers):
        sizes = pc.binary_length(table.column(f"c{index}"))
        longest = pc.max(sizes).as_py()
        if longest is not None and longest > limits.max_field_bytes:
            too_long = pc.greater(sizes, limits.max_field_bytes).to_numpy(zero_copy_only=False)
            row = int(np.argmax(too_long))
            line = table.column(SOURCE_LINE)[row].as_py()
            raise _field_too_long(relative, line, name, limits)


def _block_size(limits: InputLimits) -> int:
    # Arrow needs a whole record inside one block; a few fields at the limit must fit.
    return int(min(max(1 << 20, 4 * limits.max_field_bytes), 1 << 30))


def read_csv_text(data: bytes, relative: str, *, encoding: str = "auto",
                  delimiter: str = "auto", header_row: int = 1,
                  limits: InputLimits = DEFAULT_LIMITS) -> TextTable:
    if not data or data.isspace():  # what `not data.strip()` says, without copying the file
        raise DataQualityError(f"{relative}: file is empty (0 bytes of data)",
                               hint="export it again or remove it from the folder")
    data, used_encoding = to_utf8(data, encoding, relative)
    head = data[:_PROBE].decode("utf-8", errors="ignore")
    if delimiter == "auto":
        delimiter = sniff_delimiter("\n".join(head.splitlines()[header_row - 1:]))
    header_line = next(iter(head.splitlines()[header_row - 1:]), "")
    quotechar = sniff_quotechar(header_line, delimiter)
    reader = csv.reader(io.StringIO(head), delimiter=delimiter, quotechar=quotechar)
    for _ in range(header_row - 1):
        next(reader, None)
    with _csv_fields_unbounded():
        headers = [h.strip() for h in next(reader, [])]
    if len(headers) > limits.max_columns:
        raise over_limit(f"{relative}: line {header_row}", f"{len(headers):,} columns",
                         "max_columns", limits.max_columns)
    data, footer_lines = strip_footer(data, delimiter, len(headers), quotechar)
    generated = [f"c{i}" for i in range(len(headers))]
    invalid: list[tuple[str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.text, f"malformed row: expected {row.expected_columns} fields, "
                                  f"found {row.actual_columns}"))
        return "skip"

    def read(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(skip_rows=header_row, column_names=generated,
                                           block_size=_block_size(limits), use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=quotechar,
                                             newlines_in_values=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in generated},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    try:
        table = read(threads=True)
        if invalid:
            # Threads report rejected rows out of file order, and locating them in one
            # forward pass needs that order: read this file again in one thread.
            invalid.clear()
            table = read(threads=False)
    except pa.ArrowInvalid as error:
        # A record longer than a block: find the field that made it so, by line and column.
        found = _first_long_field(data, headers, delimiter, quotechar, header_row,
                                  limits.max_field_bytes)
        if found:
            raise _field_too_long(relative, *found, limits) from None
        raise DataQualityError(f"{relative}: cannot be read as CSV: {error}".replace("\n", " "),
                               hint="export it again as CSV") from None
    if table.num_rows + len(invalid) > limits.max_rows:
        raise over_limit(relative, f"{table.num_rows + len(invalid):,} rows", "max_rows",
                         limits.max_rows)
    first_data = 0
    for _ in range(header_row):
        first_data = data.find(b"\n", first_data) + 1
    lines = _locate_lines(data, [text for text, _ in invalid], first_data)
    malformed = [(line, text, why) for line, (text, why) in zip(lines, invalid, strict=True)]
    one_line_each = one_line_per_record(data, first_data, table.num_rows + len(invalid))
    table = table.append_column(
        SOURCE_LINE, _line_numbers(table, header_row + 1, [n for n in lines if n],
                                   one_line_each))
    _check_field_sizes(table, headers, relative, limits)
    for line, text, _ in malformed:
        if len(text.encode("utf-8")) > limits.max_field_bytes:
            raise _field_too_long(relative, line or 0, "(malformed row)", limits)
    return TextTable(headers, table, used_encoding, delimiter, footer_lines, malformed)
