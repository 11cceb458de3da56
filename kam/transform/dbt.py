"""Build the dbt project in-process (dbtRunner) against one warehouse file, or on Spark.

A month is built in two dbt invocations around the CLV fit step (kam.transform.clv_fit):
first everything the fit reads, then the rest, which reads the fit's tables.
"""

from __future__ import annotations

import functools
import gc
import io
import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import yaml
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner
from dbt.contracts.graph.manifest import Manifest
from dbt_common.events.functions import capture_stdout_logs, stop_capture_stdout_logs

from kam.assets import DBT_PROJECT_DIR
from kam.errors import PipelineError, UsageError
from kam.settings import Settings
from kam.transform.clv_fit import ClvFitOutcome, fit_clv_month
from kam.transform.engines import (
    DUCKDB,
    SPARK,
    DuckDBWarehouse,
    SparkWarehouse,
    Warehouse,
    spark_dir_env,
    spark_session,
)
from kam.transform.parse_cache import KeptParse

# What the CLV fit reads: the first build makes these and everything upstream of them.
CLV_FIT_INPUTS = "+int_clv_transactions +int_clv_accounts"

FAILED = {"error", "fail", "runtime error"}

# How the project's var checks refuse a var (dbt_project/macros/checked_vars.sql).
_INVALID_VAR = re.compile(r"invalid var: (\{.*\})")


@contextmanager
def _warehouse_env(warehouse: Path):
    # profiles.yml reads the path from the environment; restore it so runs don't leak.
    previous = os.environ.get("KAM_DBT_WAREHOUSE")
    os.environ["KAM_DBT_WAREHOUSE"] = str(warehouse.resolve())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("KAM_DBT_WAREHOUSE", None)
        else:
            os.environ["KAM_DBT_WAREHOUSE"] = previous


def dbt_vars(settings: Settings, run_id: str) -> dict[str, object]:
    """The run's settings as the dbt project's vars (the models' business constants stay
    in dbt_project.yml)."""
    return {
        "month": str(settings.reporting_month),
        "run_id": run_id,
        "timezone": settings.timezone,
        "reporting_currency": settings.reporting_currency or "",
        "report_tiers": list(settings.report_tiers),
        "clv_discount_rate": settings.clv_discount_rate,
        "clv_min_repeat_accounts": settings.clv_min_repeat_accounts,
    }


def _release_dbt_connection() -> None:
    """Close the connection dbt-duckdb keeps for the life of the process.

    DuckDB refuses a read-only connection to a file that the same process holds open
    read-write, and no write connection may outlive the dbt run.
    """
    DuckDBConnectionManager.close_all_connections()
    # Dropping the adapter's environment closes its DuckDB connection once it is collected.
    gc.collect()


def invalid_var(error: BaseException | None) -> UsageError | None:
    """The one-line refusal of a var the dbt project's checks turned down, if that is what
    stopped dbt: `dbt var month = "2026-13" is not allowed: a month as YYYY-MM, ...`."""
    found = _INVALID_VAR.search(str(error)) if error is not None else None
    if found is None:
        return None
    try:
        refused = json.loads(found.group(1))
        name, value, allowed = refused["var"], refused["value"], refused["allowed"]
    except (ValueError, KeyError, TypeError):
        return None
    shown = json.dumps(value, ensure_ascii=False)
    return UsageError(f"dbt var {name} = {shown} is not allowed: {allowed}",
                      hint="nothing was built; pass the var as allowed")


def project_var(name: str) -> object:
    """A var's default in dbt_project.yml (what dbt uses when the run does not pass it)."""
    return _project_vars()[name]


@functools.cache
def _project_vars() -> dict[str, object]:
    # the project is part of the installed package: read once per process
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]


def run_dbt(
    args: list[str], warehouse: Path, target_dir: Path, *, target: str = DUCKDB,
    spark_dir: Path | None = None, manifest: Manifest | None = None,
) -> object:
    """Invoke one dbt command on `target` (profiles.yml: duckdb on `warehouse`, or spark
    with its local warehouse under `spark_dir`), on `manifest` if given instead of parsing
    the project again; returns dbt's result object, or raises UsageError for a var the
    project refuses and PipelineError for any other failure."""
    # dbt resolves a relative --target-path against the project folder, not the caller's.
    target_dir = Path(target_dir).resolve()
    target_dir.mkdir(parents=True, exist_ok=True)
    full_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_dir),
        "--log-path",
        str(target_dir / "logs"),
        "--target",
        target,
        "--quiet",
    ]
    # dbt's console lines are held back until it is known whether they are a refused var,
    # which kam reports in one line of its own, or anything else, which they explain.
    console = io.StringIO()
    with _warehouse_env(warehouse), spark_dir_env(spark_dir):
        capture_stdout_logs(console)
        try:
            result = dbtRunner(manifest=manifest).invoke(full_args)
        finally:
            stop_capture_stdout_logs()
            _release_dbt_connection()
    refused = invalid_var(result.exception)
    if refused is not None:
        raise refused
    sys.stdout.write(console.getvalue())
    if result.exception is not None:
        raise PipelineError(
            f"step transform: dbt {args[0]} could not run: {result.exception}",
            hint=f"see {target_dir / 'logs' / 'dbt.log'}",
        )
    return result


def parse_project(
    warehouse: Path, target_dir: Path, *, target: str = DUCKDB,
    spark_dir: Path | None = None, cache_dir: Path | None = None,
) -> Manifest:
    """`dbt parse` with the project's default vars: the manifest every dbt command of a run
    reuses, whatever the run's vars (each build passes them; see kam.transform.parse_cache).
    It needs neither the warehouse's tables nor a connection, so the flow parses while the
    export lands. With `cache_dir`, the last parse kept there is reused and this one kept."""
    if cache_dir is None:
        return run_dbt(["parse"], warehouse, target_dir, target=target,
                       spark_dir=spark_dir).result
    kept = KeptParse(cache_dir, target, Path(warehouse).name)
    kept.restore(target_dir)
    # No manifest.json: every build writes its own, and this parse runs beside the landing,
    # which needs both cores (writing the 1.5 MB file was about a fifth of a warm parse).
    result = run_dbt(["parse", "--no-write-json"], kept.warehouse, target_dir, target=target,
                     spark_dir=spark_dir)
    kept.keep(target_dir)
    return result.result


def _node_results(result) -> list:
    """Each node's result of a dbt command (none when it stopped before running any)."""
    return list(getattr(result.result, "results", []) or [])


def dbt_threads() -> int:
    """One dbt thread per core (at least two): independent models and tests run side by
    side, and while one thread waits for DuckDB another compiles its next node."""
    return max(2, os.cpu_count() or 2)


def build_models(
    warehouse: Path, variables: dict[str, object], target_dir: Path, *,
    select: str | None = None, exclude: str | None = None, target: str = DUCKDB,
    spark_dir: Path | None = None, check: bool = True, manifest: Manifest | None = None,
) -> list:
    """`dbt build` (models, snapshots, seeds, data tests) for the run's vars, of the nodes
    selected (all by default); any failure raises unless `check` is false. A test runs only
    once every model it reads is selected, so a test spanning both builds of a month runs
    in the second."""
    # A month's build checks the data: the unit tests check the models' logic against fixed
    # inputs, which no export changes, so they run with the project's tests (make test), as
    # dbt advises, and once per release of the models rather than in every month's build.
    selection = ["--exclude-resource-type", "unit_test"]
    if select:
        selection += ["--select", *select.split(), "--indirect-selection", "cautious"]
    if exclude:
        selection += ["--exclude", *exclude.split(), "--indirect-selection", "cautious"]
    result = run_dbt(
        ["build", "--threads", str(dbt_threads()), "--vars", json.dumps(variables),
         *selection], warehouse, target_dir,
        target=target, spark_dir=spark_dir, manifest=manifest,
    )
    results = _node_results(result)
    failures = [
        f"{r.node.resource_type} {r.node.name}: {(r.message or r.status)}".strip()
        for r in results
        if str(r.status) in FAILED
    ]
    if check and (failures or not result.success):
        first = failures[0] if failures else "dbt build reported failure"
        raise PipelineError(
            f"step transform: {first}"
            + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""),
            hint=f"see {target_dir / 'logs' / 'dbt.log'}",
        )
    return results


def run_unit_tests(warehouse: Path, target_dir: Path) -> list:
    """`dbt test` of the project's unit tests: each model's logic on fixed inputs, with the
    expected rows beside them (they need the models' upstream tables to exist)."""
    result = run_dbt(["test", "--select", "test_type:unit"], warehouse, target_dir)
    # the project's on-run-start hook reports a result of its own
    return [r for r in _node_results(result) if r.node.resource_type == "unit_test"]


def build_clv_inputs(
    warehouse: Path, variables: dict[str, object], target_dir: Path, *,
    target: str = DUCKDB, spark_dir: Path | None = None, check: bool = True,
    manifest: Manifest | None = None,
) -> list:
    """The first build of a month: the CLV fit's inputs and everything they read."""
    return build_models(warehouse, variables, target_dir, select=CLV_FIT_INPUTS,
                        target=target, spark_dir=spark_dir, check=check, manifest=manifest)


def build_after_clv_fit(
    warehouse: Path, variables: dict[str, object], target_dir: Path, *,
    target: str = DUCKDB, spark_dir: Path | None = None, check: bool = True,
    manifest: Manifest | None = None,
) -> list:
    """The second build of a month: everything the first did not build, with the tests
    that read models of both."""
    return build_models(warehouse, variables, target_dir, exclude=CLV_FIT_INPUTS,
                        target=target, spark_dir=spark_dir, check=check, manifest=manifest)


def target_warehouse(
    warehouse: Path, target: str = DUCKDB, spark_dir: Path | None = None
) -> Warehouse:
    """The engine a dbt target builds on, for the steps outside dbt."""
    if target == SPARK:
        return SparkWarehouse(spark_session(spark_dir))
    return DuckDBWarehouse(warehouse)


def fit_clv(
    warehouse: Path, variables: dict[str, object], *, target: str = DUCKDB,
    spark_dir: Path | None = None,
) -> ClvFitOutcome:
    """The CLV fit step on the target's engine, with the dbt project's defaults for the
    CLV vars the run does not pass."""
    given = {name: variables.get(name, project_var(name))
             for name in ("clv_min_repeat_accounts", "clv_discount_rate")}
    return fit_clv_month(target_warehouse(warehouse, target, spark_dir), {**variables, **given})


def build_month(
    warehouse: Path, variables: dict[str, object], target_dir: Path, *,
    target: str = DUCKDB, spark_dir: Path | None = None, check: bool = True,
    cache_dir: Path | None = None,
) -> list:
    """Both builds of a month with the CLV fit between them (what the flow's tasks do).
    With `check` false a failure is returned among the results instead of raised, and a
    failed first build ends the month there, as it ends a run."""
    manifest = parse_project(warehouse, target_dir, target=target, spark_dir=spark_dir,
                             cache_dir=cache_dir)
    first = build_clv_inputs(warehouse, variables, target_dir, target=target,
                             spark_dir=spark_dir, check=check, manifest=manifest)
    if any(str(r.status) in FAILED for r in first):
        return first
    fit_clv(warehouse, variables, target=target, spark_dir=spark_dir)
    return first + build_after_clv_fit(warehouse, variables, target_dir, target=target,
                                       spark_dir=spark_dir, check=check, manifest=manifest)


def generate_docs(
    warehouse: Path, variables: dict[str, object], target_dir: Path, *,
    manifest: Manifest | None = None,
) -> Path:
    """`dbt docs generate` on the run's manifest (no recompiling)."""
    run_dbt(
        ["docs", "generate", "--no-compile", "--vars", json.dumps(variables)], warehouse,
        target_dir, manifest=manifest,
    )
    return target_dir
