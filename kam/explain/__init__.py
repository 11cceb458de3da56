"""`kam explain`: from a figure in a review to its definition, its models and its input rows."""

from kam.explain.explain import Explanation, explain_metric
from kam.explain.registry import ACCOUNT_METRICS, PORTFOLIO_METRICS

__all__ = ["ACCOUNT_METRICS", "PORTFOLIO_METRICS", "Explanation", "explain_metric"]
