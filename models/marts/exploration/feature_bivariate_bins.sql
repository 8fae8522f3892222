{#-
  The scatter plots of the data-quality page as counts, not points: for each drawable pair of
  feature_bivariate_fits, the clean students with both values in a 20 x 20 grid of equal-width cells over
  the pair's observed ranges. A published page may show how many students fall in a cell, never one
  student's pair of values (a point would be one).
-#}
{%- set cells = 20 %}

with pairs as (

    select pair_order, x_column, y_column from {{ ref('feature_bivariate_fits') }}
    where is_drawable

),

numeric_values as (

    select student_id, term, source_column, value from {{ ref('int_student_numeric_values') }}
    where is_reference and value is not null

),

points as (

    select pairs.pair_order, pairs.x_column, pairs.y_column, x_values.value as x, y_values.value as y
    from pairs
    inner join numeric_values as x_values on x_values.source_column = pairs.x_column
    inner join numeric_values as y_values
        on y_values.source_column = pairs.y_column
        and y_values.student_id = x_values.student_id
        and y_values.term = x_values.term

),

ranges as (

    select pair_order, min(x) as x_min, max(x) as x_max, min(y) as y_min, max(y) as y_max
    from points
    group by pair_order

),

binned as (

    select
        points.pair_order,
        points.x_column,
        points.y_column,
        {{ grid_cell('points.x', 'ranges.x_min', 'ranges.x_max', cells) }} as x_cell,
        {{ grid_cell('points.y', 'ranges.y_min', 'ranges.y_max', cells) }} as y_cell,
        ranges.x_min,
        ranges.x_max,
        ranges.y_min,
        ranges.y_max
    from points
    inner join ranges using (pair_order)

)

select
    pair_order::integer as pair_order,
    x_column,
    y_column,
    x_cell::integer as x_cell,
    y_cell::integer as y_cell,
    x_min + x_cell * (x_max - x_min) / {{ cells }} as x_start,
    x_min + (x_cell + 1) * (x_max - x_min) / {{ cells }} as x_end,
    y_min + y_cell * (y_max - y_min) / {{ cells }} as y_start,
    y_min + (y_cell + 1) * (y_max - y_min) / {{ cells }} as y_end,
    count(*) as n_students,
    {{ run_id() }} as run_id
from binned
group by all
