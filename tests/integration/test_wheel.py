"""kam installed from its wheel into a fresh virtual environment runs the demo outside the
checkout: every resource (dbt project, templates, expectations, profiles, translations)
travels as package data and is found through importlib.resources."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UV = str(Path(sys.executable).with_name("uv"))
pytestmark = pytest.mark.e2e


def _run(*command: str, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    tail = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{command[:3]} failed:\n{tail}"
    return done.stdout


def test_the_wheel_runs_the_demo_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    _run(UV, "build", "--wheel", "--out-dir", str(dist), str(REPO), cwd=REPO)
    (wheel,) = dist.glob("kam-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for resource in (
        "kam/assets/dbt_project/dbt_project.yml",
        "kam/assets/dbt_project/models/marts/clv/account_clv.sql",
        "kam/assets/report_templates/account_review.html",
        "kam/assets/expectations/orders.json",
        "kam/extract/profiles/fxiaoke.yaml",
        "kam/rendering/translations/zh-CN.yaml",
        "flows/monthly_review.py",
    ):
        assert resource in names
    assert not any("/target/" in name or name.endswith(".duckdb") for name in names)

    venv = tmp_path / "venv"
    _run(UV, "venv", "--quiet", "-p", sys.executable, str(venv), cwd=tmp_path)
    python = str(venv / "bin" / "python")
    _run(UV, "pip", "sync", "--quiet", "-p", python, str(REPO / "requirements.lock"), cwd=tmp_path)
    _run(UV, "pip", "install", "--quiet", "--no-deps", "-p", python, str(wheel), cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # A fresh Prefect home migrates its database on the first start: slow on a busy machine.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
        "PYTHONPATH": "",
    }
    located = _run(python, "-c", "import kam.assets as a; print(a.DBT_PROJECT_DIR)",
                   cwd=elsewhere, env=env)
    assert str(venv) in located and str(REPO) not in located

    output = _run(str(venv / "bin" / "kam"), "demo", cwd=elsewhere, env=env)
    assert "account reviews in" in output
    months = [p for p in (elsewhere / "output").iterdir() if not p.name.startswith((".", "_"))]
    assert len(months) == 1
    assert list((months[0] / "accounts").glob("*.pdf"))
    assert (months[0] / "portfolio.pdf").is_file() and (months[0] / "manifest.json").is_file()
