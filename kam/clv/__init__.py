"""Customer lifetime value (docs/metrics.md, Lifetime value): BG/NBD + Gamma-Gamma fitted by maximum
likelihood, p_alive, expected purchases and spend, discounted 12-month margin, and the
simple fallback model.

Modules: `rfm` (transactions to x, t_x, T, mean spend), `bgnbd`, `gamma_gamma` (the two
models' likelihoods, fits and expectations), `value` (horizon, discounting, margin ratio),
`model` (fit a month or fall back; predict per account), `warehouse` (the dbt models' logic
on DuckDB relations).
"""
