"""Maximum likelihood on log-parameters, shared by the BG/NBD and Gamma-Gamma fits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

# exp(±20) spans every parameter value either paper reports by many orders of magnitude;
# the bound keeps exp() finite while the optimiser explores.
LOG_BOUND = 20.0


@dataclass(frozen=True)
class MleResult:
    """Estimates on the natural scale, the maximised log-likelihood and how the search ended."""

    values: tuple[float, ...]
    log_likelihood: float
    converged: bool
    iterations: int
    message: str


def maximise_log_likelihood(
    total_log_likelihood: Callable[[np.ndarray], float],
    start: tuple[float, ...],
    observations: int,
) -> MleResult:
    """Maximise `total_log_likelihood(values)` over positive values by searching log(values).

    The objective is the mean negative log-likelihood, so the optimiser's tolerances mean
    the same whatever the sample size. A result that ends on the search bound is reported
    as not converged: the likelihood is still rising towards a degenerate parameter.
    """

    def objective(log_values: np.ndarray) -> float:
        value = total_log_likelihood(np.exp(log_values))
        return -value / observations if np.isfinite(value) else np.inf

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = minimize(
        objective,
        x0=np.log(np.asarray(start, dtype=float)),
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000},
    )
    iterations, message = int(result.nit), f"L-BFGS-B: {result.message}"
    if not result.success:
        # L-BFGS-B's line search can stop "abnormally" next to the optimum when
        # finite-difference gradients get noisy; a derivative-free search from there
        # settles whether it is one.
        result = minimize(
            objective,
            x0=result.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 5000},
        )
        iterations += int(result.nit)
        message += f"; then Nelder-Mead: {result.message}"
    on_bound = bool(np.any(np.abs(result.x) >= LOG_BOUND - 1e-6))
    converged = bool(result.success and not on_bound and np.isfinite(result.fun))
    if on_bound:
        message = f"a parameter reached exp(±{LOG_BOUND:g}); {message}"
    return MleResult(
        values=tuple(float(v) for v in np.exp(result.x)),
        log_likelihood=float(-result.fun * observations),
        converged=converged,
        iterations=iterations,
        message=message,
    )
