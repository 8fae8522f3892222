{#-
  Each student next to their peers: for every peer_profile_columns column that is a numeric feature, the
  student's own value, the mean over their students_like_me_k most similar students, and the cohort mean;
  plus the share of those peers who are in the student's own persona.
-#}
{%- set numeric_features = columns_with(column_roles(), 'feature', 'numeric') -%}
{%- set declared = configured('peer_profile_columns') -%}
{%- set columns = [] -%}
{%- for column in (declared if declared is not none else numeric_features) if column in numeric_features -%}
  {%- do columns.append(column) -%}
{%- endfor -%}

with students as (

    select * from {{ ref('int_student_records') }}
    where is_reference

),

like_me as (

    select * from {{ ref('students_like_me') }}

),

assignments as (

    select student_id, term, persona_id from {{ ref('int_persona_assignments') }}
    where is_reference

),

peer_means as (

    select
        like_me.student_id,
        like_me.term,
        {%- for column in columns %}
        {{ exact_mean('peers.' ~ sql_identifier(column)) }} as {{ sql_identifier(column) }},
        {%- endfor %}
        avg((like_me.neighbour_persona_id = assignments.persona_id)::integer) as share_of_peers_in_own_persona
    from like_me
    inner join students as peers on peers.student_id = like_me.neighbour_id and peers.term = like_me.neighbour_term
    inner join assignments on assignments.student_id = like_me.student_id and assignments.term = like_me.term
    group by like_me.student_id, like_me.term

),

own_values as (

    {{ unpivot_columns('students', columns, 'source_column', 'own_value', 'double', ['student_id', 'term']) }}

),

peer_values as (

    {{ unpivot_columns('peer_means', columns, 'source_column', 'peer_mean', 'double', ['student_id', 'term']) }}

),

cohort_means as (

    select source_column, {{ exact_mean('own_value') }} as cohort_mean
    from own_values
    group by source_column

),

profiles as (

    select
        own_values.student_id,
        own_values.term,
        own_values.source_column,
        own_values.own_value,
        peer_values.peer_mean,
        cohort_means.cohort_mean,
        peer_means.share_of_peers_in_own_persona
    from own_values
    inner join peer_values using (student_id, term, source_column)
    inner join cohort_means using (source_column)
    inner join peer_means using (student_id, term)

)

select *, {{ run_id() }} as run_id from profiles
