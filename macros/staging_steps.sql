{#-
  The validation and encoding steps as macros over their input relations, so that the fitted cohort
  (stg_* models) and newly scored students (scoring models) go through exactly the same SQL.
-#}

{% macro numbered_input_rows(source_sql, input_columns) %}
  {#- Every input row exactly as read (as text), numbered in file order. -#}
with source_rows as (

    select * from {{ source_sql }}

),

numbered as (

    select
        row_number() over () as source_row_number,
        {%- for column in input_columns %}
        cast({{ sql_identifier(column) }} as varchar) as {{ sql_identifier(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from source_rows

)

select * from numbered
{% endmacro %}


{% macro normalized_input_rows(input_relation) %}
  {#- Input rows with text normalised once (quotes, whitespace, missing tokens), for checks and typing. -#}
  {%- set input_columns = adapter.get_columns_in_relation(input_relation) if execute else [] -%}
with input_rows as (

    select * from {{ input_relation }}

),

normalized as (

    select
        source_row_number,
        {%- for column in input_columns if column.name != 'source_row_number' %}
        {{ normalized_text(sql_identifier(column.name)) }} as {{ sql_identifier(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from input_rows

)

select * from normalized
{% endmacro %}


{% macro validation_failures(text_relation, roles) %}
  {#-
    One row per failed validation check (see cell_check). A row with any failure is rejected as a whole.
    Duplicate ids: copies that are exact duplicates of an earlier row are rejected and the first copy kept;
    copies that differ from each other are all rejected, because nothing says which one is right.
  -#}
  {%- set id_column = sql_identifier(var('id_column')) -%}
with students_text as (

    select * from {{ text_relation }}

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
{% endmacro %}


{% macro typed_clean_rows(text_relation, checks_relation, roles) %}
  {#-
    Clean, typed rows: every input row that passed all checks. The id becomes student_id (text, so any
    id format works); numeric features are doubles, the label is 0/1, everything else is clean text.
  -#}
  {%- set positives = var('label_positive_values') | map('lower') | list -%}
with students_text as (

    select * from {{ text_relation }}

),

rejected_rows as (

    select distinct source_row_number from {{ checks_relation }}

),

clean_rows as (

    select students_text.*
    from students_text
    anti join rejected_rows using (source_row_number)

),

typed as (

    select
        {{ sql_identifier(var('id_column')) }} as student_id,
        source_row_number,
        {%- for column in roles if column.role != 'id' %}
        {%- set value = sql_identifier(column.column_name) %}
        {%- if column.role == 'label' %}
        cast(lower({{ value }}) in (select unnest({{ sql_string_list(positives) }})) as integer) as {{ value }}
        {%- elif column.kind == 'numeric' %}
        cast({{ value }} as double) as {{ value }}
        {%- else %}
        {{ value }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from clean_rows

)

select * from typed
{% endmacro %}


{% macro quarantined_rows(checks_relation, input_relation, roles_relation) %}
  {#- One row per rejected input row: the original row as read, the first failing column, every reason. -#}
  {%- set input_columns = [] -%}
  {%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(input_relation) if column.name != 'source_row_number' -%}
      {%- do input_columns.append(column.name) -%}
    {%- endfor -%}
  {%- endif -%}
with checks as (

    select * from {{ checks_relation }}

),

input_rows as (

    select * from {{ input_relation }}

),

column_roles as (

    select * from {{ roles_relation }}

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
{% endmacro %}


{% macro encoded_features(encoding_relation, numeric_relation, category_values_relation) %}
  {#- Min-max scaled numbers and one-hot indicators, each times its weight, as learned in the encoding relation. -#}
with encoding as (

    select * from {{ encoding_relation }}
    where is_used

),

numeric_values as (

    select * from {{ numeric_relation }}

),

category_values as (

    select * from {{ category_values_relation }}

),

scaled_numbers as (

    select
        numeric_values.student_id,
        encoding.feature_index,
        encoding.feature,
        encoding.weight * {{ min_max_scale('numeric_values.value', 'encoding.min_value', 'encoding.max_value') }}
            as value
    from numeric_values
    inner join encoding
        on encoding.feature_kind = 'numeric'
        and encoding.source_column = numeric_values.source_column

),

one_hot_indicators as (

    select
        category_values.student_id,
        encoding.feature_index,
        encoding.feature,
        case when category_values.level = encoding.level then encoding.weight else 0.0 end as value
    from category_values
    inner join encoding
        on encoding.feature_kind = 'one_hot'
        and encoding.source_column = category_values.source_column

),

features as (

    select * from scaled_numbers
    union all
    select * from one_hot_indicators

)

select *, {{ run_id() }} as run_id from features
{% endmacro %}
