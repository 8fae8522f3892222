{#-
  Pearson r and Spearman ρ of every unordered pair of numeric feature columns, over the clean students
  that have both values, with two-sided p-values (t-test with n - 2 degrees of freedom, as scipy's pearsonr
  and spearmanr) and each pair's rank by strength (|r|, strongest first). x is the column earlier in the
  file.

  Spearman ρ is Pearson r of average ranks (tied values share their mean rank, as scipy ranks them). Each
  column is ranked once: its distinct values with their counts, a running total giving every value its
  average rank, joined back (one hash join per column; window ranks over a million rows per column were
  six times slower). Columns are ranked over their present values, which equals pairwise ranking because
  validation requires every feature value. Then one pass over the students computes every pair's
  coefficients: p(p-1)/2 aggregates for p columns, linear in the number of students, no student × student
  step.
-#}
{%- set numeric_columns = columns_with(column_roles(), 'feature', 'numeric') -%}

with students as (

    select * from {{ ref('int_student_records') }}
    where is_reference

),

encoding as (

    select source_column, is_used from {{ ref('feature_encoding') }}
    where feature_kind = 'numeric'

),

positions as (

    select column_name as source_column, column_position from {{ ref('int_column_roles') }}

),

{% for column in numeric_columns %}
value_ranks_{{ loop.index }} as (

    select
        {{ sql_identifier(column) }} as value,
        sum(count(*)) over (order by {{ sql_identifier(column) }}) - (count(*) - 1) / 2.0 as average_rank
    from students
    where {{ sql_identifier(column) }} is not null
    group by {{ sql_identifier(column) }}

),

{% endfor %}
ranked as (

    select
        {%- for column in numeric_columns %}
        students.{{ sql_identifier(column) }}::double as value_{{ loop.index }},
        value_ranks_{{ loop.index }}.average_rank as rank_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
        {%- if not numeric_columns %}
        null as no_numeric_column
        {%- endif %}
    from students
    {%- for column in numeric_columns %}
    left join value_ranks_{{ loop.index }} on value_ranks_{{ loop.index }}.value = students.{{ sql_identifier(column) }}
    {%- endfor %}

),

coefficients as (

    {%- set pairs = [] -%}
    {%- for x_column in numeric_columns -%}
      {%- set x_index = loop.index -%}
      {%- for y_column in numeric_columns[x_index:] -%}
        {%- do pairs.append((x_column, x_index, y_column, x_index + loop.index)) -%}
      {%- endfor -%}
    {%- endfor %}
    {%- if pairs %}
    select unnest([
        {%- for x_column, x_index, y_column, y_index in pairs %}
        {
            'x_column': {{ sql_string(x_column) }},
            'y_column': {{ sql_string(y_column) }},
            'n_students': regr_count(value_{{ y_index }}, value_{{ x_index }}),
            'pearson_r': corr(value_{{ y_index }}, value_{{ x_index }}),
            'spearman_rho': corr(rank_{{ y_index }}, rank_{{ x_index }})
        }{{ "," if not loop.last }}
        {%- endfor %}
    ], recursive := true)
    from ranked
    {%- else %}
    select null::varchar as x_column, null::varchar as y_column, null::bigint as n_students,
        null::double as pearson_r, null::double as spearman_rho
    where false
    {%- endif %}

),

pairs as (

    select
        coefficients.x_column,
        coefficients.y_column,
        coefficients.n_students::bigint as n_students,
        -- A constant column has no correlation: DuckDB gives NaN, the table says null.
        case when isfinite(coefficients.pearson_r) then coefficients.pearson_r end as pearson_r,
        case when isfinite(coefficients.spearman_rho) then coefficients.spearman_rho end as spearman_rho,
        coalesce(x_encoding.is_used and y_encoding.is_used, false) as is_used,
        x_positions.column_position as x_position,
        y_positions.column_position as y_position
    from coefficients
    inner join positions as x_positions on x_positions.source_column = coefficients.x_column
    inner join positions as y_positions on y_positions.source_column = coefficients.y_column
    left join encoding as x_encoding on x_encoding.source_column = coefficients.x_column
    left join encoding as y_encoding on y_encoding.source_column = coefficients.y_column

),

tested as (

    select
        row_number() over (order by x_position, y_position) as pair_index,
        x_column,
        y_column,
        n_students,
        pearson_r,
        correlation_p_value(pearson_r, n_students) as pearson_p,
        spearman_rho,
        correlation_p_value(spearman_rho, n_students) as spearman_p,
        case when is_used then row_number() over (
            partition by is_used order by abs(pearson_r) desc nulls last, x_position, y_position
        ) end as strength_rank,
        is_used
    from pairs

)

select *, {{ run_id() }} as run_id from tested
