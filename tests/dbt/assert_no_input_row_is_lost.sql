-- Every input row is either clean (stg_students) or quarantined (student_rejects), never both, never neither.
with input_rows as (
    select source_row_number from {{ ref('stg_students_input') }}
),
clean as (
    select source_row_number, 'clean' as outcome from {{ ref('stg_students') }}
),
rejected as (
    select source_row_number, 'rejected' as outcome from {{ ref('student_rejects') }}
),
outcomes as (
    select * from clean
    union all
    select * from rejected
),
per_row as (
    select input_rows.source_row_number, count(outcomes.outcome) as n_outcomes
    from input_rows
    left join outcomes using (source_row_number)
    group by input_rows.source_row_number
)
select * from per_row where n_outcomes <> 1
union all
select source_row_number, -1 from outcomes anti join input_rows using (source_row_number)
