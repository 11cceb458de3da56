"""kam: the key account review library, laid out by pipeline stage.

extract -> validate -> transform (dbt, clv) -> report (rendering) -> publish -> deliver.
The Prefect flows that run these stages live in the top-level `flows` package.
"""

__version__ = "0.1.0"
