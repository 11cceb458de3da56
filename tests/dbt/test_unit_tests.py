"""The dbt project's unit tests: the models' logic on fixed inputs. A month's build leaves
them out (no export changes their inputs); the project's tests run them all here."""

from __future__ import annotations

import shutil

import yaml

from kam.assets import DBT_PROJECT_DIR
from kam.transform.dbt import run_unit_tests


def _declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names |= {unit_test["name"] for unit_test in document.get("unit_tests") or []}
    return names


def test_every_unit_test_of_the_project_runs_and_passes(built_warehouse, tmp_path):
    warehouse = shutil.copy(built_warehouse[0], tmp_path / "kam.duckdb")
    results = run_unit_tests(warehouse, tmp_path / "target")
    declared = _declared_unit_tests()
    assert len(declared) >= 15
    assert sorted(r.node.name for r in results) == sorted(declared)
    assert {r.node.name: str(r.status) for r in results} == dict.fromkeys(declared, "pass")


def test_a_months_build_leaves_the_unit_tests_out(built_warehouse):
    _, statuses = built_warehouse
    built = {name for name, _ in statuses}
    assert built & _declared_unit_tests() == set()
    assert {"account_tier", "int_orders_converted"} <= built
