"""What a run found, made visible: Prefect artifacts, the run journal and the run history.

Artifacts carry stable keys per month (`kam-run-2026-10`, ...), so the Prefect UI shows each
month's history. Failed and rejected runs are kept in a small side store beside the
warehouse, since a failed run's working copy of the warehouse is discarded.
"""

from kam.observe.artifacts import (
    artifact_key,
    publish_failure_artifacts,
    publish_rejection_artifacts,
    publish_run_artifacts,
)
from kam.observe.dbt_nodes import DbtNode, dbt_nodes
from kam.observe.facts import ExpectationRow, RunFacts, TableCounts, read_run_facts
from kam.observe.history import RunRecord, failure_store, read_history, record_failure
from kam.observe.journal import forget, recall, remember

__all__ = [
    "DbtNode",
    "ExpectationRow",
    "RunFacts",
    "RunRecord",
    "TableCounts",
    "artifact_key",
    "dbt_nodes",
    "failure_store",
    "forget",
    "publish_failure_artifacts",
    "publish_rejection_artifacts",
    "publish_run_artifacts",
    "read_history",
    "read_run_facts",
    "recall",
    "record_failure",
    "remember",
]
