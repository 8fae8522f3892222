{#- Every student's factor scores, one plain numeric column per factor (factor_1 is the largest). -#}

with scores as (

    select * from {{ ref('int_student_factor_scores') }}

)

select *, {{ run_id() }} as run_id from scores
