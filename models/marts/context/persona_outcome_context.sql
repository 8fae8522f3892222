{#-
  Post-hoc context: how often the context label occurs in each persona, with a Wilson 95% interval, and a
  two-sided Fisher's exact test of the persona against the rest of the cohort, plus an overall row.
  Personas were formed without the label; this describes, it does not predict. Empty when no label is
  declared.
-#}

with assignments as (

    select student_id, term, persona_id, persona_name from {{ ref('persona_assignments') }}

),

labels as (

    select * from {{ ref('int_student_labels') }}

),

labelled as (

    select assignments.persona_id, assignments.persona_name, labels.label_value
    from assignments
    inner join labels using (student_id, term)

),

per_persona as (

    select persona_id, persona_name, count(*) as n_students, sum(label_value)::bigint as positives
    from labelled
    group by persona_id, persona_name

),

overall as (

    select sum(n_students)::bigint as n_students, sum(positives)::bigint as positives from per_persona

),

rows_with_rest as (

    select
        'persona' as scope,
        per_persona.persona_id,
        per_persona.persona_name,
        per_persona.n_students,
        per_persona.positives,
        fisher_exact_p_value(
            per_persona.positives,
            per_persona.n_students - per_persona.positives,
            overall.positives - per_persona.positives,
            (overall.n_students - per_persona.n_students) - (overall.positives - per_persona.positives)
        ) as fisher_p_value_vs_rest
    from per_persona
    cross join overall
    union all
    select 'all students', null, 'All students', n_students, positives, null
    from overall
    where n_students > 0

),

context as (

    select
        scope,
        persona_id,
        persona_name,
        n_students,
        positives,
        positives::double / n_students as rate,
        {{ wilson_lower('positives', 'n_students') }} as ci_lower,
        {{ wilson_upper('positives', 'n_students') }} as ci_upper,
        fisher_p_value_vs_rest,
        concat_ws(' ',
            case
                when positives = 0 then 'No positives here; the upper bound shows how high the rate could plausibly be.'
                when positives = 1 then 'Only 1 positive: the rate is fragile.'
                when positives < 5 then format('Only {} positives: the rate is fragile.', positives)
            end,
            case
                when n_students < {{ configured('min_cell_size') }} then format(
                    'Fewer than {} students: the label counts are withheld in published outputs.', {{ configured('min_cell_size') }})
            end,
            'Descriptive context, not a prediction for any student.'
        ) as caution
    from rows_with_rest

)

select *, {{ run_id() }} as run_id from context
