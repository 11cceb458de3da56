"""Land a CRM export folder into the DuckDB warehouse: typed `raw` tables plus audit rows.

The folder is read through a profile (kam/extract/profile.py), every value is parsed in
DuckDB SQL, and everything one call writes happens in a single transaction: a failure (a
missing file, a bad header, a crash) leaves the warehouse exactly as it was.

Idempotence: the `raw` tables are always replaced by what the folder holds (deltas in the
same folder merged by key), so they are a function of the folder alone; audit rows are
keyed by run id, and a rerun with the same run id replaces its own rows instead of adding
more. See docs/profiles.md, "Idempotent landing".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from kam.errors import UsageError
from kam.extract.assemble import ReadFile, ReadTable, fingerprint, iter_export
from kam.extract.limits import DEFAULT_LIMITS, InputLimits
from kam.extract.parse import REASONS, sql_literal
from kam.extract.profile import Profile, load_profile
from kam.extract.readers import SOURCE_LINE
from kam.extract.sources import is_input
from kam.extract.stage import needs_dedup, staged_sql, typed_sql
from kam.schema import AUDIT_DDL, MANIFEST_RECONCILIATION, METRIC_INPUTS, TABLES


@dataclass(frozen=True)
class FileLoad:
    """What became of one file's rows: read = landed + filtered + quarantined + deduplicated."""

    path: str
    sha256: str
    rows: int  # rows of this file landed in raw
    read: int = 0  # data rows in the file (malformed ones included, footer lines not)
    filtered: int = 0  # left out by keep_when
    filter_rule: str | None = None  # the keep_when rules as applied to this file
    quarantined: int = 0  # held back: an unparseable value or a malformed row
    deduplicated: int = 0  # older versions of a key replaced by a later row
    columns_not_provided: tuple[str, ...] = ()  # metric inputs no column was mapped to


@dataclass(frozen=True)
class TableLoad:
    table: str
    path: str  # relative to the input folder ("a.csv, b.csv" for several); file name if absent
    sha256: str | None  # of the file; of "path sha256" lines when several; None if absent
    rows: int  # rows landed in raw (quarantined, filtered and superseded rows excluded)
    provided: bool
    quarantined_rows: int = 0  # rows held back because a value could not be parsed
    quarantined_values: int = 0  # audit.quarantine entries (unparseable values, bad rows)
    filtered_rows: int = 0  # rows the profile's keep_when left out (e.g. open deals)
    superseded_rows: int = 0  # older versions of a key replaced by a later one
    files: list[FileLoad] = field(default_factory=list)

    @property
    def read_rows(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def columns_not_provided(self) -> list[str]:
        """Metric inputs none of the table's files provides."""
        if not self.files:
            return []
        missing = set.intersection(*(set(f.columns_not_provided) for f in self.files))
        return sorted(missing)

    def summary_line(self) -> str:
        """`orders: 120 read = 100 landed + 15 filtered + 3 quarantined + 2 deduplicated`."""
        if not self.provided:
            return f"{self.table}: not provided"
        line = (f"{self.table}: {self.read_rows} read = {self.rows} landed + "
                f"{self.filtered_rows} filtered + {self.quarantined_rows} quarantined + "
                f"{self.superseded_rows} deduplicated")
        rules = sorted({f.filter_rule for f in self.files if f.filtered and f.filter_rule})
        if rules:
            line += f" (kept: {'; '.join(rules)})"
        if self.columns_not_provided:
            line += f"; not provided: {', '.join(self.columns_not_provided)}"
        return line


@dataclass(frozen=True)
class ExtractSummary:
    run_id: str
    profile: str
    tables: list[TableLoad] = field(default_factory=list)
    quarantined: int = 0  # quarantine entries written by this load

    def table(self, name: str) -> TableLoad:
        return next(t for t in self.tables if t.table == name)

    def lines(self) -> list[str]:
        """The per-table reconciliation as `kam run` prints it."""
        return [f"rows per table (profile {self.profile}):",
                *(f"  {t.summary_line()}" for t in self.tables)]


def _check_folder(input_dir: Path) -> None:
    if not is_input(input_dir):
        raise UsageError(f"input folder not found: {input_dir}",
                         hint="pass --input with the folder holding the CRM export")


def _check_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    try:
        con.execute("select timezone(?, TIMESTAMPTZ '2026-01-01 00:00:00+00')", [timezone])
    except duckdb.Error:
        raise UsageError(f"unknown timezone '{timezone}'",
                         hint="use an IANA name such as UTC or Asia/Shanghai") from None


def input_fingerprint(input_dir: Path, profile: str = "canonical",
                      limits: InputLimits = DEFAULT_LIMITS) -> list[tuple[str, str]]:
    """(relative path, sha256) of every input file the profile would read; no parsing."""
    input_dir = Path(input_dir)
    loaded = load_profile(profile)
    _check_folder(input_dir)
    return fingerprint(input_dir, loaded, limits)


def profile_fingerprint(profile: str | Path = "canonical") -> str:
    """sha256 of the resolved profile (base merged in), so editing a user's profile YAML
    changes the run id even when its path and the export stay the same."""
    loaded = load_profile(profile)
    return hashlib.sha256(loaded.model_dump_json(exclude={"source"}).encode()).hexdigest()


def run_fingerprint(input_dir: Path, profile: str | Path = "canonical",
                    limits: InputLimits = DEFAULT_LIMITS) -> list[tuple[str, str]]:
    """What a run's id derives from on the input side: the files and the resolved profile."""
    return [*input_fingerprint(input_dir, str(profile), limits),
            ("profile", profile_fingerprint(profile))]


def ensure_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    for ddl in AUDIT_DDL.values():
        con.execute(ddl)
    for column, sql_type in MANIFEST_RECONCILIATION.items():  # warehouses made before them
        con.execute(f"alter table audit.load_manifest add column if not exists {column} "
                    f"{sql_type}")


def _record_last_load(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """audit.last_load: the manifest rows of the load the `raw` tables now hold."""
    con.execute("create or replace view audit.last_load as select * from audit.load_manifest "
                f"where run_id = {sql_literal(run_id)}")


LANDING_MEMORY_LIMIT = "512MB"  # DuckDB's share of a run's 2 GB budget while landing
WELL_FORMED = "well_formed_row"  # quarantine expectation of rows with the wrong field count
_MANIFEST = ("insert into audit.load_manifest (run_id, table_name, path, sha256, rows, provided, "
             "profile, loaded_at, rows_read, rows_filtered, filter_rule, rows_quarantined, "
             "rows_deduplicated, columns_not_provided) "
             "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_QUARANTINE_COLUMNS = [("run_id", pa.string()), ("table_name", pa.string()),
                       ("row_key", pa.string()), ("source_file", pa.string()),
                       ("source_line", pa.int64()), ("column_name", pa.string()),
                       ("value", pa.string()), ("expectation", pa.string()),
                       ("reason", pa.string())]  # audit.quarantine's columns, in order


def _combined_sha(files: list[FileLoad]) -> str:
    if len(files) == 1:
        return files[0].sha256
    lines = "".join(f"{f.path} {f.sha256}\n" for f in sorted(files, key=lambda f: f.path))
    return hashlib.sha256(lines.encode()).hexdigest()


class _Lander:
    def __init__(self, con: duckdb.DuckDBPyConnection, *, run_id: str, profile: Profile,
                 timezone: str, loaded_at: object):
        self.con, self.run_id, self.profile = con, run_id, profile
        self.timezone, self.loaded_at = timezone, loaded_at

    def land(self, read: ReadTable) -> TableLoad:
        table, con = read.table, self.con
        con.execute(f"drop table if exists raw.{table.name}")
        con.execute(table.ddl("raw"))
        if not read.provided:
            con.execute(_MANIFEST, [self.run_id, table.name, table.file_name, None, 0, False,
                                    self.profile.name, self.loaded_at, 0, 0, None, 0, 0, None])
            return TableLoad(table.name, table.file_name, None, 0, False)
        malformed = self._quarantine_malformed(read)
        views = [f"src_{i}" for i in range(len(read.files))]
        for view, file in zip(views, read.files, strict=True):
            con.register(view, file.text.table)
        try:
            counts = self._land_typed(read, views)
        finally:
            for view in views:
                con.unregister(view)
        files = [self._file_load(read, file, counts) for file in read.files]
        for load in files:
            con.execute(_MANIFEST, [
                self.run_id, table.name, load.path, load.sha256, load.rows, True,
                self.profile.name, self.loaded_at, load.read, load.filtered, load.filter_rule,
                load.quarantined, load.deduplicated,
                ", ".join(load.columns_not_provided) or None])
        return TableLoad(
            table.name, ", ".join(f.path for f in files), _combined_sha(files),
            sum(f.rows for f in files), True, sum(f.quarantined for f in files),
            counts["bad_values"] + len(malformed), sum(f.filtered for f in files),
            sum(f.deduplicated for f in files), files)

    def _file_load(self, read: ReadTable, file: ReadFile, counts: dict) -> FileLoad:
        """One file's reconciliation from the per-file counts of each landing step."""
        name = file.source.relative
        data_rows, malformed = file.text.table.num_rows, len(file.text.malformed)
        staged = counts["staged"].get(name, 0)
        kept = counts["kept"].get(name, 0)
        missing = tuple(c for c in METRIC_INPUTS.get(read.table.name, {})
                        if not _provides(read, file, c))
        return FileLoad(
            name, file.sha256, counts["per_file"].get(name, 0), read=data_rows + malformed,
            filtered=data_rows - staged, filter_rule=file.keep_rule() or None,
            quarantined=counts["bad_rows"].get(name, 0) + malformed,
            deduplicated=staged - kept, columns_not_provided=missing)

    def _quarantine_malformed(self, read: ReadTable) -> list[tuple]:
        rows = [(self.run_id, read.table.name, None, f.source.relative, line, None, text,
                 WELL_FORMED, why)
                for f in read.files for line, text, why in f.text.malformed]
        if rows:
            # One columnar insert: executemany costs a statement per row and grew to
            # minutes for tens of thousands of malformed rows.
            columns = list(zip(*rows, strict=True))
            batch = pa.table({name: pa.array(values, type)
                              for (name, type), values in zip(_QUARANTINE_COLUMNS, columns,
                                                              strict=True)})
            self.con.register("malformed_rows", batch)
            try:
                names = ", ".join(name for name, _ in _QUARANTINE_COLUMNS)
                self.con.execute(f"insert into audit.quarantine ({names}) "
                                 f"select {names} from malformed_rows")
            finally:
                self.con.unregister("malformed_rows")
        return rows

    def _land_typed(self, read: ReadTable, views: list[str]) -> dict:
        """Insert the parsed rows in file and line order; quarantine unparseable values.

        Parsing is most of a large table's landing, so the rows are parsed on their way
        into `raw`, the ones with an unparseable value left out, without a typed copy of
        the whole table in between. Counting the rows before and after tells whether any
        was left out; only then are the rows parsed again to find and quarantine their
        values (never a DELETE in `raw`: DuckDB would rewrite the whole table at commit).
        Rows arrive in file and line order already unless deduplication reordered them.
        """
        table, con = read.table, self.con
        formats = self.profile.formats_for(table.name)
        typed_columns = [c for c in table.columns if c.type != "text"]
        any_failed = " or ".join(_failed(c.name) for c in typed_columns) or "false"
        staged_rows = staged_sql(read, views)
        typed = f"(with staged as ({staged_rows}) {typed_sql(read, formats, self.timezone)})"
        names = ", ".join(f'"{c}"' for c in table.column_names)
        con.execute(
            f"insert into raw.{table.name} select {names}, _source_file, {SOURCE_LINE} "
            f"from {typed} where not ({any_failed})"
            + (f" order by _source_file, {SOURCE_LINE}" if needs_dedup(read) else ""))
        per_file = dict(con.execute(
            f"select _source_file, count(*) from raw.{table.name} group by 1").fetchall())
        # Rows after deduplication, landed or not: only the key and updated-at are parsed.
        kept = dict(con.execute(
            f"select _source_file, count(*) from {typed} group by 1").fetchall())
        # As before: a file none of whose rows survived deduplication counts no staged rows.
        staged = {name: count for name, count in con.execute(
            f"select _source_file, count(*) from ({staged_rows}) group by 1"
        ).fetchall() if name in kept}
        bad_values, bad_rows = 0, {}
        if sum(kept.values()) > sum(per_file.values()):
            con.execute(f"create or replace temp table failed_rows as "
                        f"select * from {typed} where {any_failed}")
            for column in typed_columns:
                con.execute(
                    f"""insert into audit.quarantine
                    select ?, ?, __row_key, _source_file, {SOURCE_LINE}, ?,
                           "__text_{column.name}", ?, ?
                    from failed_rows
                    where {_failed(column.name)}
                    order by _source_file, {SOURCE_LINE}""",
                    [self.run_id, table.name, column.name, f"parse_{column.type}",
                     REASONS[column.type]])
            entries = " + ".join(f"({_failed(c.name)})::INTEGER" for c in typed_columns)
            bad_values = con.execute(f"select sum({entries}) from failed_rows").fetchone()[0]
            bad_rows = dict(con.execute(
                "select _source_file, count(*) from failed_rows group by 1").fetchall())
            con.execute("drop table failed_rows")
        return {"bad_values": int(bad_values), "per_file": per_file, "bad_rows": bad_rows,
                "kept": kept, "staged": staged}


def _failed(column: str) -> str:
    """SQL: the column's text was not empty and did not parse."""
    return f'("__text_{column}" is not null and "{column}" is null)'


def _provides(read: ReadTable, file: ReadFile, column: str) -> bool:
    spec = read.spec
    return (column in file.columns or column in file.derived or column in spec.constants
            or column in spec.defaults)


def resolve_links(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    """Replace names by keys where the profile links a column to another table's column.

    Only names that identify one record are replaced; a value no record has (or an id
    already) is left as written, so the foreign-key checks still see it.
    """
    for name, spec in profile.tables.items():
        for column, link in spec.links.items():
            key = TABLES[link.table].key
            con.execute(
                f'update raw.{name} as t set "{column}" = m.key from ('
                f'select "{link.by}" as name, min("{key}") as key from raw.{link.table} '
                f'where "{link.by}" is not null group by 1 having count(*) = 1) as m '
                f'where t."{column}" = m.name')


def _replace_run_audit(con: duckdb.DuckDBPyConnection, run_id: str) -> object:
    """Drop this run id's earlier audit rows so a rerun does not add duplicates."""
    first = con.execute("select min(loaded_at) from audit.load_manifest where run_id = ?",
                        [run_id]).fetchone()[0]
    con.execute("delete from audit.load_manifest where run_id = ?", [run_id])
    # Validation quarantines rows under the same run id with its own expectations: keep those.
    con.execute("delete from audit.quarantine where run_id = ? and (expectation like 'parse\\_%' "
                "escape '\\' or expectation = ?)", [run_id, WELL_FORMED])
    return first


def extract_export(input_dir: Path, warehouse: Path, *, run_id: str,
                   profile: str | Path = "canonical", timezone: str = "UTC",
                   limits: InputLimits = DEFAULT_LIMITS) -> ExtractSummary:
    """Read the export in `input_dir` through `profile` and replace the `raw` tables.

    Raises UsageError (unknown profile, missing folder, unknown timezone) or
    DataQualityError (missing required file or column, empty, header-only or unreadable
    file, a file over one of the input `limits`). The tables are read and landed one at a
    time (memory for the largest, not for all); all of it is one transaction, so a problem
    found in a later file leaves the warehouse as it was, and a warehouse file this call
    created is removed again.
    """
    input_dir, warehouse = Path(input_dir), Path(warehouse)
    loaded = load_profile(profile)
    _check_folder(input_dir)
    tables = iter_export(input_dir, loaded, limits)
    first = next(tables)  # the export's shape and the first file are checked before writing
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    created = not warehouse.exists()
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        # DuckDB would cache up to 80% of the machine's memory; the landing's temporary
        # tables spill to disk beyond this instead, so a run stays within its budget.
        con.execute(f"set memory_limit = '{LANDING_MEMORY_LIMIT}'")
        _check_timezone(con, timezone)
        con.begin()
        try:
            ensure_audit_tables(con)
            first_loaded = _replace_run_audit(con, run_id)
            loaded_at = first_loaded or con.execute("select now()::TIMESTAMP").fetchone()[0]
            lander = _Lander(con, run_id=run_id, profile=loaded, timezone=timezone,
                             loaded_at=loaded_at)
            loads = [lander.land(first)]
            del first  # one table's text in memory at a time
            loads += [lander.land(read) for read in tables]
            resolve_links(con, loaded)
            _record_last_load(con, run_id)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    except BaseException:
        con.close()
        if created:
            for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    return ExtractSummary(run_id, loaded.name, loads,
                          sum(load.quarantined_values for load in loads))


__all__ = ["ExtractSummary", "TableLoad", "FileLoad", "extract_export", "input_fingerprint",
           "profile_fingerprint", "ensure_audit_tables"]
