-- Queries of the page "Context & fairness" (personas_context.html.j2).
-- Counts come only from the *_published views: counts from 1 to settings.min_cell_size - 1 read "<N",
-- complementary cells that would reveal them read "suppressed", and no rate derived from either is shown.
-- The raw persona_outcome_context and fairness_composition tables are never read here.

-- name: personas
-- Persona names as shown on every page: an unstable persona says so.
select
    persona_id,
    case when is_stable then persona_name else persona_name || ' (unstable)' end as display_name,
    is_stable
from {{ ref('persona_summary') }}

-- name: outcome_context
-- The label's rate in each persona with its Wilson 95% interval and Fisher's exact test against the rest
-- of the cohort, then the overall row. Empty when no label column is declared.
select
    published.scope,
    published.persona_id,
    coalesce(personas.display_name, published.persona_name) as display_name,
    coalesce(personas.is_stable, true) as is_stable,
    published.n_students,
    published.positives,
    published.rate,
    published.ci_lower,
    published.ci_upper,
    published.fisher_p_value_vs_rest,
    published.caution,
    published.is_suppressed,
    case when published.is_suppressed then format('{} positives: rate not shown', published.positives) end
        as chart_note
from {{ ref('persona_outcome_context_published') }} as published
left join {{ query('personas') }} as personas using (persona_id)
order by published.scope = 'all students', published.persona_id

-- name: overall_context
-- The overall row: the reference line of the chart.
select n_students, positives, rate, ci_lower, ci_upper
from {{ query('outcome_context') }}
where scope = 'all students'

-- name: protected_positions
-- Protected attributes in file order.
select column_name as protected_attribute, column_position
from {{ ref('stg_column_roles') }}
where role = 'protected'

-- name: association
-- Chi-square test and Cramér's V (plain and bias-corrected) of persona × group, per protected attribute.
select
    association.protected_attribute,
    association.n_students,
    association.n_groups,
    association.n_personas,
    association.chi_square,
    association.degrees_of_freedom,
    association.p_value,
    association.cramers_v,
    association.cramers_v_corrected
from {{ ref('fairness_association') }} as association
left join {{ query('protected_positions') }} as positions using (protected_attribute)
order by positions.column_position, association.protected_attribute

-- name: composition
-- Who is in each persona, per protected attribute and group, as published. A cell whose share is withheld
-- carries the published marker as its heatmap text ("<10", or "suppressed" when a complementary count is).
select
    published.protected_attribute,
    published.group_value,
    published.persona_id,
    personas.display_name,
    published.n_students,
    published.group_total,
    published.share_of_persona,
    published.cohort_share,
    published.share_difference,
    published.representation_ratio,
    published.is_suppressed,
    case
        when published.representation_ratio is not null then null
        when published.n_students = '<{{ settings.min_cell_size }}' then published.n_students
        else 'suppressed'
    end as withheld_text
from {{ ref('fairness_composition_published') }} as published
inner join {{ query('personas') }} as personas using (persona_id)
left join {{ query('protected_positions') }} as positions using (protected_attribute)
order by positions.column_position, published.protected_attribute, published.persona_id, published.group_value
