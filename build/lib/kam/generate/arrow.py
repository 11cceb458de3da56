"""Build pyarrow columns from numpy arrays and write them as canonical CSV files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kam.schema import TABLES


def decimal_column(units: np.ndarray, scale: int, known: np.ndarray | None = None) -> pa.Array:
    """Exact decimals from integer units (cents for scale 2): no float rounding on output.

    A decimal128 value is its unscaled integer stored in 16 little-endian bytes, so the
    int64 units are sign-extended into the high word and viewed as decimals directly.
    """
    units = np.asarray(units, dtype=np.int64)
    words = np.empty((units.size, 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)
    column = pa.Array.from_buffers(
        pa.decimal128(18, scale), units.size, [None, pa.py_buffer(words.tobytes())]
    )
    return column if known is None else with_nulls(column, known)


def with_nulls(column: pa.Array, valid: np.ndarray) -> pa.Array:
    """Blank out (null, written as an empty field) where `valid` is False."""
    return pc.if_else(pa.array(valid), column, pa.scalar(None, column.type))


def date_column(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, dtype="datetime64[D]"))


def timestamp_column(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    column = pa.array(np.asarray(seconds, dtype="datetime64[s]"))
    return column if valid is None else with_nulls(column, valid)


def id_column(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """IDs like ORD-0000001: prefix plus the number zero-padded to `width` digits."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def id_width(count: int, minimum: int) -> int:
    return max(minimum, len(str(count)))


def label_column(labels: list[str], index: np.ndarray, valid: np.ndarray | None = None):
    """Strings picked from `labels` by position; null where `valid` is False."""
    column = pa.array(labels, pa.string()).take(pa.array(index, pa.int64()))
    return column if valid is None else with_nulls(column, valid)


def write_table(out_dir: Path, name: str, columns: dict[str, pa.Array]) -> int:
    """Write one canonical file atomically; its header is exactly the schema's column list."""
    expected = TABLES[name].column_names
    if list(columns) != expected:
        raise ValueError(f"{name}: columns {list(columns)} differ from schema {expected}")
    table = pa.table(columns)
    path = out_dir / TABLES[name].file_name
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as sink:
        sink.write((",".join(expected) + "\n").encode("utf-8"))
        pacsv.write_csv(
            table, sink, pacsv.WriteOptions(include_header=False, quoting_style="needed")
        )
    os.replace(partial, path)
    return table.num_rows
