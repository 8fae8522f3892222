{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail',
          pre_hook="{{ replace_current_batch() }}", tags=['scoring']) }}
{#-
  Quarantine: one row per rejected input row, for the fitted cohort (batch 'fit') and for every scoring
  batch, with the original row as read, the first failing column and every reason. For each batch, rows in
  the file = valid rows + rejected rows, always (test assert_no_input_row_is_lost).
-#}

with students as (

    select * from {{ ref('stg_students') }}
    where not passed_validation

),

column_positions as (

    select column_name, column_position from {{ ref('int_column_roles') }}

),

failures as (

    select
        students.source_row_number,
        failure.column_name,
        failure.check_name,
        failure.reason,
        row_number() over (partition by students.source_row_number
            order by coalesce(column_positions.column_position, 0), failure.check_name) as failure_order
    from (select source_row_number, unnest(validation_failures) as failure from students) as students
    left join column_positions on column_positions.column_name = students.failure.column_name

),

summarised as (

    select
        source_row_number,
        count(*) as failure_count,
        min(column_name) filter (where failure_order = 1) as column_name,
        min(check_name) filter (where failure_order = 1) as check_name,
        string_agg(reason, '; ' order by failure_order) as reason,
        list(distinct column_name order by column_name) as failed_columns
    from failures
    group by source_row_number

),

rejects as (

    select
        {{ sql_string(batch_id()) }} as batch_id,
        summarised.source_row_number,
        students.student_id,
        students.term,
        summarised.column_name,
        summarised.check_name,
        summarised.reason,
        summarised.failure_count,
        summarised.failed_columns,
        json_extract_string(
            students.original_row, '$."' || replace(summarised.column_name, '"', '\"') || '"') as raw_value,
        students.original_row::varchar as original_row
    from summarised
    inner join students using (source_row_number)

)

select *, {{ run_id() }} as run_id from rejects
