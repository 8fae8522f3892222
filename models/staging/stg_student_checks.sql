{#-
  One row per failed validation check. A row of the input with any failure is rejected as a whole.
  Duplicate ids: copies that are exact duplicates of an earlier row are rejected and the first copy kept;
  copies that differ from each other are all rejected, because nothing says which one is right.
-#}
{%- set roles = column_roles() -%}
{%- set id_column = sql_identifier(var('id_column')) -%}

with students_text as (

    select * from {{ ref('stg_students_text') }}

),

cell_failures as (

    select source_row_number, unnest(failures, recursive := true)
    from (
        select
            source_row_number,
            list_filter([
                {%- for column in roles %}
                {%- set check = cell_check(column) %}
                {%- if check | trim %}
                {{ check }},
                {%- endif %}
                {%- endfor %}
            ], lambda failure: failure is not null) as failures
        from students_text
    )

),

row_values as (

    select
        source_row_number,
        {{ id_column }} as student_id,
        {
            {%- for column in roles %}
            {{ sql_string(column.column_name) }}: {{ sql_identifier(column.column_name) }}{{ "," if not loop.last }}
            {%- endfor %}
        } as row_content
    from students_text
    where {{ id_column }} is not null

),

duplicated_ids as (

    select
        student_id,
        count(*) as copies,
        count(distinct row_content) as distinct_versions,
        string_agg(source_row_number::varchar, ', ' order by source_row_number) as rows_list
    from row_values
    group by student_id
    having count(*) > 1

),

duplicate_failures as (

    select
        row_values.source_row_number,
        {{ sql_string(var('id_column')) }} as column_name,
        case when duplicated_ids.distinct_versions = 1 then 'duplicate_row' else 'conflicting_duplicate_id' end
            as check_name,
        case
            when duplicated_ids.distinct_versions = 1 then format(
                '{} ''{}'' is an exact duplicate of row {} (rows {}); the first copy is kept',
                {{ sql_string(var('id_column')) }},
                row_values.student_id,
                min(row_values.source_row_number) over (partition by row_values.student_id),
                duplicated_ids.rows_list)
            else format(
                '{} ''{}'' appears in {} rows with different values (rows {}); all copies are rejected',
                {{ sql_string(var('id_column')) }},
                row_values.student_id,
                duplicated_ids.copies,
                duplicated_ids.rows_list)
        end as reason,
        duplicated_ids.distinct_versions = 1
            and row_values.source_row_number
                = min(row_values.source_row_number) over (partition by row_values.student_id)
            as is_kept_first_copy
    from row_values
    inner join duplicated_ids using (student_id)

),

all_failures as (

    select source_row_number, column_name, check_name, reason from cell_failures
    union all
    select source_row_number, column_name, check_name, reason from duplicate_failures
    where not is_kept_first_copy

)

select * from all_failures
