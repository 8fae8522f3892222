{#-
  The persona notebook's descriptive context indicator for every student: how often the context label
  occurs in the student's persona and among the student's context_neighbours_k nearest neighbours in factor
  space (raw, with a Wilson interval, and Laplace-smoothed toward the overall rate), combined into one
  context score and tiered GREEN / AMBER / RED. The tier thresholds follow the label's base rate in the
  cohort (macro context_tier_thresholds) unless fixed ones are set, so a 30% outcome does not put everyone
  in RED. It describes where the label has occurred among similar students; it is not a prediction for
  the student. Empty when no label is declared.
-#}
{%- set alpha = setting('context_smoothing_alpha') -%}

with neighbours as (

    select * from {{ ref('int_student_neighbours') }}
    where neighbour_rank <= {{ configured('context_neighbours_k') }}

),

student_rows as (

    select * from {{ ref('int_student_rows') }}

),

assignments as (

    select student_id, term, persona_id from {{ ref('int_persona_assignments') }}
    where is_reference

),

persona_context as (

    select persona_id, rate as persona_rate from {{ ref('persona_outcome_context') }}
    where scope = 'persona'

),

overall as (

    select rate as overall_rate from {{ ref('persona_outcome_context') }}
    where scope = 'all students'

),

labels_by_row as (

    select student_rows.student_row, labels.label_value
    from student_rows
    inner join {{ ref('int_student_labels') }} as labels using (student_id, term)

),

neighbour_counts as (

    select
        neighbours.student_row,
        count(*) as neighbours_k,
        sum(labels_by_row.label_value)::bigint as neighbour_positives
    from neighbours
    inner join labels_by_row on labels_by_row.student_row = neighbours.neighbour_row
    group by neighbours.student_row

),

rates as (

    select
        student_rows.student_id,
        student_rows.term,
        assignments.persona_id,
        persona_context.persona_rate,
        neighbour_counts.neighbours_k,
        neighbour_counts.neighbour_positives,
        neighbour_counts.neighbour_positives::double / neighbour_counts.neighbours_k as neighbour_rate,
        {{ wilson_lower('neighbour_counts.neighbour_positives', 'neighbour_counts.neighbours_k') }} as neighbour_ci_lower,
        {{ wilson_upper('neighbour_counts.neighbour_positives', 'neighbour_counts.neighbours_k') }} as neighbour_ci_upper,
        (neighbour_counts.neighbour_positives + {{ alpha }} * overall.overall_rate * neighbour_counts.neighbours_k)
            / (neighbour_counts.neighbours_k + {{ alpha }} * neighbour_counts.neighbours_k) as neighbour_rate_smoothed
    from neighbour_counts
    inner join student_rows using (student_row)
    inner join assignments using (student_id, term)
    inner join persona_context using (persona_id)
    cross join overall

),

scored as (

    select
        rates.*,
        {{ setting('context_persona_weight') }} * persona_rate
            + {{ setting('context_neighbour_weight') }} * neighbour_rate_smoothed as context_score,
        ({{ context_tier_thresholds('overall.overall_rate')[0] }})::double as amber_at,
        ({{ context_tier_thresholds('overall.overall_rate')[1] }})::double as red_at
    from rates
    cross join overall

),

tiered as (

    select
        *,
        case
            when context_score >= red_at then 'RED'
            when context_score >= amber_at then 'AMBER'
            else 'GREEN'
        end as tier
    from scored

)

select *, {{ run_id() }} as run_id from tiered
