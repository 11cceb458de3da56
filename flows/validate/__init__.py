"""Data quality: the committed expectation suites run with Great Expectations (issue 4)."""

from flows.validate.summary import Finding, ValidationSummary
from flows.validate.warehouse import validate_warehouse

__all__ = ["Finding", "ValidationSummary", "validate_warehouse"]
