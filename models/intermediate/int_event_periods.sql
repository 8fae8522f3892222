{{ config(tags=['events']) }}
{#-
  The period of each term that weeks and days are counted from: it starts on the declared
  event_period_start (day 0 for day offsets) or else on the day of the term's first usable event, and lasts
  event_windows.period_weeks weeks or else through the week of the term's last usable event.
-#}
{%- set period_weeks = (configured('event_windows') or {}).get('period_weeks') %}

with

used_events as (

    select * from {{ ref('int_event_log_summary') }}
    where rejection_check is null

),

terms as (

    select
        term,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events,
        sum(amount) as amount,
        min(first_day_number) as first_day_number,
        max(last_day_number) as last_day_number,
        min(first_event_time) as first_event_time,
        min(declared_period_start_day) as declared_period_start_day
    from used_events
    group by term

),

started as (

    select
        *,
        coalesce(declared_period_start_day, floor(first_day_number)) as period_start_day
    from terms

),

periods as (

    select
        *,
        {%- if period_weeks %}
        {{ period_weeks }} as period_weeks
        {%- else %}
        cast(floor((last_day_number - period_start_day) / 7) as integer) + 1 as period_weeks
        {%- endif %}
    from started

)

select
    term,
    period_start_day,
    case
        when first_event_time is not null
            then {{ dbt.dateadd('second', 'period_start_day * 86400', "cast('1970-01-01' as " ~ dbt.type_timestamp() ~ ")") }}
    end as period_start,
    period_weeks,
    period_weeks * 7 as period_days,
    first_day_number - period_start_day as first_event_day,
    last_day_number - period_start_day as last_event_day,
    events,
    amount
from periods
