{#-
  Histogram bins of every numeric feature column, counted over the clean students: at most 30
  equal-width bins between the column's minimum and maximum; a column with fewer distinct values gets one
  bin per value (as many bins as values), and a constant column one bin of width 1. The last bin includes
  the maximum. Every clean value falls in exactly one bin.
-#}

with statistics as (

    select source_column, column_position, minimum, maximum, n_distinct
    from {{ ref('feature_statistics') }}
    where n_students > 0

),

numeric_values as (

    select source_column, value from {{ ref('int_student_numeric_values') }}
    where is_reference and value is not null

),

bin_layout as (

    select
        source_column,
        column_position,
        minimum,
        least(n_distinct, 30) as n_bins,
        coalesce(nullif(maximum - minimum, 0) / least(n_distinct, 30), 1) as bin_width
    from statistics

),

binned as (

    select
        bin_layout.source_column,
        least(floor((numeric_values.value - bin_layout.minimum) / bin_layout.bin_width), bin_layout.n_bins - 1)::integer
            as bin_index
    from numeric_values
    inner join bin_layout using (source_column)

),

counted as (

    select source_column, bin_index, count(*) as n_students
    from binned
    group by source_column, bin_index

),

bins as (

    select
        bin_layout.source_column,
        bin_layout.column_position,
        counted.bin_index,
        bin_layout.n_bins,
        bin_layout.minimum + counted.bin_index * bin_layout.bin_width as bin_start,
        bin_layout.minimum + (counted.bin_index + 1) * bin_layout.bin_width as bin_end,
        counted.n_students
    from counted
    inner join bin_layout using (source_column)

)

select *, {{ run_id() }} as run_id from bins
