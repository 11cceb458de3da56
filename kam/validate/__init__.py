"""Data quality: the committed expectation suites run with Great Expectations (issue 4).

The package itself loads only what a validation's result is (kam.validate.summary), not
Great Expectations, which kam.validate.validation brings in when a run validates.
"""

from kam.validate.summary import Finding, ValidationSummary

__all__ = ["Finding", "ValidationSummary"]
