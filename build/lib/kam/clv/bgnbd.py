"""BG/NBD model of repeat purchasing.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2), 275-284 (cited below as FHL). While alive, a
customer buys at Poisson rate lambda ~ Gamma(r, alpha); after every purchase the customer
drops out with probability p ~ Beta(a, b). A customer is summarised by x (repeat
purchases), t_x (time of the last purchase) and T (time since the first purchase), all
times in weeks from the first purchase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, logsumexp

from kam.clv._mle import MleResult, maximise_log_likelihood


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


def log_likelihood(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood L(r, alpha, a, b | x, t_x, T) of FHL:

        L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
            + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))

    computed as log(G(r+x) alpha^r / G(r)) + logsumexp of the two terms' remaining logs,
    so customers with many purchases neither overflow nor underflow.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    shared = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive_to_T = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    # For x = 0 the second term is absent: -inf contributes exp(-inf) = 0 to the sum.
    died_after_t_x = np.full_like(x, -np.inf)
    died_after_t_x[repeat] = (
        betaln(a + 1, b + x[repeat] - 1)
        - betaln(a, b)
        - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return shared + logsumexp(np.stack([alive_to_T, died_after_t_x]), axis=0)


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[BgNbdParams, MleResult]:
    """Maximum likelihood estimates of (r, alpha, a, b) over all customers, as in FHL."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))

    def total(values: np.ndarray) -> float:
        return float(np.sum(log_likelihood(BgNbdParams(*values), x, t_x, T)))

    # alpha is a time scale: starting it at the mean observed age keeps the first steps sane.
    start = (1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0)
    result = maximise_log_likelihood(total, start, observations=len(x))
    return BgNbdParams(*result.values), result


def p_alive(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Probability the customer is still alive at T (Fader, Hardie & Lee 2008, "Computing
    P(alive) Using the BG/NBD Model", brucehardie.com note 021):

        P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))

    evaluated as expit(-log of the second summand); 1 for customers without repeats.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_odds_dead = np.full_like(x, -np.inf)
    repeat = x > 0
    log_odds_dead[repeat] = (
        np.log(a)
        - np.log(b + x[repeat] - 1)
        + (r + x[repeat]) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return expit(-log_odds_dead)


def expected_purchases(
    params: BgNbdParams, t: float | np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Expected purchases in the next t weeks (T, T+t], FHL's conditional expectation:

        E[Y(t)] = (a+b+x-1)/(a-1)
                  * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
                  * P(alive),     z = t / (alpha+T+t).

    With Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z)
    (Abramowitz & Stegun 15.3.3) and (alpha+T)/(alpha+T+t) = 1-z, the bracket becomes
    1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose first two arguments do not grow
    with x, so heavy buyers stay finite. Undefined at a = 1 exactly (a removable
    singularity the fitted value never hits in practice).
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    t = np.asarray(t, dtype=float)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + T + t)
    bracket = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(params, x, t_x, T)
