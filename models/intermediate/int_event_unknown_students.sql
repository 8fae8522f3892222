{{ config(tags=['events']) }}
{#-
  Students of the event log who are not in the student file, with their usable events: counted and
  reported, never silently dropped (their events give no student any feature).
-#}

with

event_students as (

    select student_id, term, events, event_total_amount from {{ ref('int_student_event_features') }}

),

known_students as (

    select distinct student_id, true as is_known from {{ ref('stg_students') }}

)

select
    event_students.student_id,
    event_students.term,
    event_students.events,
    event_students.event_total_amount
from event_students
left join known_students using (student_id)
where known_students.is_known is null
