{#- A compact 0-based row number per student, in student_id order: the order every Python model reads
    students in, so neighbour lists can refer to students by row instead of by id text. -#}

with students as (

    select student_id from {{ ref('stg_students') }}

),

numbered as (

    select row_number() over (order by student_id) - 1 as student_row, student_id
    from students

)

select * from numbered
