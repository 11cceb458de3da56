"""Gamma-Gamma against values worked out by hand (Fader, Hardie & Lee 2005, "RFM and CLV")."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from kam.clv.gamma_gamma import (
    GammaGammaParams,
    expected_spend,
    fit,
    log_likelihood,
    population_mean_spend,
)

PARAMS = GammaGammaParams(p=1.0, q=2.0, gamma=4.0)


def test_density_of_a_mean_spend_by_hand():
    # G(px+q)/(G(px)G(q)) gamma^q x^(px) m^(px-1) / (gamma + x m)^(px+q), x = 2, m = 3:
    # G(4)/(G(2)G(2)) 4^2 2^2 3^1 / 10^4 = 6 * 16 * 4 * 3 / 10000
    ll = log_likelihood(PARAMS, np.array([2.0]), np.array([3.0]))
    assert ll[0] == pytest.approx(math.log(1152 / 10000), rel=1e-12)


@pytest.mark.parametrize("x", [1, 3, 12])
def test_density_integrates_to_one(x):
    params = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)

    def density(m):
        return math.exp(log_likelihood(params, np.array([float(x)]), np.array([m]))[0])

    total, _ = quad(density, 0, np.inf)
    assert total == pytest.approx(1.0, abs=1e-7)


def test_expected_spend_weighs_population_and_own_mean():
    # (gamma + x m) p / (px + q - 1) = (4 + 6) / 3; no repeats: p gamma / (q - 1) = 4
    spend = expected_spend(PARAMS, np.array([2.0, 0.0]), np.array([3.0, np.nan]))
    assert spend[0] == pytest.approx(10 / 3, rel=1e-12)
    assert spend[1] == pytest.approx(4.0, rel=1e-12)
    assert population_mean_spend(PARAMS) == 4.0


def test_fit_recovers_parameters_of_simulated_customers():
    truth = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
    rng = np.random.default_rng(5)
    x = rng.integers(1, 8, 20_000).astype(float)
    nu = rng.gamma(truth.q, 1 / truth.gamma, x.size)
    m_x = rng.gamma(truth.p * x, 1 / (nu * x))  # mean of x Gamma(p, nu) values
    params, result = fit(x, m_x)
    assert result.converged
    for name in ("p", "q", "gamma"):
        assert getattr(params, name) == pytest.approx(getattr(truth, name), rel=0.1), name


def test_fit_converges_with_spend_in_thousands_and_beats_the_truth():
    # the shape of the generated demo export: few accounts, many repeats, large amounts
    truth = GammaGammaParams(p=0.6, q=5.0, gamma=16_000.0)
    rng = np.random.default_rng(8)
    x = rng.integers(1, 300, 60).astype(float)
    nu = rng.gamma(truth.q, 1 / truth.gamma, x.size)
    m_x = rng.gamma(truth.p * x, 1 / (nu * x))
    params, result = fit(x, m_x)
    assert result.converged, result.message
    assert result.log_likelihood >= log_likelihood(truth, x, m_x).sum()
