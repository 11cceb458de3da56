"""Land a CRM export folder into the DuckDB warehouse: typed `raw` tables plus audit rows.

Everything one call writes happens in a single transaction: a failure (a missing file, a
bad header, a crash) leaves the warehouse exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.errors import UsageError
from flows.ingest.files import SOURCE_LINE, read_csv_text, sha256_of
from flows.ingest.headers import match_columns, missing_column_error, missing_file_error
from flows.ingest.parse import REASONS, parse_value, sql_literal, text_value
from flows.schema import AUDIT_DDL, TABLES, Table

BUILT_IN_PROFILES = ("canonical",)


@dataclass(frozen=True)
class TableLoad:
    table: str
    path: str  # relative to the input folder; the canonical file name when absent
    sha256: str | None
    rows: int  # rows landed in raw (quarantined rows excluded)
    provided: bool
    quarantined_rows: int = 0  # rows held back because a value could not be parsed
    quarantined_values: int = 0  # audit.quarantine entries (one per unparseable value)


@dataclass(frozen=True)
class ExtractSummary:
    run_id: str
    profile: str
    tables: list[TableLoad] = field(default_factory=list)
    quarantined: int = 0  # quarantine entries written (one per unparseable value)

    def table(self, name: str) -> TableLoad:
        return next(t for t in self.tables if t.table == name)


@dataclass
class _Source:
    table: Table
    path: Path | None
    relative: str | None
    sha256: str | None = None
    text: pa.Table | None = None
    columns: dict[str, int] = field(default_factory=dict)


def _check_inputs(input_dir: Path, profile: str) -> None:
    if profile not in BUILT_IN_PROFILES:
        raise UsageError(f"unknown profile '{profile}'; built-in profiles: "
                         + ", ".join(BUILT_IN_PROFILES))
    if not input_dir.is_dir():
        raise UsageError(f"input folder not found: {input_dir}",
                         hint="pass --input with the folder holding the CRM export")


def _locate(input_dir: Path) -> list[_Source]:
    found = sorted(p.name for p in input_dir.iterdir() if p.is_file())
    sources = []
    for table in TABLES.values():
        path = input_dir / table.file_name
        if path.is_file():
            sources.append(_Source(table, path, path.relative_to(input_dir).as_posix()))
        elif table.required:
            raise missing_file_error(table.file_name, str(input_dir), found)
        else:
            sources.append(_Source(table, None, None))
    return sources


def input_fingerprint(input_dir: Path, profile: str = "canonical") -> list[tuple[str, str]]:
    """(relative path, sha256) of every input file the profile would read; no parsing."""
    input_dir = Path(input_dir)
    _check_inputs(input_dir, profile)
    return [(s.relative, sha256_of(s.path)) for s in _locate(input_dir) if s.path is not None]


def _read(source: _Source) -> None:
    names, text = read_csv_text(source.path)
    aliases = {c: [c] for c in source.table.column_names}
    source.columns = match_columns(names, aliases)
    for column in source.table.required_columns:
        if column not in source.columns:
            raise missing_column_error(source.relative, column, [column], names)
    source.sha256 = sha256_of(source.path)
    source.text = text


def _typed_select(source: _Source, timezone: str) -> str:
    """Select of text values (`__text_<col>`), parsed values and the row key from `src`."""
    table = source.table
    parts = []
    for column in table.columns:
        index = source.columns.get(column.name)
        text = text_value(f'"c{index}"') if index is not None else "NULL::VARCHAR"
        parts.append(f'{text} as "__text_{column.name}"')
    key_parts = ", ".join(f'"__text_{k}"' for k in table.key.split(","))
    typed = [parse_value(f'"__text_{c.name}"', c.type, timezone=timezone) + f' as "{c.name}"'
             for c in table.columns]
    return (f"with texts as (select {', '.join(parts)}, {SOURCE_LINE} from src) "
            f"select *, {', '.join(typed)}, concat_ws('|', {key_parts}) as __row_key "
            f"from texts")


def _land_table(con: duckdb.DuckDBPyConnection, source: _Source, *, run_id: str,
                profile: str, timezone: str) -> TableLoad:
    table = source.table
    con.execute(f"drop table if exists raw.{table.name}")
    con.execute(table.ddl("raw"))
    if source.text is None:
        con.execute(_manifest_insert(),
                    [run_id, table.name, table.file_name, None, 0, False, profile])
        return TableLoad(table.name, table.file_name, None, 0, False)
    con.register("src", source.text)
    con.execute(f"create or replace temp table typed as {_typed_select(source, timezone)}")
    con.unregister("src")
    typed_columns = [c for c in table.columns if c.type != "text"]
    failed = [f'("__text_{c.name}" is not null and "{c.name}" is null)' for c in typed_columns]
    any_failed = " or ".join(failed) or "false"
    file_literal = sql_literal(source.relative)
    for column in typed_columns:
        con.execute(
            f"""insert into audit.quarantine
            select ?, ?, __row_key, {file_literal}, {SOURCE_LINE}, ?, "__text_{column.name}",
                   ?, ?
            from typed
            where "__text_{column.name}" is not null and "{column.name}" is null
            order by {SOURCE_LINE}""",
            [run_id, table.name, column.name, f"parse_{column.type}",
             REASONS[column.type]],
        )
    names = ", ".join(f'"{c}"' for c in table.column_names)
    con.execute(
        f"insert into raw.{table.name} select {names}, {file_literal}, {SOURCE_LINE} "
        f"from typed where not ({any_failed}) order by {SOURCE_LINE}"
    )
    entries = " + ".join(f"({f})::INTEGER" for f in failed) or "0"
    rows, bad, values = con.execute(
        f"select count(*) filter (where not ({any_failed})), "
        f"count(*) filter (where {any_failed}), coalesce(sum({entries}), 0) from typed"
    ).fetchone()
    con.execute("drop table typed")
    con.execute(_manifest_insert(),
                [run_id, table.name, source.relative, source.sha256, rows, True, profile])
    return TableLoad(table.name, source.relative, source.sha256, rows, True, bad, int(values))


def _manifest_insert() -> str:
    return "insert into audit.load_manifest values (?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)"


def ensure_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    for ddl in AUDIT_DDL.values():
        con.execute(ddl)


def extract_export(input_dir: Path, warehouse: Path, *, run_id: str,
                   profile: str = "canonical", timezone: str = "UTC") -> ExtractSummary:
    """Read the export in `input_dir` and replace the `raw` tables in `warehouse`.

    Raises UsageError (unknown profile, missing folder) or DataQualityError (missing
    required file or column) before anything is written.
    """
    input_dir, warehouse = Path(input_dir), Path(warehouse)
    _check_inputs(input_dir, profile)
    sources = _locate(input_dir)
    for source in sources:
        if source.path is not None:
            _read(source)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.begin()
        try:
            ensure_audit_tables(con)
            loads = [_land_table(con, s, run_id=run_id, profile=profile, timezone=timezone)
                     for s in sources]
            quarantined = sum(load.quarantined_values for load in loads)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.close()
    return ExtractSummary(run_id, profile, loads, quarantined)
