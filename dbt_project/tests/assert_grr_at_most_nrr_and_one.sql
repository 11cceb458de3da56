-- GRR <= NRR and GRR <= 1 hold for the literal formulas (no clipping), per month and tier.
select month, tier, grr, nrr
from {{ ref('portfolio_retention') }}
where grr > nrr + 1e-12
    or grr > 1 + 1e-12
