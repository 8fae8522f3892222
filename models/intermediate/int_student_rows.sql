{#- A compact 0-based row number per fitted student record, in (student_id, term) order: the order every
    Python model reads records in, so neighbour lists can refer to students by row instead of by key. -#}

with records as (

    select student_id, term from {{ ref('int_student_records') }}
    where is_reference

),

numbered as (

    select row_number() over (order by student_id, term) - 1 as student_row, student_id, term
    from records

)

select * from numbered
