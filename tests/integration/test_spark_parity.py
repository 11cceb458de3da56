"""The same dbt models on Spark give the same marts as on DuckDB, cell by cell.

One small generated export (30 accounts, 14 months to 2026-10) is landed once, then the
month is built twice from it: on DuckDB, and on Spark through the `spark` target (a local
pyspark session in this process, one per module, its warehouse and metastore in a
temporary folder), the CLV fit step running between the two dbt builds on each engine.
Every mart table is then compared row by row, sorted the same way: money and other
decimals exactly, floats to 1e-9, text, dates, timestamps and flags equal.
"""

from __future__ import annotations

import math
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kam.extract.landing import extract_export
from kam.generate import generate_export
from kam.month import Month
from kam.transform.dbt import build_month
from kam.transform.engines import SPARK, land_in_spark, spark_session

MONTH = "2026-10"
MARTS_DIR = Path(__file__).parents[2] / "dbt_project" / "models" / "marts"
# Every mart table the project builds (account_review_metrics is ephemeral: never stored).
MARTS = sorted(
    path.stem for path in MARTS_DIR.rglob("*.sql") if path.stem != "account_review_metrics"
)
VARIABLES = {
    "month": MONTH,
    "run_id": "parity",
    # low enough that 30 accounts fit BG/NBD and Gamma-Gamma instead of the fallback
    "clv_min_repeat_accounts": 10,
    "clv_discount_rate": 0.10,
}
FLOAT_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> tuple[Path, object]:
    """(DuckDB warehouse, Spark session), the month built on each from the same export."""
    root = tmp_path_factory.mktemp("parity")
    export = root / "export"
    generate_export(export, accounts=30, months=14, seed=11, end_month=Month.parse(MONTH))
    landed = root / "landed.duckdb"
    extract_export(export, landed, run_id="parity")

    on_duckdb = root / "duckdb.duckdb"
    shutil.copy(landed, on_duckdb)
    build_month(on_duckdb, VARIABLES, root / "target-duckdb")

    spark_dir = root / "spark"
    spark_dir.mkdir()
    session = spark_session(spark_dir)
    land_in_spark(landed, session)
    build_month(landed, VARIABLES, root / "target-spark", target=SPARK, spark_dir=spark_dir)
    yield on_duckdb, session
    session.stop()


def duckdb_rows(warehouse: Path, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relation = con.sql(f"select * from marts.{table}")
        return relation.columns, relation.fetchall()


def spark_rows(session, table: str, columns: list[str]) -> list[tuple]:
    # Spark keeps the partition column (month) last: select in DuckDB's column order
    frame = session.table(f"marts.{table}").select(*columns)
    return [tuple(row) for row in frame.collect()]


def sort_key(row: tuple) -> tuple:
    """Rows sorted on every value, floats rounded well above the tolerance, nulls first."""
    return tuple(
        (0, "") if value is None
        else (1, f"{round(float(value), 6):.6f}") if isinstance(value, float | Decimal)
        else (1, str(value))
        for value in row
    )


def same_value(duck, spark) -> bool:
    if duck is None or spark is None:
        return duck is None and spark is None
    if isinstance(duck, Decimal) and isinstance(spark, Decimal):
        return duck == spark  # money and every decimal: exact
    if isinstance(duck, float | Decimal) or isinstance(spark, float | Decimal):
        # a rate stored as DOUBLE on one engine and DECIMAL on the other
        return math.isclose(float(duck), float(spark), rel_tol=FLOAT_TOLERANCE,
                            abs_tol=FLOAT_TOLERANCE)
    if isinstance(duck, datetime) or isinstance(spark, datetime):
        return duck == spark
    if isinstance(duck, date) or isinstance(spark, date):
        return duck == spark
    if isinstance(duck, str) and isinstance(spark, str) and duck != spark:
        # account_risks.value is a number written as text: each engine spells it its way
        try:
            return math.isclose(float(duck), float(spark), rel_tol=FLOAT_TOLERANCE,
                                abs_tol=FLOAT_TOLERANCE)
        except ValueError:
            return False
    return duck == spark and type(duck) is type(spark)


def test_the_export_reaches_every_kind_of_mart(warehouses):
    """The comparison means something: most marts have rows for M on DuckDB."""
    on_duckdb, _ = warehouses
    empty = [table for table in MARTS if not duckdb_rows(on_duckdb, table)[1]]
    assert len(MARTS) >= 25
    assert len(empty) <= 3, f"marts without rows: {empty}"
    assert duckdb_rows(on_duckdb, "clv_model_fit")[1][0][13] == "bgnbd_gamma_gamma"


@pytest.mark.parametrize("table", MARTS)
def test_spark_builds_the_same_mart(warehouses, table):
    on_duckdb, session = warehouses
    columns, expected = duckdb_rows(on_duckdb, table)
    spark_columns = session.table(f"marts.{table}").columns
    assert sorted(spark_columns) == sorted(columns)
    actual = spark_rows(session, table, columns)
    assert len(actual) == len(expected), f"{table}: {len(actual)} rows on Spark"
    differences = [
        f"{table} row {index} {column}: duckdb {duck!r} spark {spark!r}"
        for index, (duck_row, spark_row) in enumerate(
            zip(sorted(expected, key=sort_key), sorted(actual, key=sort_key), strict=True)
        )
        for column, duck, spark in zip(columns, duck_row, spark_row, strict=True)
        if not same_value(duck, spark)
    ]
    assert not differences, "\n".join(differences[:20])
