from __future__ import annotations

from pathlib import Path

import pytest
from fixture_warehouse import DQ, MONTH, RUN_ID, build_warehouse

from kam.report import render_reports


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "kam.duckdb")


@pytest.fixture(scope="session")
def rendered_en(warehouse, tmp_path_factory):
    """The month rendered once, sequentially, with the render cache off."""
    out_dir = tmp_path_factory.mktemp("out_en")
    files = render_reports(warehouse, month=MONTH, out_dir=out_dir, run_id=RUN_ID,
                           locale="en", dq_status=DQ, workers=1, progress=False,
                           cache_dir=tmp_path_factory.mktemp("cache_en"))
    return out_dir, files
