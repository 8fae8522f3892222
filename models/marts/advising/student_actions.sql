{#-
  Supportive actions for each student, from the support playbook (seeds/support_playbook.csv) matched to
  the student's own values: every feature column on which the student sits at least
  student_action_min_contrast cohort SDs below or above the cohort, joined to the playbook's actions for
  that column and direction. Ordered by the size of the contrast (then file order, then action text),
  an action offered for two columns kept once at its higher priority, at most student_actions_max per
  student. Offers and invitations, never conditions. Student-level: staff only.
-#}

with standardized as (

    select * from {{ ref('int_student_standardized_values') }}
    where abs(standardized_value) >= {{ configured('student_action_min_contrast') }}

),

playbook as (

    select source_column, direction, action, rationale from {{ ref('support_playbook') }}

),

matched as (

    select
        standardized.student_id,
        standardized.term,
        playbook.action,
        playbook.rationale,
        standardized.source_column as because_feature,
        standardized.direction,
        standardized.standardized_value,
        standardized.column_position
    from standardized
    inner join playbook using (source_column, direction)

),

distinct_actions as (

    select * from matched
    qualify row_number() over (
        partition by student_id, term, action
        order by abs(standardized_value) desc, column_position
    ) = 1

),

prioritised as (

    select
        student_id,
        term,
        action,
        rationale,
        because_feature,
        direction,
        standardized_value,
        row_number() over (
            partition by student_id, term
            order by abs(standardized_value) desc, column_position, action
        )::integer as priority
    from distinct_actions

)

select *, {{ run_id() }} as run_id
from prioritised
where priority <= {{ configured('student_actions_max') }}
