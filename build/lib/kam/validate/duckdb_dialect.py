"""A read-only DuckDB dialect for Great Expectations' SQL datasource.

Great Expectations fetches a query's rows after the SQLAlchemy connection that ran it is
closed. duckdb-engine rolls back on close, and a DuckDB connection drops its pending result
on the next statement, so every metric came back empty and every expectation "N/A"
(great_expectations issues 10738 and 11579). Validation only reads, so this dialect runs
in autocommit: no BEGIN, and nothing on close that could discard a result.
"""

from __future__ import annotations

import weakref

from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy.dialects import registry

DRIVER = "duckdb+kam_readonly"


class ReadOnlyDuckDBDialect(DuckDBDialect):
    # As duckdb-engine behaves today (no compiled-statement cache), stated to silence the
    # warning SQLAlchemy gives when a dialect leaves it unsaid.
    supports_statement_cache = False

    def do_begin(self, dbapi_connection) -> None:
        pass

    def do_rollback(self, dbapi_connection) -> None:
        pass

    def do_commit(self, dbapi_connection) -> None:
        pass

    def on_connect(self):
        # Tables are named without their schema: Great Expectations deprecates schema_name
        # on table assets, and some of its metadata queries drop it anyway.
        inherited = super().on_connect()

        def use_raw_schema(dbapi_connection) -> None:
            if inherited is not None:
                inherited(dbapi_connection)
            dbapi_connection.execute("set search_path = 'raw'")
            _opened.add(dbapi_connection)

        return use_raw_schema


# Great Expectations builds several SQLAlchemy engines from one connection string and keeps
# them referenced; DuckDB refuses another configuration of a file while any of their
# connections is open. close_all() ends them once validation is done.
_opened: weakref.WeakSet = weakref.WeakSet()


def close_all() -> None:
    for connection in list(_opened):
        connection.close()
    _opened.clear()


def register() -> None:
    registry.register("duckdb.kam_readonly", __name__, "ReadOnlyDuckDBDialect")


def connection_string(warehouse) -> str:
    """A read-only URL: a validation can never change the warehouse it checks."""
    return f"{DRIVER}:///{warehouse}?access_mode=read_only"
