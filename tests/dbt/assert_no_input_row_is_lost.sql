-- Every record of the file, as counted by an independent reader (Python's CSV reader, which skips no comment
-- lines), is either a valid record (int_student_records), quarantined (student_rejects, this run's batch)
-- or a row that is no student (every cell empty, or the header again: counted in stg_input_files), never
-- two, never none.
{{ config(tags=['scoring']) }}
with counted as (
    select records_counted, coalesce(empty_rows, 0) + coalesce(repeated_header_rows, 0) as skipped_rows
    from {{ ref('stg_input_files') }} where input_name = 'students'
),
staged as (
    select source_row_number, passed_validation from {{ ref('stg_students') }}
),
valid as (
    select source_row_number, 'valid' as outcome
    from {{ ref('stg_students') }}
    semi join {{ ref('int_student_records') }} using (source_row_number)
),
rejected as (
    select source_row_number, 'rejected' as outcome from {{ ref('student_rejects') }}
    where batch_id = {{ sql_string(batch_id()) }}
),
outcomes as (
    select * from valid
    union all
    select * from rejected
),
per_row as (
    select staged.source_row_number, count(outcomes.outcome) as n_outcomes
    from staged
    left join outcomes using (source_row_number)
    group by staged.source_row_number
)
select source_row_number, n_outcomes from per_row where n_outcomes <> 1
union all
select -1, (select count(*) from staged) from counted where records_counted <> (select count(*) from staged) + skipped_rows
