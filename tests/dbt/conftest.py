from __future__ import annotations

from pathlib import Path

import pytest
from export_fixture import FULL_EXPORT
from marts_fixture import create_warehouse, dbt_build


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> tuple[Path, list[tuple[str, str]]]:
    """The fixture export built once for M = 2026-10: (warehouse path, node statuses)."""
    root = tmp_path_factory.mktemp("dbt")
    warehouse = create_warehouse(root / "kam.duckdb", FULL_EXPORT)
    statuses = dbt_build(warehouse, root / "target", month="2026-10")
    return warehouse, statuses


@pytest.fixture(scope="session")
def warehouse(built_warehouse) -> Path:
    return built_warehouse[0]
