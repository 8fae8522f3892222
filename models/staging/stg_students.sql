{{ config(post_hook="{{ check_reject_budget() }}") }}
{#-
  Every row of the student file, read, renamed, typed and validated: the keys (student_id, term), each
  column typed by its role (numbers as doubles, categories as clean text with one spelling per case-folded
  value), the context label as 0/1 in label_value, and the list of every check the row failed. Valid rows
  go on to int_student_records; the others are quarantined in student_rejects with their reasons. The
  build stops when more than max_reject_share of the rows fail (check_reject_budget).
-#}
{%- set roles = column_roles(ref('stg_column_roles')) -%}
{%- set file_columns = roles | selectattr('origin', 'equalto', 'input') | list -%}
{%- set id_columns = columns_with(roles, 'id') -%}
{%- set term_columns = columns_with(roles, 'term') -%}
{%- set decimal_separator = input_fact('decimal_separator') -%}

with source as (

    -- Rows that are no student (every cell empty, or the header again): skipped here, counted in stg_input_files.
    select * from {{ source('inputs', 'students') }}
    where skipped_as is null

),

normalized as (

    -- Text as the warehouse compares it: NFC, no invisible characters, plain quotes, trimmed, and the
    -- missing-value tokens as null.
    select
        source_row_number,
        {%- for column in file_columns %}
        {{ normalized_text(sql_identifier(column.column_name)) }} as {{ sql_identifier(column.column_name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from source

),
{%- for column in file_columns if column.has_case_variants %}

case_variants_{{ column.column_position }} as (

    -- One spelling per case-folded value of {{ column.column_name }}, the most frequent: 'female' and 'Female' are one group.
    select lower(spelling) as folded, first(spelling order by cells desc, spelling) as canonical
    from (
        select {{ sql_identifier(column.column_name) }} as spelling, count(*) as cells
        from normalized
        where {{ sql_identifier(column.column_name) }} is not null
        group by 1
    )
    group by 1

),
{%- endfor %}

typed as (

    select
        normalized.source_row_number,
        {{ student_id_expression(id_columns) }} as student_id,
        {{ term_expression(term_columns) }} as term,
        {%- for column in file_columns %}
        {%- set value = 'normalized.' ~ sql_identifier(column.column_name) %}
        {%- if column.kind == 'numeric' %}
        {{ parsed_number(value, decimal_separator) }} as {{ sql_identifier(column.column_name) }}
        {%- elif column.has_case_variants %}
        coalesce(case_variants_{{ column.column_position }}.canonical, {{ value }}) as {{ sql_identifier(column.column_name) }}
        {%- else %}
        {{ value }} as {{ sql_identifier(column.column_name) }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from normalized
    {%- for column in file_columns if column.has_case_variants %}
    left join case_variants_{{ column.column_position }}
        on case_variants_{{ column.column_position }}.folded = lower(normalized.{{ sql_identifier(column.column_name) }})
    {%- endfor %}

),

labelled as (

    select *, {{ label_value_expression(roles) }} as label_value
    from typed

),

cell_failures as (

    -- Every check each row failed (see macro cell_check).
    select
        labelled.source_row_number,
        list_filter([
            {%- for column in file_columns %}
            {%- set check = cell_check(column, 'normalized.' ~ sql_identifier(column.column_name),
                'labelled.' ~ sql_identifier(column.column_name)) %}
            {%- if check | trim %}
            {{ check }},
            {%- endif %}
            {%- endfor %}
            {{ label_check(roles, 'normalized') }}
        ], lambda failure: failure is not null) as validation_failures
    from labelled
    inner join normalized using (source_row_number)

),

row_contents as (

    select
        normalized.source_row_number,
        keys.student_id,
        keys.term,
        hash({% for column in file_columns %}normalized.{{ sql_identifier(column.column_name) }}{{ ", " if not loop.last }}{% endfor %}) as content
    from normalized
    inner join (select source_row_number, student_id, term from labelled) as keys using (source_row_number)

),

repeated_keys as (

    select
        student_id,
        term,
        count(*) as copies,
        count(distinct content) as versions,
        min(source_row_number) as first_row,
        string_agg(source_row_number::varchar, ', ' order by source_row_number)
            filter (where copy_order <= 10) || case when count(*) > 10 then ', ...' else '' end as rows_list
    from (
        select *, row_number() over (partition by student_id, term order by source_row_number) as copy_order
        from row_contents
        where student_id is not null
    )
    group by student_id, term
    having count(*) > 1

),

duplicate_failures as (

    -- An exact copy of an earlier row is rejected and the first copy kept; copies that differ are all
    -- rejected, because nothing says which one is right.
    select
        row_contents.source_row_number,
        [case
            when repeated_keys.versions = 1 then {{ failure(id_label(id_columns), 'duplicate_row',
                "format('{} ''{}'' is an exact duplicate of row {} (rows {}); the first copy is kept', "
                ~ sql_string(id_label(id_columns)) ~ ", row_contents.student_id, repeated_keys.first_row, repeated_keys.rows_list)") }}
            else {{ failure(id_label(id_columns), 'conflicting_duplicate_id',
                "format('{} ''{}'' appears in {} rows with different values (rows {}); all copies are rejected', "
                ~ sql_string(id_label(id_columns)) ~ ", row_contents.student_id, repeated_keys.copies, repeated_keys.rows_list)") }}
        end] as validation_failures
    from row_contents
    inner join repeated_keys using (student_id, term)
    where not (repeated_keys.versions = 1 and row_contents.source_row_number = repeated_keys.first_row)

),

validated as (

    select
        labelled.*,
        cell_failures.validation_failures || coalesce(duplicate_failures.validation_failures, []::{{ failure_type() }}[]) as validation_failures
    from labelled
    inner join cell_failures using (source_row_number)
    left join duplicate_failures using (source_row_number)

),

originals as (

    -- The row exactly as read, kept for rejected rows only (student_rejects shows it).
    select
        source.source_row_number,
        to_json({
            {%- for column in input_column_names() %}
            {{ sql_string(column) }}: source.{{ sql_identifier(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        }) as original_row
    from source
    semi join (select source_row_number from validated where len(validation_failures) > 0) as rejected using (source_row_number)

)

select
    validated.*,
    len(validated.validation_failures) = 0 as passed_validation,
    originals.original_row
from validated
left join originals using (source_row_number)
