{#
    How the key accounts (tier at M in var report_tiers) of M spread over bands of their
    health score (account_health) and their NPS (account_satisfaction): one row per
    measure, band and tier, every band present (zero accounts included), so the portfolio
    review draws its histograms without counting anything itself. The bands of a measure
    come from var distribution_bands (from, to, width): band n holds the values in
    [from + n x width, from + (n + 1) x width), the last band also holds `to`, and values
    outside [from, to] fall into the first or last band. Accounts without a value are in
    no band. A run for M replaces month M only.
#}
{{ config(
    pre_hook="{% if is_incremental() %}delete from {{ this }} where month = {{ kam.reporting_month_start() }}{% endif %}"
) }}

{%- set measures = {
    'health_score': (ref('account_health'), 'health_score'),
    'nps': (ref('account_satisfaction'), 'nps'),
} -%}

with

tiers as (

    select * from {{ ref('account_tier') }}
    where month = {{ kam.reporting_month_start() }}
        and {{ kam.is_report_tier('tier') }}

),

{% for measure, (relation, column) in measures.items() %}
{%- set band = kam.distribution_band(measure) %}
{{ measure }}_values as (

    select
        '{{ measure }}' as measure,
        tiers.tier,
        measured_rows.{{ column }} as measured
    from {{ relation }} as measured_rows
    inner join tiers on measured_rows.account_id = tiers.account_id
    where measured_rows.month = {{ kam.reporting_month_start() }}
        and measured_rows.{{ column }} is not null

),

{{ measure }}_banded as (

    select
        measure,
        tier,
        cast(least(
            greatest(floor((measured - ({{ band['from'] }})) / {{ band['width'] }}), 0),
            {{ band['bands'] - 1 }}
        ) as {{ dbt.type_int() }}) as band
    from {{ measure }}_values

),

{% endfor %}

banded as (

    {% for measure in measures %}
    select * from {{ measure }}_banded
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

bands as (

    {% for measure in measures %}
    {%- set band = kam.distribution_band(measure) %}
    {% for n in range(band['bands']) %}
    select
        '{{ measure }}' as measure,
        {{ n }} as band,
        {{ band['from'] + n * band['width'] }} as band_from,
        {{ band['from'] + (n + 1) * band['width'] }} as band_to
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

report_tiers as (

    {% for tier in kam.checked_report_tiers() %}
    select '{{ tier }}' as tier
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

counted as (

    select
        measure,
        tier,
        band,
        count(*) as accounts
    from banded
    group by measure, tier, band

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        bands.measure,
        report_tiers.tier,
        bands.band,
        bands.band_from,
        bands.band_to,
        coalesce(counted.accounts, 0) as accounts
    from bands
    cross join report_tiers
    left join counted
        on bands.measure = counted.measure
        and report_tiers.tier = counted.tier
        and bands.band = counted.band

)

select * from final
