{{ config(tags=['events']) }}
{#-
  The event features of every student and term that has usable events (one row per student_id, term),
  aggregated in streaming passes: events to days, days to weeks, weeks to the student. Each pass is a
  group-by whose size is bounded by students x days, whatever the number of events. The features and
  their formulas are defined once in event_feature_definitions() and listed in int_event_feature_catalog.
  Students without events are not here; event_features_filled() gives them the values without events.
-#}
{%- set share_columns = event_share_columns() %}
{%- set features = event_feature_definitions() %}
{%- set early_weeks = (configured('event_windows') or {}).get('early_weeks') or 0 %}

with

events as (

    select * from {{ ref('int_event_checked') }}
    where rejection_check is null

),

periods as (

    select * from {{ ref('int_event_periods') }}

),

timed_events as (

    select
        events.student_id,
        events.term,
        events.activity_type,
        events.amount,
        events.day_number - periods.period_start_day as days_since_start
    from events
    inner join periods using (term)

),

daily as (

    select
        student_id,
        term,
        floor(days_since_start) as day_index,
        count(*) as events,
        sum(amount) as amount,
        min(days_since_start) as first_event_day
        {%- for share in share_columns %},
        sum(case when activity_type = {{ sql_string(share.activity_type) }} then amount else 0 end) as {{ share.feature_column }}_amount
        {%- endfor %}
    from timed_events
    group by student_id, term, floor(days_since_start)

),

weekly as (

    select
        student_id,
        term,
        floor(day_index / 7) as week_index,
        sum(events) as events,
        sum(amount) as amount,
        count(*) as active_days,
        min(first_event_day) as first_event_day,
        sum(amount * cos(2 * pi() * day_index / 7)) as day_amount_cos,
        sum(amount * sin(2 * pi() * day_index / 7)) as day_amount_sin
        {%- for share in share_columns %},
        sum({{ share.feature_column }}_amount) as {{ share.feature_column }}_amount
        {%- endfor %}
    from daily
    group by student_id, term, floor(day_index / 7)

),

student_weeks as (

    select
        student_id,
        term,
        sum(events) as events,
        sum(amount) as total_amount,
        sum(active_days) as active_days,
        count(*) as active_weeks,
        min(first_event_day) as first_event_day,
        sum(day_amount_cos) as day_amount_cos,
        sum(day_amount_sin) as day_amount_sin,
        sum(case when amount > 0 then amount * ln(amount) else 0 end) as week_amount_log_amount,
        sum(case when week_index < {{ early_weeks }} then amount else 0 end) as early_amount,
        sum(case when week_index < {{ early_weeks }} then active_days else 0 end) as early_active_days
        {%- for share in share_columns %},
        sum({{ share.feature_column }}_amount) as {{ share.feature_column }}_amount
        {%- endfor %}
    from weekly
    group by student_id, term

),

student_totals as (

    select
        student_weeks.*,
        periods.period_weeks
    from student_weeks
    inner join periods using (term)

)

select
    student_id,
    term,
    cast(events as {{ dbt.type_bigint() }}) as events
    {%- for feature in features %},
    cast({{ feature.expression }} as {{ type_double() }}) as {{ feature.column }}
    {%- endfor %}
from student_totals
