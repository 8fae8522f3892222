{#-
  Personas in the order support could be offered, as an intervention-priority list: by the size of their
  supportive-action contrasts (how far the persona sits from the cohort, in SDs, on the columns and
  directions the support playbook has actions for) and by the label's published rate among their
  students (persona_outcome_context_published: withheld under the small-cell rule, then not used).
  priority_rank orders by the mean of the two ranks that are available (contrast rank always; rate rank
  only where the rate is published), then the larger contrast. Descriptive context for planning where to
  offer support first; it is not a prediction for any student. Label-derived numbers come only from the
  published views, so this table can be shared like them.
-#}

with profiles as (

    select * from {{ ref('persona_profiles') }}
    where abs(standardized_difference) >= {{ configured('name_min_contrast') }}

),

column_roles as (

    select column_name as source_column, allowed_levels as declared_levels from {{ ref('int_column_roles') }}

),

playbook as (

    select source_column, direction, action from {{ ref('support_playbook') }}

),

summary as (

    select persona_id, persona_name, n_students, share from {{ ref('persona_summary') }}

),

student_actions as (

    select distinct student_id, term from {{ ref('student_actions') }}

),

assignments as (

    select student_id, term, persona_id from {{ ref('persona_assignments') }}

),

label_context as (

    select persona_id, rate, ci_lower, ci_upper, is_suppressed
    from {{ ref('persona_outcome_context_published') }}
    where scope = 'persona'

),

published_tiers as (

    select persona_id, tier, tier_order, share, is_suppressed, try_cast(n_students as bigint) as n_students
    from {{ ref('context_tier_counts_published') }}
    where scope = 'persona'

),

tiers as (

    -- The highest tier that holds students by its published count. A withheld count may be a complementary
    -- zero, so it says nothing; whether a higher tier's count is withheld is said instead.
    select
        persona_id,
        max_by(tier, tier_order) filter (where n_students > 0) as tier,
        max_by(share, tier_order) filter (where n_students > 0) as share,
        coalesce(max(tier_order) filter (where is_suppressed), -1)
            > coalesce(max(tier_order) filter (where n_students > 0), -1) as higher_tier_withheld
    from published_tiers
    group by persona_id

),

directed as (

    select
        profiles.persona_id,
        profiles.source_column,
        profiles.level,
        profiles.standardized_difference,
        {{ playbook_direction('profiles.level', 'profiles.standardized_difference', 'column_roles.declared_levels') }}
            as direction
    from profiles
    inner join column_roles using (source_column)

),

covered as (

    select
        directed.*,
        row_number() over (
            partition by directed.persona_id
            order by abs(directed.standardized_difference) desc, directed.source_column, directed.level
        ) as contrast_order
    from directed
    semi join playbook using (source_column, direction)

),

contrasts as (

    select
        persona_id,
        sum(abs(standardized_difference)) as action_contrast,
        max(abs(standardized_difference)) as largest_action_contrast,
        string_agg(
            format('{}{} {:+.2f} SD', source_column, coalesce('=' || level, ''), standardized_difference), '; '
            order by contrast_order) as action_contrasts
    from covered
    group by persona_id

),

persona_actions as (

    -- Each action once, at its largest contrast.
    select persona_id, list(action order by first_order, action) as actions
    from (
        select covered.persona_id, playbook.action, min(covered.contrast_order) as first_order
        from covered
        inner join playbook using (source_column, direction)
        group by covered.persona_id, playbook.action
    )
    group by persona_id

),

student_coverage as (

    select
        assignments.persona_id,
        avg((student_actions.student_id is not null)::double) as share_with_student_actions
    from assignments
    left join student_actions using (student_id, term)
    group by assignments.persona_id

),

measured as (

    select
        summary.persona_id,
        summary.persona_name,
        summary.n_students,
        summary.share,
        coalesce(contrasts.action_contrast, 0.0) as action_contrast,
        contrasts.largest_action_contrast,
        contrasts.action_contrasts,
        coalesce(persona_actions.actions, []::varchar[]) as actions,
        student_coverage.share_with_student_actions,
        label_context.rate as label_rate,
        label_context.ci_lower as label_rate_ci_lower,
        label_context.ci_upper as label_rate_ci_upper,
        coalesce(label_context.is_suppressed, true) as label_rate_withheld,
        tiers.tier as highest_tier,
        tiers.share as highest_tier_share,
        coalesce(tiers.higher_tier_withheld, false) as higher_tier_withheld
    from summary
    left join contrasts using (persona_id)
    left join persona_actions using (persona_id)
    left join student_coverage using (persona_id)
    left join label_context using (persona_id)
    left join tiers using (persona_id)

),

ranked as (

    select
        *,
        rank() over (order by action_contrast desc)::integer as contrast_rank,
        case when label_rate is not null then rank() over (
            partition by label_rate is not null order by label_rate desc)::integer end as label_rate_rank
    from measured

),

prioritised as (

    select
        *,
        case when label_rate_rank is null then contrast_rank::double
            else (contrast_rank + label_rate_rank) / 2.0 end as mean_rank
    from ranked

),

described as (

    select
        row_number() over (order by mean_rank, action_contrast desc, persona_id)::integer as priority_rank,
        prioritised.*,
        case
            when label_rate is not null then 'published'
            when has_label.has_label then 'withheld (small-cell rule)'
            else 'no label column'
        end as label_rate_status,
        case
            when action_contrasts is null then format(
                'No contrast of at least {} SD on a column and direction the playbook covers', {{ configured('name_min_contrast') }})
            else format('Playbook-covered contrasts of {:.1f} SD in all ({})', action_contrast, action_contrasts)
        end
        || '; ' || format('{:.0f}', 100 * share_with_student_actions)
        || '% of its students have a supportive action of their own; '
        || case
            when label_rate is not null then format('the label was recorded for {:.1f}% of its students (95% CI {:.1f}-{:.1f}%)',
                100 * label_rate, 100 * label_rate_ci_lower, 100 * label_rate_ci_upper)
            when has_label.has_label then 'the label''s rate among its students is withheld by the small-cell rule'
            else 'no label column is configured'
        end
        || '. Descriptive context for planning where to offer support first, not a prediction for any student.'
            as summary
    from prioritised
    cross join (
        select count(*) > 0 as has_label from {{ ref('int_column_roles') }} where role = 'label'
    ) as has_label

)

select *, {{ run_id() }} as run_id from described
