{{ config(materialized='view') }}
{#- persona_outcome_context for publication: small counts, and the complementary counts that would reveal
    them, read 'suppressed', and no rate, interval, p-value or caution is derived from them. -#}

with context as (

    select * from {{ ref('persona_outcome_context') }}

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

published as (

    select
        context.scope,
        context.persona_id,
        context.persona_name,
        {{ published_count('context.n_students', 'students.suppression') }} as n_students,
        {{ published_count('context.positives', 'positives.suppression') }} as positives,
        {{ published_value('context.rate', 'students.suppression', 'positives.suppression') }} as rate,
        {{ published_value('context.ci_lower', 'students.suppression', 'positives.suppression') }} as ci_lower,
        {{ published_value('context.ci_upper', 'students.suppression', 'positives.suppression') }} as ci_upper,
        -- Fisher's test also reads the overall count of positives.
        {{ published_value('context.fisher_p_value_vs_rest', 'students.suppression', 'positives.suppression',
            'overall_positives.suppression') }} as fisher_p_value_vs_rest,
        -- The raw caution names small counts ("Only 3 positives"), so a suppressed row gets a generic one.
        case
            when coalesce(positives.suppression, students.suppression) is null then context.caution
            else 'A count on this row is withheld by the small-cell rule, so no rate is shown.'
                || ' Descriptive context, not a prediction for any student.'
        end as caution,
        coalesce(positives.suppression, students.suppression) is not null as is_suppressed,
        context.run_id
    from context
    left join suppression as students
        on students.cell_id = case when context.scope = 'persona' then {{ cell_key("'persona'", 'context.persona_id') }}
            else {{ cell_key("'cohort'") }} end
    left join suppression as positives
        on positives.cell_id = case
            when context.scope = 'persona' then {{ cell_key("'label'", "'positive'", "'persona'", 'context.persona_id') }}
            else {{ cell_key("'label'", "'positive'") }} end
    left join suppression as overall_positives on overall_positives.cell_id = {{ cell_key("'label'", "'positive'") }}

)

select * from published
