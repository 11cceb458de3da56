"""Data quality: the committed expectation suites run with Great Expectations (issue 4)."""

from kam.validate.run import validate_warehouse
from kam.validate.summary import Finding, ValidationSummary

__all__ = ["Finding", "ValidationSummary", "validate_warehouse"]
