"""The engine a run's dbt target builds on, as the steps outside dbt see it.

The CLV fit step reads its inputs and writes its results through the same engine as the
dbt models: the DuckDB warehouse file, or Spark (dbt-spark's session method, a pyspark
session in this process). A DuckDB connection is opened for one read or one write and
closed at once, so no write connection outlives a step or overlaps a dbt run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import duckdb
import jinja2
import pandas as pd
import pyarrow as pa
import yaml
from pyspark.sql import SparkSession

from kam.assets import DBT_PROJECT_DIR

DUCKDB = "duckdb"
SPARK = "spark"
TARGETS = (DUCKDB, SPARK)

# The raw tables of the export and the audit table staging reads (quarantined rows).
SPARK_LANDED_SCHEMAS = ("raw", "audit")


class Warehouse(Protocol):
    """Where a step outside dbt reads the models it needs and writes its own tables."""

    def read(self, sql: str) -> pd.DataFrame: ...

    def write(self, schema: str, table: str, rows: pa.Table) -> None: ...


class DuckDBWarehouse:
    """The run's DuckDB file: read-only connections to read, one short one to write."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.sql(sql).df()

    def write(self, schema: str, table: str, rows: pa.Table) -> None:
        with duckdb.connect(str(self.path)) as con:
            con.register("written_rows", rows)
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create or replace table "{schema}"."{table}" as select * from written_rows'
            )
            con.unregister("written_rows")


class SparkWarehouse:
    """The Spark session dbt-spark's session method uses (the same process, the same
    metastore), or any session handed in."""

    def __init__(self, session) -> None:
        self.session = session

    def read(self, sql: str) -> pd.DataFrame:
        return self.session.sql(sql).toPandas()

    def write(self, schema: str, table: str, rows: pa.Table) -> None:
        self.session.sql(f"create database if not exists `{schema}`")
        frame = self.session.createDataFrame(rows)
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"`{schema}`.`{table}`")


def spark_session_settings(spark_dir: Path) -> dict[str, str]:
    """The session settings of the `spark` target in profiles.yml, for `spark_dir` (the
    folder of its warehouse and metastore): one definition for dbt and for kam."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    parameters = profile["kam"]["outputs"][SPARK]["server_side_parameters"]

    def env_var(name: str, default: str | None = None) -> str:
        if name == "KAM_SPARK_DIR":
            return str(spark_dir)
        value = os.environ.get(name, default)
        if value is None:
            raise KeyError(name)
        return value

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {
        key: environment.from_string(str(value)).render(env_var=env_var)
        for key, value in parameters.items()
    }


def spark_session(spark_dir: Path):
    """The process's Spark session, created with the `spark` target's settings when there
    is none yet (a later call returns the same session, whatever `spark_dir`)."""
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_session_settings(spark_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # dbt-spark asks the builder again for every statement, and Spark warns each time
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_dir_for_run(configured: Path | None) -> Path:
    """The folder of the local Spark warehouse and metastore: the configured one, else a
    new temporary folder (never inside the repository)."""
    if configured is not None:
        Path(configured).mkdir(parents=True, exist_ok=True)
        return Path(configured).resolve()
    return Path(tempfile.mkdtemp(prefix="kam-spark-"))


@contextmanager
def spark_dir_env(spark_dir: Path | None) -> Iterator[None]:
    """KAM_SPARK_DIR for profiles.yml during a dbt call; restored afterwards."""
    previous = os.environ.get("KAM_SPARK_DIR")
    if spark_dir is not None:
        os.environ["KAM_SPARK_DIR"] = str(spark_dir)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("KAM_SPARK_DIR", None)
        else:
            os.environ["KAM_SPARK_DIR"] = previous


def land_in_spark(duckdb_path: Path, session) -> list[str]:
    """Copy the landed export (`raw`) and the audit tables from the run's DuckDB file into
    Spark tables of the same names and types; returns the tables copied.

    Extract and validation work on the DuckDB file whatever the target; the models then
    read these copies on Spark. Each table goes through Arrow and is cast back to the
    column types DuckDB declares, so an empty table keeps its schema.
    """
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in (select unnest(?)) and table_type = 'BASE TABLE'"
            " order by table_schema, table_name",
            [list(SPARK_LANDED_SCHEMAS)],
        ).fetchall()
        copied = []
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            rows = con.sql(f'select * from "{schema}"."{table}"').to_arrow_table()
            session.sql(f"create database if not exists `{schema}`")
            if rows.num_rows:
                session.createDataFrame(rows).createOrReplaceTempView("kam_landed_rows")
                values = ", ".join(
                    f"cast(`{name}` as {spark_type(kind)}) as `{name}`" for name, kind in columns
                )
                typed = session.sql(f"select {values} from kam_landed_rows")
            else:
                nulls = ", ".join(
                    f"cast(null as {spark_type(kind)}) as `{name}`" for name, kind in columns
                )
                typed = session.sql(f"select {nulls} from (select 1 as no_row) where false")
            typed.write.mode("overwrite").format("parquet").saveAsTable(f"`{schema}`.`{table}`")
            copied.append(f"{schema}.{table}")
        session.catalog.dropTempView("kam_landed_rows")
    return copied


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type of a DuckDB column type (the types kam's raw and audit tables use)."""
    kind = duckdb_type.upper()
    if kind.startswith("DECIMAL"):
        return kind.lower()
    mapped = {
        "VARCHAR": "string", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamp", "INTEGER": "int", "BIGINT": "bigint",
        "SMALLINT": "smallint", "TINYINT": "tinyint", "DOUBLE": "double", "FLOAT": "float",
        "HUGEINT": "decimal(38, 0)", "UBIGINT": "decimal(20, 0)", "UINTEGER": "bigint",
    }
    if kind in mapped:
        return mapped[kind]
    if kind.endswith("[]"):
        return f"array<{spark_type(kind[:-2])}>"
    raise ValueError(f"no Spark type for the DuckDB type {duckdb_type}")
