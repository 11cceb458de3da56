"""BG/NBD against values worked out by hand from the formulas in Fader, Hardie & Lee (2005)."""

import math

import numpy as np
import pytest
from scipy.special import hyp2f1

from kam.clv.bgnbd import BgNbdParams, expected_purchases, fit, log_likelihood, p_alive

# With a = 1 the Beta functions are simple: B(1, 2) = 1/2, B(1, 3) = 1/3, B(2, 2) = 1/6.
SIMPLE = BgNbdParams(r=2.0, alpha=3.0, a=1.0, b=2.0)


def test_likelihood_of_a_customer_without_repeats():
    # B(1,2)/B(1,2) * G(2) 3^2 / (G(2) (3+2)^2) = 9/25
    ll = log_likelihood(SIMPLE, np.array([0.0]), np.array([0.0]), np.array([2.0]))
    assert ll[0] == pytest.approx(math.log(9 / 25), rel=1e-12)


def test_likelihood_of_a_repeat_customer_sums_alive_and_dropped_out_terms():
    # alive:   B(1,3)/B(1,2) * G(3) 3^2 / (G(2) 5^3) = (2/3)(18/125) = 0.096
    # dropped: B(2,2)/B(1,2) * G(3) 3^2 / (G(2) 4^3) = (1/3)(18/64)  = 0.09375
    ll = log_likelihood(SIMPLE, np.array([1.0]), np.array([1.0]), np.array([2.0]))
    assert ll[0] == pytest.approx(math.log(0.096 + 0.09375), rel=1e-12)


def test_p_alive_is_the_alive_share_of_the_likelihood():
    alive = p_alive(SIMPLE, np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([2.0, 2.0]))
    # 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) = 1 / (1 + (1/2)(5/4)^3)
    assert alive[0] == 1.0
    assert alive[1] == pytest.approx(0.096 / (0.096 + 0.09375), rel=1e-12)
    assert alive[1] == pytest.approx(1 / (1 + 0.5 * 1.25**3), rel=1e-12)


def test_heavy_buyers_stay_finite():
    params = BgNbdParams(r=0.24, alpha=4.4, a=0.79, b=2.4)
    x, t_x, T = np.array([2000.0]), np.array([400.0]), np.array([400.0])
    assert np.isfinite(log_likelihood(params, x, t_x, T)).all()
    assert np.isfinite(expected_purchases(params, 52.0, x, t_x, T)).all()


def test_expected_purchases_where_the_hypergeometric_term_is_one():
    # r = a + b - 1 makes 2F1(a+b-1-r, a-1; .; z) = 1, so E[Y(t)] = (a+b+x-1)/(a-1) z P(alive)
    # with z = t / (alpha+T+t) = 5/10.
    params = BgNbdParams(r=3.0, alpha=3.0, a=2.0, b=2.0)
    x, t_x, T = np.array([0.0, 2.0]), np.array([0.0, 1.0]), np.array([2.0, 2.0])
    expected = expected_purchases(params, 5.0, x, t_x, T)
    alive_x2 = 1 / (1 + (2 / 3) * 1.25**5)
    assert expected[0] == pytest.approx(3 * 0.5, rel=1e-12)
    assert expected[1] == pytest.approx(5 * 0.5 * alive_x2, rel=1e-12)


def test_expected_purchases_match_the_papers_untransformed_formula():
    params = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    x, t_x, T, t = 2.0, 30.43, 38.86, 39.0
    z = t / (alpha + T + t)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    alive = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    paper = (a + b + x - 1) / (a - 1) * bracket * alive
    ours = expected_purchases(params, t, np.array([x]), np.array([t_x]), np.array([T]))
    assert ours[0] == pytest.approx(paper, rel=1e-10)


def test_fit_recovers_parameters_of_simulated_customers():
    truth = BgNbdParams(r=0.5, alpha=5.0, a=0.8, b=2.5)
    x, t_x, T = simulate(truth, customers=20_000, seed=11)
    params, result = fit(x, t_x, T)
    assert result.converged
    for name in ("r", "alpha", "a", "b"):
        assert getattr(params, name) == pytest.approx(getattr(truth, name), rel=0.15), name


def simulate(params: BgNbdParams, customers: int, seed: int):
    """Purchase histories drawn from the BG/NBD story, observed for 1 to 104 weeks."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(params.r, 1 / params.alpha, customers)
    drop = rng.beta(params.a, params.b, customers)
    T = rng.uniform(1, 104, customers)
    x, t_x, clock = np.zeros(customers), np.zeros(customers), np.zeros(customers)
    active = np.ones(customers, dtype=bool)
    while active.any():
        clock[active] += rng.exponential(1 / rate[active])
        buys = active & (clock <= T)
        x[buys] += 1
        t_x[buys] = clock[buys]
        active = buys & (rng.uniform(size=customers) >= drop)
    return x, t_x, T
