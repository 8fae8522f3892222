{#-
  The x/y pairs the data-quality page draws as scatter plots, with the least-squares line y = slope·x +
  intercept over every clean student with both values, and the pair's Pearson r, Spearman ρ and p-values
  (from feature_correlations, which are the same in either orientation).

  The pairs are var report_bivariate_pairs ([{x: …, y: …}, …], selection 'requested') when it lists any,
  each marked drawable when both are numeric features of this input, else kept with the missing column
  named; otherwise the four most strongly correlated used pairs (selection 'strongest'), so an input the
  configuration knows nothing about still gets its most telling scatter plots.
-#}
{%- set numeric_columns = columns_with(column_roles(), 'feature', 'numeric') -%}
{%- set requested = configured('report_bivariate_pairs') or [] -%}
{%- set pairs = [] -%}
{%- if requested -%}
  {%- for pair in requested -%}
    {%- do pairs.append({'x': pair['x'], 'y': pair['y'], 'selection': 'requested'}) -%}
  {%- endfor -%}
{%- elif built(ref('feature_correlations')) -%}
  {%- set strongest = run_query(
      "select x_column, y_column from " ~ ref('feature_correlations')
      ~ " where is_used and pearson_r is not null order by strength_rank limit 4") -%}
  {%- for row in strongest.rows -%}
    {%- do pairs.append({'x': row[0], 'y': row[1], 'selection': 'strongest'}) -%}
  {%- endfor -%}
{%- endif %}

with students as (

    select * from {{ ref('int_student_records') }}
    where is_reference

),

correlations as (

    select * from {{ ref('feature_correlations') }}

),

fits as (

    {%- for pair in pairs %}
    {%- set drawable = pair.x in numeric_columns and pair.y in numeric_columns %}
    select
        {{ loop.index }} as pair_order,
        {{ sql_string(pair.x) }} as x_column,
        {{ sql_string(pair.y) }} as y_column,
        {{ sql_string(pair.selection) }} as selection,
        {{ 'true' if drawable else 'false' }} as is_drawable,
        {%- set missing = [] %}
        {%- for name in [pair.x, pair.y] if name not in numeric_columns %}{% do missing.append(name) %}{% endfor %}
        {{ sql_string(missing | join(' and ') if missing else none) }} as missing_columns,
        {%- if drawable %}
        regr_count({{ sql_identifier(pair.y) }}, {{ sql_identifier(pair.x) }})::bigint as n_students,
        regr_slope({{ sql_identifier(pair.y) }}, {{ sql_identifier(pair.x) }}) as slope,
        regr_intercept({{ sql_identifier(pair.y) }}, {{ sql_identifier(pair.x) }}) as intercept
    from students
        {%- else %}
        null::bigint as n_students,
        null::double as slope,
        null::double as intercept
        {%- endif %}
    {{ "union all" if not loop.last }}
    {%- else %}
    select null::integer as pair_order, null::varchar as x_column, null::varchar as y_column,
        null::varchar as selection, null::boolean as is_drawable, null::varchar as missing_columns,
        null::bigint as n_students, null::double as slope, null::double as intercept
    where false
    {%- endfor %}

),

described as (

    select
        fits.pair_order::integer as pair_order,
        fits.x_column::varchar as x_column,
        fits.y_column::varchar as y_column,
        fits.selection::varchar as selection,
        fits.is_drawable,
        fits.missing_columns::varchar as missing_columns,
        fits.n_students,
        correlations.pearson_r,
        correlations.pearson_p,
        correlations.spearman_rho,
        correlations.spearman_p,
        case when isfinite(fits.slope) then fits.slope end as slope,
        case when isfinite(fits.intercept) then fits.intercept end as intercept
    from fits
    left join correlations
        on (correlations.x_column = fits.x_column and correlations.y_column = fits.y_column)
        or (correlations.x_column = fits.y_column and correlations.y_column = fits.x_column)

)

select *, {{ run_id() }} as run_id from described
