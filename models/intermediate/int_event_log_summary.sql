{{ config(tags=['events']) }}
{#-
  The one pass over the whole event log that everything but the features needs: events and amount per
  term, activity type and outcome (rejection_check null = used), the time span of the used events, and up
  to {{ examples }} example rows per rejected group (the earliest in the file), never a copy of bad rows.
-#}
{%- set examples = 5 %}

with

events as (

    select * from {{ ref('int_event_checked') }}

)

select
    term,
    activity_type,
    rejection_check,
    count(*) as events,
    sum(case when rejection_check is null then amount end) as amount,
    min(case when rejection_check is null then day_number end) as first_day_number,
    max(case when rejection_check is null then day_number end) as last_day_number,
    min(case when rejection_check is null then event_time end) as first_event_time,
    min(period_start_day) as declared_period_start_day,
    min_by(
        case when rejection_check is not null then {
            'event_row_number': event_row_number,
            'rejection_reason': rejection_reason,
            'student_id': cast(source_student_id as {{ dbt.type_string() }}),
            'time': cast(source_time as {{ dbt.type_string() }}),
            'activity': cast(source_activity as {{ dbt.type_string() }}),
            'amount': cast(source_amount as {{ dbt.type_string() }}),
            'term': cast(source_term as {{ dbt.type_string() }})
        } end,
        case when rejection_check is not null then event_row_number end,
        {{ examples }}
    ) as example_rows
from events
group by term, activity_type, rejection_check
