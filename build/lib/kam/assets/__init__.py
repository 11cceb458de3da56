"""The project's own resources: the dbt project, the report templates, the expectations.

They live at the repository's top level and are linked into this package, so a checkout
and an installed wheel find them the same way: through `importlib.resources`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _directory(name: str) -> Path:
    # Wheels install unpacked, so the resource is a real folder dbt and WeasyPrint can read.
    return Path(str(files(__name__) / name))


DBT_PROJECT_DIR = _directory("dbt_project")
TEMPLATE_DIR = _directory("report_templates")
EXPECTATIONS_DIR = _directory("expectations")
