"""One parse of the dbt project serves every run: it does not depend on the vars, it is kept
between runs, and a build on it compiles with the run's own vars."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from export_fixture import FULL_EXPORT
from marts_fixture import create_warehouse, query

from kam.transform.dbt import build_models, parse_project, project_var, run_dbt
from kam.transform.parse_cache import PARSE_STATE, KeptParse

OTHER_VARS = {
    "month": "2025-03", "run_id": "another-run", "timezone": "Asia/Shanghai",
    "reporting_currency": "EUR", "report_tiers": ["key"], "clv_discount_rate": 0.2,
    "clv_min_repeat_accounts": 5, "history_months": 12,
}


def _without_parse_times(value):
    if isinstance(value, dict):
        return {k: _without_parse_times(v) for k, v in value.items() if k != "created_at"}
    if isinstance(value, list):
        return [_without_parse_times(v) for v in value]
    return value


def _manifest(warehouse: Path, target_dir: Path, *vars_args: str) -> dict:
    manifest = run_dbt(["parse", *vars_args], warehouse, target_dir).result
    written = manifest.writable_manifest().to_dict()
    written.pop("metadata")  # the invocation's id, time and vars
    return _without_parse_times(written)


def _files_parsed(target_dir: Path) -> int:
    """How many project files dbt parsed (none when it reused its last parse entirely)."""
    return json.loads((target_dir / "perf_info.json").read_text())["parsed_path_count"]


def test_the_parsed_project_is_the_same_whatever_the_vars(tmp_path):
    # If a model, test or config read a var while being parsed (a config(enabled=var(..)),
    # a ref under an if), a parse with the defaults would not fit every run.
    # nor on the warehouse's folder (each run's working copy is in a new one)
    with_defaults = _manifest(tmp_path / "a" / "kam.duckdb", tmp_path / "defaults")
    with_others = _manifest(tmp_path / "b" / "kam.duckdb", tmp_path / "others",
                            "--vars", json.dumps(OTHER_VARS))
    assert set(with_defaults) >= {"nodes", "sources", "macros", "unit_tests"}
    assert len(with_defaults["nodes"]) > 100
    assert with_defaults == with_others


def test_a_kept_parse_is_reused_by_the_next_run(tmp_path):
    # each run's warehouse is a working copy in a folder of its own
    cache = tmp_path / "cache"
    first = parse_project(tmp_path / "run1" / "kam.duckdb", tmp_path / "first", cache_dir=cache)
    assert _files_parsed(tmp_path / "first") > 100
    kept = KeptParse(cache, "duckdb", "kam.duckdb").state_file
    assert kept.read_bytes() == (tmp_path / "first" / PARSE_STATE).read_bytes()

    second = parse_project(tmp_path / "run2" / "kam.duckdb", tmp_path / "second",
                           cache_dir=cache)
    assert _files_parsed(tmp_path / "second") == 0
    assert sorted(second.nodes) == sorted(first.nodes)


def test_a_warehouse_of_another_name_has_a_parse_of_its_own(tmp_path):
    # dbt names the database after the file, and the manifest's relations after it
    cache = tmp_path / "cache"
    parse_project(tmp_path / "kam.duckdb", tmp_path / "first", cache_dir=cache)
    manifest = parse_project(tmp_path / "acme.duckdb", tmp_path / "second", cache_dir=cache)
    assert manifest.nodes["model.kam.account_review"].database == "acme"
    assert KeptParse(cache, "duckdb", "acme.duckdb").state_file.exists()


def test_a_damaged_kept_parse_costs_a_full_parse_not_the_run(tmp_path):
    cache, warehouse = tmp_path / "cache", tmp_path / "kam.duckdb"
    kept = KeptParse(cache, "duckdb", "kam.duckdb").state_file
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"not a parse")
    manifest = parse_project(warehouse, tmp_path / "target", cache_dir=cache)
    assert _files_parsed(tmp_path / "target") > 100
    assert "model.kam.account_review" in manifest.nodes
    assert kept.read_bytes() != b"not a parse"  # replaced by the good one


def test_a_build_on_the_shared_parse_compiles_with_the_runs_vars(tmp_path):
    assert project_var("month") == "2026-10"  # the parse's month, which the run overrides
    warehouse = create_warehouse(tmp_path / "kam.duckdb", FULL_EXPORT)
    manifest = parse_project(warehouse, tmp_path / "target", cache_dir=tmp_path / "cache")
    build_models(warehouse, {"run_id": "test", "month": "2026-08"}, tmp_path / "target",
                 select="+int_months_generated", manifest=manifest)
    assert query(warehouse, "select max(month), min(months_before_m) "
                            "from staging.int_months_generated") == [(date(2026, 8, 1), 0)]
