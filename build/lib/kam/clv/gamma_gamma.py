"""Gamma-Gamma model of spend per transaction.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
Analysis", Journal of Marketing Research 42(4), 415-430 (FHL-RFM); the likelihood as
written in Hardie & Fader's note "The Gamma-Gamma Model of Monetary Value" (2013).
A customer's transaction values are Gamma(p, nu) around a customer mean p/nu, with
nu ~ Gamma(q, gamma) across customers. Spend is assumed independent of purchase timing.
A customer is summarised by x repeat transactions and their mean value m_x > 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from kam.clv._mle import MleResult, maximise_log_likelihood


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float


def log_likelihood(params: GammaGammaParams, x: np.ndarray, m_x: np.ndarray) -> np.ndarray:
    """Per-customer log density of the mean spend m_x over x transactions (FHL-RFM):

        f(m_x | p, q, gamma; x) = G(px+q) / (G(px) G(q)) * gamma^q x^(px) m_x^(px-1)
                                  / (gamma + x m_x)^(px+q)

    Needs x > 0 and m_x > 0.
    """
    x, m_x = np.asarray(x, dtype=float), np.asarray(m_x, dtype=float)
    p, q, gamma = params.p, params.q, params.gamma
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + p * x * np.log(x)
        + (p * x - 1) * np.log(m_x)
        - (p * x + q) * np.log(gamma + x * m_x)
    )


def fit(x: np.ndarray, m_x: np.ndarray) -> tuple[GammaGammaParams, MleResult]:
    """Maximum likelihood estimates of (p, q, gamma) over customers with x > 0, m_x > 0."""
    x, m_x = np.asarray(x, dtype=float), np.asarray(m_x, dtype=float)

    def total(values: np.ndarray) -> float:
        return float(np.sum(log_likelihood(GammaGammaParams(*values), x, m_x)))

    # gamma carries the money scale: start it at the mean spend so p and q start near 1.
    start = (1.0, 1.0, max(float(np.mean(m_x)), 1e-6))
    result = maximise_log_likelihood(total, start, observations=len(x))
    return GammaGammaParams(*result.values), result


def population_mean_spend(params: GammaGammaParams) -> float:
    """E[Z] = p gamma / (q - 1) across customers (finite only for q > 1)."""
    return params.p * params.gamma / (params.q - 1)


def expected_spend(params: GammaGammaParams, x: np.ndarray, m_x: np.ndarray) -> np.ndarray:
    """Expected value of a future transaction given x and m_x (FHL-RFM):

        E[Z | p, q, gamma, m_x, x] = (gamma + x m_x) p / (px + q - 1)
            = (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * m_x,

    a weighted mean of the population mean and the customer's own mean; for x = 0 it is
    the population mean. Needs q > 1.
    """
    x, m_x = np.asarray(x, dtype=float), np.asarray(m_x, dtype=float)
    p, q, gamma = params.p, params.q, params.gamma
    own = np.where(x > 0, m_x, 0.0)
    return (gamma + x * own) * p / (p * x + q - 1)
