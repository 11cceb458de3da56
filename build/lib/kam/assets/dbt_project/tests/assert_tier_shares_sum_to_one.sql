-- In every month of account_tier, the shares of the accounts with positive T12M revenue
-- sum to 1 (when any account has positive T12M revenue).
select
    month,
    sum(share) as share_total
from {{ ref('account_tier') }}
where t12m_revenue > 0
group by month
having abs(sum(share) - 1) > 1e-9
