"""dbt's parse of the project, kept from one run to the next.

A full parse of the project takes seconds (its macros, its YAML, every test), and dbt
starts it again whenever the vars differ from the last parse's, which the month and the
run id of every run do. kam therefore parses with the project's own default vars: nothing
in the project reads a var while it is parsed, so the manifest is the same whatever the vars
(tests/dbt/test_parse_cache.py holds the project to that), and each build is handed the
run's vars, which dbt uses when it compiles the models. The parse is then the same from
run to run, and dbt's partial parsing reuses the last one: its state file, which dbt checks
against its own version, the profile's connection, the vars and every project file's
checksum, re-parsing whatever no longer matches.

The state file is kept in a cache folder, so every warehouse and every month of a backfill
reuses it; a cache that cannot be read or written costs a full parse, never a run.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from kam.assets import DBT_PROJECT_DIR
from kam.fileio import write_atomic

PARSE_STATE = "partial_parse.msgpack"  # where dbt keeps its parse in the target folder


@dataclass(frozen=True)
class KeptParse:
    """The parse kept in `cache_dir` for this installation's project on one dbt target and
    warehouse file name.

    dbt parses in full again when the profile's connection differs from the last parse's,
    and a run's warehouse is a working copy at a new path every time. Parsing never opens
    the warehouse, so the parse names a fixed path instead, in the cache, with the real file
    name: dbt-duckdb calls the database after it, and the manifest's relations with it.
    Another installation's project files sit at other paths, which dbt would all see as
    changed, so each installation keeps its own.
    """

    cache_dir: Path
    target: str
    warehouse_name: str

    @property
    def folder(self) -> Path:
        project = hashlib.sha256(str(DBT_PROJECT_DIR.resolve()).encode()).hexdigest()[:12]
        return Path(self.cache_dir) / "dbt-parse" / f"{project}-{self.target}-{self.warehouse_name}"

    @property
    def state_file(self) -> Path:
        return self.folder / PARSE_STATE

    @property
    def warehouse(self) -> Path:
        """The warehouse path the parse names (never created: parsing opens no connection)."""
        return self.folder / self.warehouse_name

    def restore(self, target_dir: Path) -> None:
        """Put the kept parse, if there is one, where dbt looks for it."""
        Path(target_dir).mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(self.state_file, Path(target_dir) / PARSE_STATE)
        except OSError:
            return  # none kept yet, or unreadable: dbt parses in full

    def keep(self, target_dir: Path) -> None:
        """Keep the parse dbt just wrote for the next run, unless it is the one already kept.
        Written atomically: runs in parallel each keep a whole file, the last one wins."""
        try:
            state = (Path(target_dir) / PARSE_STATE).read_bytes()
            if self.state_file.exists() and self.state_file.read_bytes() == state:
                return
            write_atomic(self.state_file, state)
        except OSError:
            return  # a read-only or full cache folder only means a full parse next time


__all__ = ["PARSE_STATE", "KeptParse"]
