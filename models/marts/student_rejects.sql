{#-
  Quarantine: one row per rejected input row, with the original row as read, the first failing column,
  and every reason. Input rows = stg_students + student_rejects, always (a data test holds this).
-#}
{%- set input_columns = [] -%}
{%- if execute -%}
  {%- for column in adapter.get_columns_in_relation(ref('stg_students_input')) if column.name != 'source_row_number' -%}
    {%- do input_columns.append(column.name) -%}
  {%- endfor -%}
{%- endif -%}

with checks as (

    select * from {{ ref('stg_student_checks') }}

),

input_rows as (

    select * from {{ ref('stg_students_input') }}

),

column_roles as (

    select * from {{ ref('stg_column_roles') }}

),

ordered_checks as (

    select
        checks.*,
        row_number() over (
            partition by checks.source_row_number
            order by column_roles.column_position, checks.check_name
        ) as check_order
    from checks
    inner join column_roles using (column_name)

),

rejected_rows as (

    select
        source_row_number,
        count(*) as failure_count,
        min(column_name) filter (where check_order = 1) as column_name,
        min(check_name) filter (where check_order = 1) as check_name,
        string_agg(reason, '; ' order by check_order) as reason,
        list(distinct column_name order by column_name) as failed_columns
    from ordered_checks
    group by source_row_number

),

original_rows as (

    select
        source_row_number,
        {{ sql_identifier(var('id_column')) }} as student_id,
        to_json({
            {%- for column in input_columns %}
            {{ sql_string(column) }}: {{ sql_identifier(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        }) as original_row
    from input_rows
    semi join rejected_rows using (source_row_number)

),

rejects as (

    select
        rejected_rows.source_row_number,
        original_rows.student_id,
        rejected_rows.column_name,
        rejected_rows.check_name,
        rejected_rows.reason,
        rejected_rows.failure_count,
        rejected_rows.failed_columns,
        json_extract_string(
            original_rows.original_row,
            '$."' || replace(rejected_rows.column_name, '"', '\"') || '"'
        ) as raw_value,
        original_rows.original_row
    from rejected_rows
    inner join original_rows using (source_row_number)

)

select *, {{ run_id() }} as run_id from rejects
