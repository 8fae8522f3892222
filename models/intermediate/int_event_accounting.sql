{{ config(tags=['events', 'scoring'], post_hook="{{ fail_if_events_unusable() }}") }}
{#-
  Where every event of the log went, in one row: events in = used + rejected; of the used events, those
  of students not in the student file; students with events, and students of the student file without
  any (they get the values without events). Fails the build when too large a share is unusable.
-#}
-- depends_on: {{ ref('int_event_rejections') }} (read by the post-hook)

with

summary as (

    select * from {{ ref('int_event_log_summary') }}

),

outcomes as (

    select
        cast(coalesce(sum(events), 0) as {{ dbt.type_bigint() }}) as events_in,
        cast(coalesce(sum(case when rejection_check is null then events end), 0) as {{ dbt.type_bigint() }}) as events_used,
        cast(coalesce(sum(case when rejection_check is not null then events end), 0) as {{ dbt.type_bigint() }}) as events_rejected,
        count(distinct case when rejection_check is null then term end) as terms
    from summary

),

event_students as (

    select
        count(*) as student_terms_with_events,
        count(distinct student_id) as students_with_events
    from {{ ref('int_student_event_features') }}

),

unknown as (

    select
        count(*) as unknown_student_terms,
        count(distinct student_id) as unknown_students,
        cast(coalesce(sum(events), 0) as {{ dbt.type_bigint() }}) as events_of_unknown_students
    from {{ ref('int_event_unknown_students') }}

),

known_students as (

    select count(distinct student_id) as students_in_student_file from {{ ref('stg_students') }}

)

select
    outcomes.events_in,
    outcomes.events_used,
    outcomes.events_rejected,
    unknown.events_of_unknown_students,
    outcomes.events_used - unknown.events_of_unknown_students as events_of_known_students,
    outcomes.terms,
    event_students.students_with_events,
    event_students.student_terms_with_events,
    unknown.unknown_students,
    unknown.unknown_student_terms,
    known_students.students_in_student_file,
    known_students.students_in_student_file
        - (event_students.students_with_events - unknown.unknown_students) as students_without_events
from outcomes
cross join event_students
cross join unknown
cross join known_students
