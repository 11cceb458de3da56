{#
    The churn warning, in one place for account_retention (as of M) and
    portfolio_warning_backtest (replayed as of earlier months).

    order_date_gaps: the body of a CTE over `order_dates` (one row per account and distinct
    date of a completed order; refunds are completed orders): each date with the days since
    the account's previous one (null for its first).
#}
{% macro order_date_gaps(order_dates) -%}
    select
        account_id,
        order_date,
        {{ dbt.datediff(
            'lag(order_date) over (partition by account_id order by order_date)',
            'order_date', 'day') }} as gap_days
    from {{ order_dates }}
{%- endmacro %}

{#
    churn_risk: null with fewer than churn_min_order_dates order dates, else whether the
    days since the last order exceed, strictly, the larger of churn_min_days and
    churn_gap_multiple x the median gap between the order dates (docs/metrics.md).
#}
{% macro churn_risk(order_dates, days_since_last_order, median_gap_days) -%}
    case
        when coalesce({{ order_dates }}, 0) < {{ var('churn_min_order_dates') }} then null
        when {{ days_since_last_order }}
            > case
                when {{ var('churn_gap_multiple') }} * {{ median_gap_days }}
                    > {{ var('churn_min_days') }}
                    then {{ var('churn_gap_multiple') }} * {{ median_gap_days }}
                else {{ var('churn_min_days') }}
            end
            then true
        else false
    end
{%- endmacro %}
