{#-
  The advisor caseload, one row per student: the caseload group (their persona, or the value of the
  column named by var caseload_group_column, e.g. an advisor column declared in excluded_columns), the
  persona, the sentence, the top reasons and the top actions as text. The caseload_exports model writes
  one CSV per group from it. Student-level, staff only; no label, protected attribute or context tier,
  and a label or protected column cannot be the grouping column.
-#}
-- depends_on: {{ ref('int_column_roles') }}
-- depends_on: {{ ref('int_student_records') }}
{%- set group_column = configured('caseload_group_column') -%}
{%- if execute and group_column is not none -%}
  {%- set roles = column_roles() -%}
  {%- set matches = roles | selectattr('column_name', 'equalto', group_column) | list -%}
  {#- The preflight has checked the column exists and is neither the label nor protected. -#}
  {%- if matches and matches[0].role == 'feature' -%}
    {{ log("student-personas: caseload_group_column '" ~ group_column ~ "' is also a model feature; an"
        ~ " advisor or section column belongs in excluded_columns so it never shapes the personas.", info=true) }}
  {%- endif -%}
{%- endif %}

with assignments as (

    select * from {{ ref('persona_assignments') }}

),

reasons as (

    select student_id, term, sentence, top_reasons from {{ ref('student_reasons') }}

),

actions as (

    select student_id, term, string_agg(action, '; ' order by priority) as top_actions
    from {{ ref('student_actions') }}
    group by student_id, term

),

{%- if group_column is not none %}

groups as (

    select student_id, term, coalesce(cast({{ sql_identifier(group_column) }} as varchar), '(no value)') as caseload_group
    from {{ ref('int_student_records') }}
    where is_reference

),
{%- endif %}

caseload as (

    select
        assignments.student_id,
        assignments.term,
        {% if group_column is not none -%}
        groups.caseload_group,
        {%- else -%}
        format('Persona {}: {}', assignments.persona_id, assignments.persona_name) as caseload_group,
        {%- endif %}
        assignments.persona_id,
        assignments.persona_name,
        reasons.sentence,
        array_to_string(reasons.top_reasons, '; ') as top_reasons,
        coalesce(actions.top_actions, '') as top_actions
    from assignments
    inner join reasons using (student_id, term)
    left join actions using (student_id, term)
    {%- if group_column is not none %}
    inner join groups using (student_id, term)
    {%- endif %}

)

select *, {{ run_id() }} as run_id from caseload
