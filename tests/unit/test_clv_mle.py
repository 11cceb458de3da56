"""The shared maximum likelihood search on log-parameters."""

import math

import numpy as np
import pytest

from kam.clv._mle import LOG_BOUND, maximise_log_likelihood


def test_finds_the_maximum_of_a_known_likelihood():
    # Poisson counts 2, 4, 6: the MLE of the rate is their mean, 4
    counts = np.array([2.0, 4.0, 6.0])

    def total(values):
        (rate,) = values
        return float(np.sum(counts * math.log(rate) - rate))

    result = maximise_log_likelihood(total, start=(1.0,), observations=3)
    assert result.converged
    assert result.values[0] == pytest.approx(4.0, rel=1e-5)
    assert result.log_likelihood == pytest.approx(12 * math.log(4) - 12, rel=1e-9)


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
    assert result.values[0] == pytest.approx(4.0, rel=1e-6)
    assert "L-BFGS-B: ABNORMAL: ; then Nelder-Mead: Optimization terminated" in result.message
