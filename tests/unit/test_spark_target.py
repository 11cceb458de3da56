"""The spark target's wiring: its session settings come from profiles.yml with the run's
own folder, a Spark run stops after transform, and raw column types map to Spark's."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from kam.cli import cli
from kam.settings import Settings
from kam.transform.engines import spark_session_settings, spark_type

REPO = Path(__file__).resolve().parents[2]


def test_the_session_keeps_its_warehouse_and_metastore_in_the_runs_folder(tmp_path):
    settings = spark_session_settings(tmp_path / "spark")
    assert settings["spark.sql.warehouse.dir"] == f"{tmp_path}/spark/spark-warehouse"
    assert settings["spark.hadoop.javax.jdo.option.ConnectionURL"] == (
        f"jdbc:derby:;databaseName={tmp_path}/spark/metastore_db;create=true"
    )
    assert settings["spark.driver.extraJavaOptions"] == f"-Dderby.system.home={tmp_path}/spark"
    assert not any(str(REPO) in value for value in settings.values())
    # what keeps Spark's answers DuckDB's: exact decimals, naive timestamps as UTC
    assert settings["spark.sql.decimalOperations.allowPrecisionLoss"] == "false"
    assert settings["spark.sql.session.timeZone"] == "UTC"


def test_a_spark_run_must_stop_after_transform():
    assert Settings(dbt_target="spark", until="transform").dbt_target == "spark"
    with pytest.raises(ValidationError, match="dbt_target spark builds the models only"):
        Settings(dbt_target="spark")


def test_the_command_line_refuses_a_spark_run_that_would_render(tmp_path):
    result = CliRunner().invoke(
        cli, ["run", "--input", str(tmp_path), "--month", "2026-10", "--target", "spark"]
    )
    assert result.exit_code == 2
    assert "--until transform" in result.output


def test_the_target_is_not_part_of_the_run_id():
    duck = Settings(month="2026-10").fingerprint_fields()
    spark = Settings(month="2026-10", dbt_target="spark", until="transform").fingerprint_fields()
    assert duck == spark


@pytest.mark.parametrize(
    ("duckdb_type", "expected"),
    [("DECIMAL(18,4)", "decimal(18,4)"), ("VARCHAR", "string"), ("TIMESTAMP", "timestamp"),
     ("DATE", "date"), ("INTEGER", "int"), ("BIGINT", "bigint"), ("BOOLEAN", "boolean"),
     ("DOUBLE", "double"), ("VARCHAR[]", "array<string>")],
)
def test_raw_column_types_map_to_spark(duckdb_type, expected):
    assert spark_type(duckdb_type) == expected


def test_an_unknown_column_type_is_refused():
    with pytest.raises(ValueError, match="no Spark type for the DuckDB type UNION"):
        spark_type("UNION")
