"""Hashing input files and reading CSV files into all-text Arrow tables with line numbers."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

SOURCE_LINE = "_source_line"
_HEADER_PROBE_BYTES = 1 << 16


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def with_line_numbers(table: pa.Table, first_data_line: int) -> pa.Table:
    """Add each record's physical line: quoted fields may span lines, so count newlines."""
    newlines = pa.array(np.zeros(table.num_rows, dtype=np.int64))
    for column in table.columns:
        counted = pc.fill_null(pc.count_substring(column, "\n"), 0)
        newlines = pc.add(newlines, pc.cast(counted, pa.int64()))
    extra_before = pc.subtract(pc.cumulative_sum(newlines), newlines) if table.num_rows else newlines
    ordinal = pa.array(np.arange(first_data_line, first_data_line + table.num_rows, dtype=np.int64))
    return table.append_column(SOURCE_LINE, pc.add(ordinal, extra_before))


def _header(head: bytes, delimiter: str, header_line: int) -> list[str]:
    text = head.decode("utf-8-sig", errors="ignore")
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    for _ in range(header_line - 1):
        next(rows, None)
    return next(rows, [])


def read_csv_text(data: bytes | Path, *, delimiter: str = ",", header_line: int = 1
                  ) -> tuple[list[str], pa.Table]:
    """Read UTF-8 CSV (bytes or path) as text columns `c0..cN` plus `_source_line`.

    Returns the header names as written and the table. Every value stays a string (empty
    fields are ''), so parsing and quarantine decisions happen in one place, in SQL.
    """
    if isinstance(data, Path):
        with data.open("rb") as handle:
            head = handle.read(_HEADER_PROBE_BYTES)
        source: object = str(data)
    else:
        head, source = data[:_HEADER_PROBE_BYTES], pa.py_buffer(data)
    names = _header(head, delimiter, header_line)
    generated = [f"c{i}" for i in range(len(names))]
    if not names:
        return names, with_line_numbers(pa.table({}), header_line + 1)
    table = pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(skip_rows=header_line, column_names=generated),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in generated},
            strings_can_be_null=False, quoted_strings_can_be_null=False,
        ),
    )
    return names, with_line_numbers(table, header_line + 1)
