{{ config(tags=['events']) }}
{#- Rejected events per check: how many, their share of the log, and the first reason in the file. -#}

with

summary as (

    select * from {{ ref('int_event_log_summary') }}

),

rejected as (

    select
        rejection_check,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events
    from summary
    where rejection_check is not null
    group by rejection_check

),

first_examples as (

    select * from {{ ref('int_event_reject_examples') }}
    where example_rank = 1

),

log_size as (

    select cast(sum(events) as {{ dbt.type_bigint() }}) as events_in from summary

)

select
    rejected.rejection_check,
    rejected.events,
    cast(rejected.events as {{ type_double() }}) / log_size.events_in as share_of_events,
    first_examples.event_row_number as first_event_row_number,
    first_examples.rejection_reason as first_reason
from rejected
cross join log_size
left join first_examples using (rejection_check)
