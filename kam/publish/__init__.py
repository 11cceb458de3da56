"""Publish: the month's manifest, the atomic swap of outputs and warehouse, the run record.

A run works on copies: the warehouse is copied to a working file and the month's outputs are
written to a hidden staging folder. Only when every step has succeeded are they switched in:
the month first, then the warehouse. One run at a time holds the warehouse's lock.
"""

from kam.publish.lock import read_holder, warehouse_lock
from kam.publish.manifest import (
    MANIFEST_NAME,
    Manifest,
    build_manifest,
    kind_of,
    replace_entry,
    write_manifest,
)
from kam.publish.runs import record_run
from kam.publish.workspace import (
    StagedMonth,
    WorkingWarehouse,
    remove_leftovers,
    terminate_as_interrupt,
)

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "StagedMonth",
    "WorkingWarehouse",
    "build_manifest",
    "kind_of",
    "read_holder",
    "record_run",
    "replace_entry",
    "remove_leftovers",
    "terminate_as_interrupt",
    "warehouse_lock",
    "write_manifest",
]
