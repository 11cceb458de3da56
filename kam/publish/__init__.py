"""Publish: the month's manifest, the atomic swap of outputs and warehouse, the run record.

A run works on copies: the warehouse is copied to a working file and the month's outputs are
written to a hidden staging folder. Only when every step has succeeded are they swapped in.
"""

from kam.publish.manifest import (
    MANIFEST_NAME,
    Manifest,
    build_manifest,
    kind_of,
    replace_entry,
    write_manifest,
)
from kam.publish.runs import record_run
from kam.publish.workspace import StagedMonth, WorkingWarehouse

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "StagedMonth",
    "WorkingWarehouse",
    "build_manifest",
    "kind_of",
    "record_run",
    "replace_entry",
    "write_manifest",
]
