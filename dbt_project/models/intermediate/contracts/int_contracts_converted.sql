{#
    The contracts that exist for M: not cancelled, of an account that exists at the end of
    M, signed (start_date when the signature date is empty) on or before the last day of M.
    Others count nowhere for M. The committed value is converted at the rate of the month
    of start_date, exactly; a missing rate fails the named test on fx_rate.
#}
with

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

fx_rates as (

    select * from {{ ref('stg_crm__fx_rates') }}

),

reporting_currency as (

    select * from {{ ref('int_reporting_currency') }}

),

existing_for_m as (

    select
        contracts.*,
        accounts.manager_id,
        cast({{ dbt.date_trunc('month', 'contracts.start_date') }} as date) as start_month
    from contracts
    inner join accounts on contracts.account_id = accounts.account_id
    where contracts.status <> 'cancelled'
        and contracts.signed_date <= {{ kam.reporting_month_end() }}
        and accounts.created_at <= {{ kam.reporting_month_end() }}

),

rated as (

    select
        existing_for_m.*,
        reporting_currency.reporting_currency,
        case
            when existing_for_m.currency = reporting_currency.reporting_currency
                then cast(1 as decimal(18, 8))
            else fx_rates.rate_to_reporting
        end as fx_rate
    from existing_for_m
    cross join reporting_currency
    left join fx_rates
        on existing_for_m.start_month = fx_rates.month
        and existing_for_m.currency = fx_rates.currency

),

final as (

    select
        contract_id,
        account_id,
        manager_id,
        renewal_of,
        start_date,
        end_date,
        signed_date,
        start_month,
        {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as term_days,
        reporting_currency as currency,
        currency as original_currency,
        committed_value as original_committed_value,
        fx_rate,
        {{ kam.convert_money('committed_value', 'fx_rate') }} as committed_value,
        source_file,
        source_line
    from rated

)

select * from final
