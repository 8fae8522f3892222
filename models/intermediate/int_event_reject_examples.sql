{{ config(tags=['events']) }}
{#-
  Up to five rejected events per check, the earliest in the file, as they were in the file (text), with
  every reason: enough to find and fix them, never a copy of the rejected rows.
-#}

with

summary as (

    select * from {{ ref('int_event_log_summary') }}
    where rejection_check is not null

),

examples as (

    select
        rejection_check,
        unnest(example_rows) as example
    from summary

),

ranked as (

    select
        rejection_check,
        example.event_row_number,
        example.rejection_reason,
        example.student_id as source_student_id,
        example.time as source_time,
        example.activity as source_activity,
        example.amount as source_amount,
        example.term as source_term,
        row_number() over (partition by rejection_check order by example.event_row_number) as example_rank
    from examples

)

select * from ranked
where example_rank <= 5
