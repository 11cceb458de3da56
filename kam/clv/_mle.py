"""Maximum likelihood on log-parameters, shared by the BG/NBD and Gamma-Gamma fits.

The estimates must not depend on the machine. A quasi-Newton search stops anywhere within
its tolerance of the maximum, and where exactly depends on the order of additions inside
the CPU's BLAS kernels, so two machines can disagree in the fifth digit. The search is
therefore only used to get near the maximum: a few Newton steps, in plain Python
arithmetic, then settle on the point where the likelihood's slope is zero to rounding
error, and the estimates are kept to `SIGNIFICANT_DIGITS` figures, far finer than any
estimate's standard error and far coarser than the arithmetic's noise.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

# exp(±20) spans every parameter value either paper reports by many orders of magnitude;
# the bound keeps exp() finite while the optimiser explores.
LOG_BOUND = 20.0

SIGNIFICANT_DIGITS = 6
LOG_LIKELIHOOD_DECIMALS = 6

# Finite differences of the mean negative log-likelihood in log-parameters. The slope uses
# the five-point stencil, whose truncation error shrinks with the step's fourth power: a
# step of 1e-3 keeps both that error and the arithmetic's noise near 1e-10.
DIFFERENCE_STEP = 1e-3
# Newton's steps from the search's end; the last one is taken when it is this small, which
# puts the estimate at the noise floor, whichever nearby point the search stopped at.
NEWTON_TOLERANCE = 1e-7
NEWTON_MAX_STEPS = 6
# A Newton step longer than this (in log-parameters) means the search did not end near a
# maximum the quadratic model describes; the search's own result is kept then.
NEWTON_MAX_MOVE = 0.1


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

    def objective(log_values: Sequence[float]) -> float:
        value = total_log_likelihood(np.exp(np.asarray(log_values, dtype=float)))
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
    log_values = [float(v) for v in result.x]
    on_bound = any(abs(v) >= LOG_BOUND - 1e-6 for v in log_values)
    converged = bool(result.success and not on_bound and np.isfinite(result.fun))
    if on_bound:
        message = f"a parameter reached exp(±{LOG_BOUND:g}); {message}"
    elif converged:
        polished = newton_polish(objective, log_values)
        if polished is None:
            message += "; Newton steps did not settle, search result kept"
        else:
            log_values, steps = polished
            message += f"; settled by Newton's method (steps: {steps})"
    values = tuple(significant(math.exp(v), SIGNIFICANT_DIGITS) for v in log_values)
    log_likelihood = total_log_likelihood(np.asarray(values))
    return MleResult(
        values=values,
        log_likelihood=round(float(log_likelihood), LOG_LIKELIHOOD_DECIMALS),
        converged=converged,
        iterations=iterations,
        message=message,
    )


def significant(value: float, digits: int) -> float:
    """`value` rounded to `digits` significant figures (Python's formatting rounds the exact
    binary value correctly, so equal inputs round alike everywhere)."""
    return float(f"{value:.{digits}g}")


def newton_polish(
    objective: Callable[[Sequence[float]], float], start: Sequence[float]
) -> tuple[list[float], int] | None:
    """Newton's method on the objective's finite-difference slope, from `start` (close to a
    minimum), with the curvature measured once at `start`: the point where the slope
    vanishes and the number of steps, or None when the curvature is not that of a minimum
    or the steps do not settle."""
    # points are tuples, so the slope and the curvature share the evaluations they both need
    measured = functools.cache(objective)
    point = [float(v) for v in start]
    slope, curvature = _slope_and_curvature(measured, point)
    factor = _cholesky(curvature)
    if factor is None:
        return None
    for step in range(1, NEWTON_MAX_STEPS + 1):
        move = _cholesky_solve(factor, [-s for s in slope])
        length = max(abs(m) for m in move)
        if length > NEWTON_MAX_MOVE:
            return None
        point = [p + m for p, m in zip(point, move, strict=True)]
        if length < NEWTON_TOLERANCE:
            return point, step
        slope = _slope(measured, point)
    return None


def _shifted(point: Sequence[float], *shifts: tuple[int, float]) -> tuple[float, ...]:
    moved = list(point)
    for index, by in shifts:
        moved[index] += by
    return tuple(moved)


def _slope(objective: Callable, point: list[float]) -> list[float]:
    h = DIFFERENCE_STEP

    def along(i: int, by: float) -> float:
        return objective(_shifted(point, (i, by * h)))

    return [
        (along(i, -2) - 8 * along(i, -1) + 8 * along(i, 1) - along(i, 2)) / (12 * h)
        for i in range(len(point))
    ]


def _slope_and_curvature(
    objective: Callable, point: list[float]
) -> tuple[list[float], list[list[float]]]:
    """The curvature needs only to point Newton's steps well, so second-order differences
    do; where the steps end is set by the slope alone."""
    h, size = DIFFERENCE_STEP, len(point)
    centre = objective(tuple(point))
    up = [objective(_shifted(point, (i, h))) for i in range(size)]
    down = [objective(_shifted(point, (i, -h))) for i in range(size)]
    curvature = [[0.0] * size for _ in range(size)]
    for i in range(size):
        curvature[i][i] = (up[i] - 2 * centre + down[i]) / (h * h)
    for i, j in itertools.combinations(range(size), 2):
        corners = [
            objective(_shifted(point, (i, si * h), (j, sj * h)))
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1))
        ]
        curvature[i][j] = curvature[j][i] = (
            corners[0] - corners[1] - corners[2] + corners[3]
        ) / (4 * h * h)
    return _slope(objective, point), curvature


def _cholesky(matrix: list[list[float]]) -> list[list[float]] | None:
    """The lower factor L with L Lᵀ = matrix, or None unless the matrix is positive definite.
    Plain Python, so the arithmetic is the same on every machine."""
    size = len(matrix)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            partial = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                if not partial > 0:
                    return None
                lower[i][i] = math.sqrt(partial)
            else:
                lower[i][j] = partial / lower[j][j]
    return lower


def _cholesky_solve(lower: list[list[float]], rhs: list[float]) -> list[float]:
    size = len(lower)
    forward = [0.0] * size
    for i in range(size):
        forward[i] = (rhs[i] - sum(lower[i][k] * forward[k] for k in range(i))) / lower[i][i]
    solution = [0.0] * size
    for i in reversed(range(size)):
        solution[i] = (
            forward[i] - sum(lower[k][i] * solution[k] for k in range(i + 1, size))
        ) / lower[i][i]
    return solution
