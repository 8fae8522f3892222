{{ config(post_hook="{{ log_inferred_columns() }}") }}
{#-
  The role and kind of every input column: declared roles from the vars, and for undeclared columns an
  inference (numeric when at least numeric_share_threshold of the present values parse as numbers).
-#}
{%- set input_columns = [] -%}
{%- if execute -%}
  {%- for column in adapter.get_columns_in_relation(ref('stg_students_text')) if column.name != 'source_row_number' -%}
    {%- do input_columns.append(column.name) -%}
  {%- endfor -%}
{%- endif -%}
{%- set declared = declared_roles() -%}
{%- set categorical = var('categorical_columns', {}) or {} -%}
{%- set ranges = var('range_rules', {}) or {} -%}
{%- set features_listed = var('feature_columns', none) is not none -%}

with students_text as (

    select * from {{ ref('stg_students_text') }}

),

column_profiles as (

    select unnest(profiles, recursive := true)
    from (
        select [
            {%- for column in input_columns %}
            {
                'column_name': {{ sql_string(column) }},
                'column_position': {{ loop.index }},
                'present_count': count({{ sql_identifier(column) }}),
                'numeric_count': count(try_cast({{ sql_identifier(column) }} as double)),
                'distinct_count': count(distinct {{ sql_identifier(column) }})
            }{{ "," if not loop.last }}
            {%- endfor %}
        ] as profiles
        from students_text
    )

),

declarations as (

    select *
    from (values
        {%- for column in input_columns %}
        (
            {{ sql_string(column) }},
            {{ sql_string(declared[column].role if column in declared else none) }},
            {{ 'true' if column in categorical else 'false' }},
            {{ sql_string_list(categorical[column] or []) if column in categorical else 'null::varchar[]' }},
            {{ sql_number(ranges[column][0] if column in ranges else none) }}::double,
            {{ sql_number(ranges[column][1] if column in ranges else none) }}::double
        ){{ "," if not loop.last }}
        {%- endfor %}
    ) as declared (column_name, declared_role, is_declared_categorical, declared_levels, range_min, range_max)

),

roles as (

    select
        column_profiles.column_name,
        column_profiles.column_position,
        coalesce(
            declarations.declared_role,
            {{ "'ignored'" if features_listed else "'feature'" }}
        ) as role,
        declarations.declared_role is not null as is_declared,
        declarations.is_declared_categorical,
        declarations.declared_levels,
        declarations.range_min,
        declarations.range_max,
        column_profiles.present_count,
        column_profiles.numeric_count,
        column_profiles.distinct_count
    from column_profiles
    inner join declarations using (column_name)

),

kinds as (

    select
        *,
        case
            when role <> 'feature' then null
            when is_declared_categorical then 'categorical'
            when present_count > 0
                and numeric_count >= {{ var('numeric_share_threshold', 0.95) }} * present_count then 'numeric'
            else 'categorical'
        end as kind
    from roles

),

explained as (

    select
        column_name,
        column_position,
        role,
        kind,
        is_declared,
        declared_levels,
        range_min,
        range_max,
        present_count,
        numeric_count,
        distinct_count,
        case
            when role = 'ignored' then 'not listed in feature_columns; not used'
            when role <> 'feature' then 'declared ' || role
            when is_declared_categorical then 'declared categorical'
            when kind = 'numeric' then format(
                'inferred numeric: {} of {} present values parse as numbers', numeric_count, present_count)
            else format(
                'inferred categorical: {} of {} present values parse as numbers', numeric_count, present_count)
        end as role_note
    from kinds

)

select * from explained
