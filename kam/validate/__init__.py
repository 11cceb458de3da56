"""Data quality: the committed expectation suites run with Great Expectations (issue 4)."""

from kam.validate.summary import Finding, ValidationSummary
from kam.validate.validation import validate_warehouse

__all__ = ["Finding", "ValidationSummary", "validate_warehouse"]
