{{ config(tags=['events']) }}
{#-
  Where each term's events lie, robustly: the 1st and 99th percentiles of the day numbers of its otherwise
  usable events, and a band one span (their distance, at least a week) beyond each. An event outside the
  band, such as one mistyped as 2099 or 1970, is quarantined (int_event_checked) instead of stretching the
  period every student's weeks and shares are counted in. Approximate percentiles: one streaming pass.
-#}

with

events as (

    select term, day_number from {{ ref('stg_events') }}
    where rejection_check is null

),

percentiles as (

    select
        term,
        approx_quantile(day_number, 0.01) as low_day,
        approx_quantile(day_number, 0.99) as high_day
    from events
    group by term

)

select
    term,
    low_day,
    high_day,
    low_day - greatest(high_day - low_day, 7) as lower_bound_day,
    high_day + greatest(high_day - low_day, 7) as upper_bound_day
from percentiles
