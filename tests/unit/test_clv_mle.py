"""The shared maximum likelihood search on log-parameters."""

import math

import numpy as np
import pytest

from kam.clv._mle import LOG_BOUND, maximise_log_likelihood, newton_polish, significant


def test_finds_the_maximum_of_a_known_likelihood():
    # Poisson counts 2, 4, 6: the MLE of the rate is their mean, 4
    counts = np.array([2.0, 4.0, 6.0])

    def total(values):
        (rate,) = values
        return float(np.sum(counts * math.log(rate) - rate))

    result = maximise_log_likelihood(total, start=(1.0,), observations=3)
    assert result.converged
    # the Newton steps land on the maximum itself, kept to six figures
    assert result.values == (4.0,)
    assert result.log_likelihood == round(12 * math.log(4) - 12, 6) == 4.635532
    assert "settled by" in result.message


def test_a_likelihood_rising_without_bound_is_not_converged():
    # log(v) keeps rising as v grows: the search stops on its bound, which is no maximum
    result = maximise_log_likelihood(lambda v: math.log(v[0]), start=(1.0,), observations=1)
    assert not result.converged
    assert result.values[0] == pytest.approx(math.exp(LOG_BOUND))
    assert "reached exp" in result.message


def test_an_abnormal_quasi_newton_stop_is_settled_by_nelder_mead(monkeypatch):
    from scipy import optimize

    from kam.clv import _mle

    def stops_abnormally(fun, x0, method, **kwargs):
        result = optimize.minimize(fun, x0, method=method, **kwargs)
        if method == "L-BFGS-B":  # as its line search does on noisy gradients
            result.success, result.message, result.x = False, "ABNORMAL: ", x0 + 0.3
        return result

    monkeypatch.setattr(_mle, "minimize", stops_abnormally)
    counts = np.array([2.0, 4.0, 6.0])
    result = maximise_log_likelihood(
        lambda v: float(np.sum(counts * math.log(v[0]) - v[0])), start=(1.0,), observations=3
    )
    assert result.converged
    assert result.values == (4.0,)
    assert "L-BFGS-B: ABNORMAL: ; then Nelder-Mead: Optimization terminated" in result.message


def gamma_sample_likelihood():
    """Log-likelihood of Gamma(shape, rate) for a fixed sample: two parameters whose
    estimates are strongly correlated, as the CLV models' are."""
    sample = np.array([0.4, 1.1, 1.9, 2.3, 3.8, 0.7, 5.2, 1.4, 2.9, 0.9])
    total_log, total = float(np.sum(np.log(sample))), float(np.sum(sample))

    def total_log_likelihood(values):
        shape, rate = values
        n = len(sample)
        return (n * shape * math.log(rate) - n * math.lgamma(shape)
                + (shape - 1) * total_log - rate * total)

    return total_log_likelihood, len(sample)


@pytest.mark.parametrize("offset", [(0.0, 0.0), (2e-4, -3e-4), (-1e-3, 1e-3), (4e-3, 4e-3)])
def test_the_estimates_do_not_depend_on_where_the_search_stopped(monkeypatch, offset):
    # Different CPUs' BLAS kernels end the quasi-Newton search at different points within
    # its tolerance; here the search is made to stop off the maximum by hand.
    from scipy import optimize

    from kam.clv import _mle

    def stops_elsewhere(fun, x0, method, **kwargs):
        result = optimize.minimize(fun, x0, method=method, **kwargs)
        result.x = result.x + np.array(offset)
        return result

    monkeypatch.setattr(_mle, "minimize", stops_elsewhere)
    total, n = gamma_sample_likelihood()
    result = maximise_log_likelihood(total, start=(1.0, 1.0), observations=n)
    assert result.converged
    # shape 2.03741 and rate 0.989033 to six figures, from the exact maximum (the mean is
    # shape / rate, and log(shape) - digamma(shape) = log(mean) - mean(log x))
    assert result.values == (2.03741, 0.989033)


def test_newton_steps_settle_only_at_a_minimum():
    bowl = lambda p: (p[0] - 1) ** 2 + 3 * (p[1] + 2) ** 2 + (p[0] - 1) * (p[1] + 2)  # noqa: E731
    point, steps = newton_polish(bowl, (1.05, -2.03))
    assert point == pytest.approx([1.0, -2.0], abs=1e-9) and steps <= 3
    saddle = lambda p: p[0] ** 2 - p[1] ** 2  # noqa: E731
    assert newton_polish(saddle, (0.01, 0.01)) is None


def test_significant_figures_round_the_exact_binary_value():
    assert significant(0.2425968404386141, 6) == 0.242597
    assert significant(4.413704865648854, 6) == 4.4137
    assert significant(1234567.8, 6) == 1234570.0
    assert significant(2.5e-9, 1) == 3e-9  # 2.5e-9 is stored just above 2.5e-9
