{#-
  The personas in the space of the first two factors, as counts, not points: every student's factor
  scores in a 24 x 24 grid of equal-width cells over their observed ranges, with the students of each
  persona in the cell. The personas page draws these cells (a point would be one student's values).
-#}
{%- set cells = 24 %}

with vectors as (

    select student_id, term, factor_vector[1]::double as x, coalesce(factor_vector[2], 0.0)::double as y
    from {{ ref('student_factor_vectors') }}

),

assignments as (

    select student_id, term, persona_id from {{ ref('persona_assignments') }}

),

ranges as (

    select min(x) as x_min, max(x) as x_max, min(y) as y_min, max(y) as y_max from vectors

),

binned as (

    select
        assignments.persona_id,
        {{ grid_cell('vectors.x', 'ranges.x_min', 'ranges.x_max', cells) }} as x_cell,
        {{ grid_cell('vectors.y', 'ranges.y_min', 'ranges.y_max', cells) }} as y_cell,
        ranges.*
    from vectors
    inner join assignments using (student_id, term)
    cross join ranges

)

select
    x_cell::integer as x_cell,
    y_cell::integer as y_cell,
    persona_id,
    x_min + x_cell * (x_max - x_min) / {{ cells }} as x_start,
    x_min + (x_cell + 1) * (x_max - x_min) / {{ cells }} as x_end,
    y_min + y_cell * (y_max - y_min) / {{ cells }} as y_start,
    y_min + (y_cell + 1) * (y_max - y_min) / {{ cells }} as y_end,
    count(*) as n_students,
    {{ run_id() }} as run_id
from binned
group by all
