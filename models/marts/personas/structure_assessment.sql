{#-
  One row per build: how much group structure the personas rest on (clear, moderate, weak or none), the
  evidence against shuffled reference data, and one plain sentence for the pages and persona descriptions.
-#}

with assessment as (

    select * from {{ ref('int_structure_assessment') }}

)

select *, {{ run_id() }} as run_id from assessment
