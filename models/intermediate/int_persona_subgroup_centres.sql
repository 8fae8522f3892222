{#- The two centres (in the encoded feature space) of every persona that holds a sub-group, which its
    students are placed between: fitted in this build (int_persona_subgroup_fit) or, in a scoring run, the
    stored persona model's. Personas without a sub-group have no row. -#}

{%- if is_scoring_run() %}

with stored as (

    select * from {{ source('persona_registry', 'persona_model_subgroups') }}
    where model_version = {{ sql_string(scoring_model_version()) }}

)

{%- else %}

with stored as (

    select * from {{ ref('int_persona_subgroup_fit') }}

)

{%- endif %}

select persona_id, major_centre, minor_centre
from stored
where has_subgroup
