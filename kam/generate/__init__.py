"""Deterministic synthetic CRM export in the canonical layout, `kam generate`.

It imitates a B2B business rather than uniform noise: lognormal account sizes (a few
accounts carry most revenue), seasonality, product lines with different margins, refunds,
cancellations, accounts that join and churn inside the window, three billing currencies,
tickets slowed by busy managers, and satisfaction that follows service quality.
"""

from kam.generate.export import generate_export

__all__ = ["generate_export"]
