{{ config(materialized='view', tags=['events']) }}
{#-
  The events of stg_events with one more check that needs the whole log: an event far outside its term's
  period (int_event_time_bounds: more than the span of the term's central 98% of events before or after
  it) is quarantined as far_outside_period, with its reason, rather than stretching the period. Every
  model after staging reads the events from here.
-#}
{%- set layout = event_log_layout() %}

with

events as (

    select * from {{ ref('stg_events') }}

),

bounds as (

    select * from {{ ref('int_event_time_bounds') }}

),

checked as (

    select
        events.*,
        events.rejection_check is null
            and (events.day_number < bounds.lower_bound_day or events.day_number > bounds.upper_bound_day)
            as is_far_outside_period
    from events
    left join bounds using (term)

)

select
    * exclude (rejection_check, rejection_reason, is_far_outside_period),
    case when is_far_outside_period then 'far_outside_period' else rejection_check end as rejection_check,
    case when is_far_outside_period then format(
        '{} is ''{}'', far outside the period of its term''s other events: quarantined so that it does not '
        || 'stretch the period', {{ sql_string(layout.get('time') or 'time') }}, cast(source_time as varchar))
        else rejection_reason end as rejection_reason
from checked
