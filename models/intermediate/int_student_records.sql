{#-
  One row per valid student record (student_id, term): the typed columns of stg_students (with the parts
  of a composite id), the student's event features for the term (int_student_event_features; a student
  without events gets the values without events), the derived features computed from both, and whether
  the record belongs to the reference cohort the persona model is fitted on (var reference_terms; every
  record when null). A scoring run's records are never reference.
-#}
{%- set roles = column_roles() -%}
{%- set file_columns = roles | selectattr('origin', 'equalto', 'input') | list -%}
{%- set event_features = roles | selectattr('origin', 'equalto', 'events') | list -%}
{%- set derived = roles | selectattr('origin', 'equalto', 'derived') | list -%}
{#- An event log with a term column joins on (student_id, term); one without is a single period and
    joins on student_id (the preflight requires both files to have terms or neither). -#}
{%- set event_key = ['student_id', 'term'] if event_log_layout().get('term') else ['student_id'] -%}
{%- set reference_terms = configured('reference_terms') -%}
{#- The parts of a composite id are kept beside student_id; a single id column is student_id itself. -#}
{%- set kept = [] -%}
{%- for column in file_columns if column.role != 'term' and (column.role != 'id' or columns_with(roles, 'id') | length > 1) -%}
  {%- do kept.append(column) -%}
{%- endfor -%}

with students as (

    select * from {{ ref('stg_students') }}
    where passed_validation

),

event_features as (

    select * from {{ ref('int_student_event_features') }}

),

event_catalog as (

    select * from {{ ref('int_event_feature_catalog') }}

),

with_events as (

    select
        students.*
        {%- for feature in event_features %}
        {%- set name = sql_identifier(feature.column_name) %},
        coalesce(event_features.{{ name }},
            (select value_without_events from event_catalog where feature_column = {{ sql_string(feature.column_name) }}))
            as {{ name }}
        {%- endfor %}
    from students
    left join event_features using ({{ event_key | join(', ') }})

),

records as (

    select
        student_id,
        term,
        {%- if is_scoring_run() %}
        false as is_reference,
        {%- elif reference_terms %}
        term in (select unnest({{ sql_string_list(reference_terms | map('string') | list) }})) as is_reference,
        {%- else %}
        true as is_reference,
        {%- endif %}
        source_row_number,
        label_value,
        {%- for column in kept + event_features %}
        {{ sql_identifier(column.column_name) }}{{ "," if not loop.last or derived }}
        {%- endfor %}
        {%- for column in derived %}
        -- {{ column.column_name }}: a declared derived feature; a non-finite result counts as missing.
        case when isfinite(cast(({{ column.formula }}) as double)) then cast(({{ column.formula }}) as double) end
            as {{ sql_identifier(column.column_name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from with_events

)

select * from records
