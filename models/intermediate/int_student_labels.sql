{#- Each fitted student record's context label as 0/1 (empty when no label is declared). Read only by
    post-hoc tables and the opt-in label audit, never by the persona models. -#}

with records as (

    select * from {{ ref('int_student_records') }}
    where is_reference

)

select student_id, term, label_value
from records
where label_value is not null
