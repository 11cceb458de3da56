"""Opening the DuckDB warehouse for reading, shared by the stages that only read it.

The report step and `kam explain` both read a finished warehouse: each opens it read-only
(never taking the writer's lock from a running build) and closes it on every path. They
differ only in what a missing warehouse means to them (a failed pipeline step, or a bad
command line), so the caller names the error class.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from kam.errors import KamError


@contextlib.contextmanager
def open_read_only(
    path: Path, *, missing: type[KamError]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only and always close it; `missing` is raised when the file
    does not exist (DuckDB would otherwise refuse with its own message)."""
    if not Path(path).exists():
        raise missing(f"warehouse {path} does not exist", hint="run `kam run` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()
