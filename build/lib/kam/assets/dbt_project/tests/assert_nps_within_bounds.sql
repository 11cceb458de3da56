-- NPS is in points between -100 and 100, for T12M and for the month alone.
select account_id, month, nps, nps_m
from {{ ref('account_satisfaction') }}
where nps not between -100 and 100
    or nps_m not between -100 and 100
