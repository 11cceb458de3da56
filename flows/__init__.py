"""kam: key account review pipeline (extract, validate, transform, report, publish)."""

__version__ = "0.1.0"
