{#-
  Every count the published outputs show or imply, as one system for all of them, with the exact relations
  between the counts: the input of small-cell suppression (cell_suppression). A count that appears in
  several tables (a persona's size, the cohort, the label's positives, the RED tier) is one cell, so
  suppression sees every published table at once, and the disclosure audit (which reads the published
  tables as a reader would) checks exactly these cells. A relation is `sum(coefficient * count) = 0`: a
  total with coefficient -1 and the cells it adds up to with +1.
-#}

with assignments as (

    select persona_id from {{ ref('persona_assignments') }}

),

outcome as (

    select persona_id, n_students, positives from {{ ref('persona_outcome_context') }}
    where scope = 'persona'

),

composition as (

    select * from {{ ref('fairness_composition') }}

),

tier_counts as (

    select * from {{ ref('context_tier_counts') }}

),

parity as (

    select * from {{ ref('fairness_flag_parity') }}

),

quality as (

    select * from {{ ref('data_quality_summary') }}

),

sensitive_columns as (

    -- Columns whose values define groups by label or protected attribute.
    select column_name from {{ ref('int_column_roles') }}
    where role in ('protected', 'label', 'label_source')

),
label_audit as (

    -- Empty unless the setting label_signal_audit is on.
    select * from {{ ref('label_signal_audit') }}

),

persona_sizes as (

    select persona_id, count(*) as n_students from assignments group by persona_id

),

label_split as (

    select outcome.persona_id, split.label_value, split.n_students
    from outcome
    cross join lateral (
        values ('positive', outcome.positives), ('negative', outcome.n_students - outcome.positives)
    ) as split (label_value, n_students)

),

confusion as (

    -- Back from metric rows to each group's confusion counts (the counts for all students included).
    select
        protected_attribute,
        group_value,
        max(numerator) filter (where metric = 'true_positive_rate') as tp,
        max(numerator) filter (where metric = 'false_positive_rate') as fp,
        max(denominator - numerator) filter (where metric = 'true_positive_rate') as fn,
        max(numerator) filter (where metric = 'negative_predictive_value') as tn
    from parity
    group by protected_attribute, group_value

),

confusion_counts as (

    select * from confusion
    unpivot (cell_count for cell_name in (tp, fp, fn, tn))

),

confusion_totals as (

    -- What each confusion count adds up to (flagged = tp + fp, ...), and which split of the group's size
    -- that total belongs to (flagged + not flagged, positives + negatives).
    select * from (values
        ('tp', 'flagged', 'flag'), ('fp', 'flagged', 'flag'), ('fn', 'not_flagged', 'flag'), ('tn', 'not_flagged', 'flag'),
        ('tp', 'positives', 'label'), ('fn', 'positives', 'label'), ('fp', 'negatives', 'label'), ('tn', 'negatives', 'label')
    ) as totals (cell_name, total_name, split_name)

),

parity_totals as (

    select protected_attribute, group_value, total_name, split_name, sum(cell_count) as cell_count
    from confusion_counts
    inner join confusion_totals using (cell_name)
    group by protected_attribute, group_value, total_name, split_name

),

quality_checks as (

    -- Data-quality counts of rows by a label or protected column's value (rows rejected by a check of that
    -- column): counts by label or protected group. They are rows outside the fitted cohort, and a row can
    -- fail several checks, so they add up to no published total. A protected column's missing values are
    -- published for the fitted cohort only (data_quality_summary_published): they are its "(not recorded)"
    -- group, the same cell as in the composition tables, so no count of rows outside the cohort is ever
    -- related to a protected attribute.
    select check_name, column_name, detail, count
    from quality
    where check_name in ('rejected_by_check', 'range_violation')
        and column_name in (select column_name from sensitive_columns)

),

cell_values as (

    -- Every cell: its count and kind. The cohort and the persona sizes are published as they are
    -- (persona_summary); counts by label or protected group are sensitive.
    select {{ cell_key("'cohort'") }} as cell_id, count(*) as cell_count, 'public' as cell_kind from assignments
    union all
    select {{ cell_key("'persona'", 'persona_id') }}, n_students, 'public' from persona_sizes
    union all
    select {{ cell_key("'label'", 'label_value', "'persona'", 'persona_id') }}, n_students, 'sensitive' from label_split
    union all
    select {{ cell_key("'label'", 'label_value') }}, sum(n_students), 'sensitive' from label_split group by label_value
    union all
    select {{ cell_key("'composition'", 'protected_attribute', 'group_value', 'persona_id') }}, n_students, 'sensitive'
    from composition
    union all
    select distinct {{ cell_key("'group'", 'protected_attribute', 'group_value') }}, group_total, 'sensitive'
    from composition
    union all
    select {{ cell_key("'tier'", 'tier', "'persona'", 'persona_id') }}, n_students, 'sensitive'
    from tier_counts
    where scope = 'persona'
    union all
    select {{ cell_key("'tier'", 'tier') }}, n_students, 'sensitive'
    from tier_counts
    where scope = 'all students'
    union all
    select {{ cell_key("'flag'", "'not_flagged'") }}, sum(n_students), 'sensitive'
    from tier_counts
    where scope = 'all students' and tier <> 'RED'
    having count(*) > 0
    union all
    select {{ parity_cell_key('protected_attribute', 'group_value', 'cell_name') }}, cell_count, 'sensitive'
    from confusion_counts
    union all
    select {{ parity_cell_key('protected_attribute', 'group_value', 'total_name') }}, cell_count, 'sensitive'
    from parity_totals
    union all
    select {{ parity_cell_key('protected_attribute', 'group_value', "'n'") }}, sum(cell_count),
        case when group_value = 'All students' then 'public' else 'sensitive' end
    from confusion_counts
    group by protected_attribute, group_value
    union all
    select {{ cell_key("'audit'", 'label_audit.model', 'counts.cell_name') }}, counts.cell_count, 'sensitive'
    from label_audit
    cross join lateral (values
        ('tp', label_audit.true_positives), ('fp', label_audit.false_positives),
        ('fn', label_audit.false_negatives), ('tn', label_audit.true_negatives)
    ) as counts (cell_name, cell_count)
    union all
    select {{ cell_key("'quality'", 'check_name', 'column_name', 'detail') }}, count, 'sensitive' from quality_checks
),

cell_terms as (

    -- Every relation, as (cell, relation, coefficient) rows: totals -1, the cells they add up to +1.
    -- Persona sizes add up to the cohort.
    select {{ cell_key("'persona'", 'persona_id') }} as cell_id, {{ cell_key("'personas'") }} as relation,
        1 as coefficient
    from persona_sizes
    union all
    select {{ cell_key("'cohort'") }}, {{ cell_key("'personas'") }}, -1

    -- The label: per persona, positives and negatives add up to its size; per label value, the personas add
    -- up to the overall count; the two overall counts add up to the cohort.
    union all
    select {{ cell_key("'label'", 'label_value', "'persona'", 'persona_id') }}, {{ cell_key("'label'", "'persona'", 'persona_id') }}, 1
    from label_split
    union all
    select {{ cell_key("'persona'", 'persona_id') }}, {{ cell_key("'label'", "'persona'", 'persona_id') }}, -1
    from outcome
    union all
    select {{ cell_key("'label'", 'label_value', "'persona'", 'persona_id') }}, {{ cell_key("'label'", 'label_value') }}, 1
    from label_split
    union all
    select distinct {{ cell_key("'label'", 'label_value') }}, {{ cell_key("'label'", 'label_value') }}, -1
    from label_split
    union all
    select distinct {{ cell_key("'label'", 'label_value') }}, {{ cell_key("'label'") }}, 1
    from label_split
    union all
    select {{ cell_key("'cohort'") }}, {{ cell_key("'label'") }}, -1
    where exists (select 1 from outcome)

    -- Composition, per attribute: group x persona cells add up to the persona sizes and to the group
    -- sizes; the group sizes add up to the cohort.
    union all
    select {{ cell_key("'composition'", 'protected_attribute', 'group_value', 'persona_id') }},
        {{ cell_key("'composition'", 'protected_attribute', "'persona'", 'persona_id') }}, 1
    from composition
    union all
    select {{ cell_key("'composition'", 'protected_attribute', 'group_value', 'persona_id') }},
        {{ cell_key("'composition'", 'protected_attribute', "'group'", 'group_value') }}, 1
    from composition
    union all
    select distinct {{ cell_key("'persona'", 'persona_id') }},
        {{ cell_key("'composition'", 'protected_attribute', "'persona'", 'persona_id') }}, -1
    from composition
    union all
    select distinct {{ cell_key("'group'", 'protected_attribute', 'group_value') }},
        {{ cell_key("'composition'", 'protected_attribute', "'group'", 'group_value') }}, -1
    from composition
    union all
    select distinct {{ cell_key("'group'", 'protected_attribute', 'group_value') }},
        {{ cell_key("'groups'", 'protected_attribute') }}, 1
    from composition
    union all
    select distinct {{ cell_key("'cohort'") }}, {{ cell_key("'groups'", 'protected_attribute') }}, -1
    from composition

    -- Tiers: per persona the tiers add up to its size, per tier the personas add up to the tier's count,
    -- the tiers add up to the cohort, and GREEN and AMBER to the students outside the RED tier.
    union all
    select {{ cell_key("'tier'", 'tier', "'persona'", 'persona_id') }}, {{ cell_key("'tiers'", "'persona'", 'persona_id') }}, 1
    from tier_counts
    where scope = 'persona'
    union all
    select {{ cell_key("'tier'", 'tier', "'persona'", 'persona_id') }}, {{ cell_key("'tier'", 'tier') }}, 1
    from tier_counts
    where scope = 'persona'
    union all
    select distinct {{ cell_key("'persona'", 'persona_id') }}, {{ cell_key("'tiers'", "'persona'", 'persona_id') }}, -1
    from tier_counts
    where scope = 'persona'
    union all
    select {{ cell_key("'tier'", 'tier') }}, {{ cell_key("'tier'", 'tier') }}, -1
    from tier_counts
    where scope = 'all students'
    union all
    select {{ cell_key("'tier'", 'tier') }}, {{ cell_key("'tiers'") }}, 1
    from tier_counts
    where scope = 'all students'
    union all
    select {{ cell_key("'cohort'") }}, {{ cell_key("'tiers'") }}, -1
    where exists (select 1 from tier_counts)
    union all
    select {{ cell_key("'tier'", 'tier') }}, {{ cell_key("'flag'", "'not_flagged'") }}, 1
    from tier_counts
    where scope = 'all students' and tier <> 'RED'
    union all
    select {{ cell_key("'flag'", "'not_flagged'") }}, {{ cell_key("'flag'", "'not_flagged'") }}, -1
    where exists (select 1 from tier_counts)

    -- RED-tier parity, per attribute and group (all students included): the confusion counts add up to
    -- flagged, not flagged, positives and negatives; each pair of those adds up to the group's size; over
    -- the groups of an attribute, each confusion count adds up to the count for all students.
    union all
    select {{ parity_cell_key('protected_attribute', 'group_value', 'cell_name') }},
        {{ cell_key("'parity'", 'protected_attribute', 'group_value', 'total_name') }}, 1
    from confusion_counts
    inner join confusion_totals using (cell_name)
    union all
    select {{ parity_cell_key('protected_attribute', 'group_value', 'total_name') }},
        {{ cell_key("'parity'", 'protected_attribute', 'group_value', 'total_name') }}, -1
    from parity_totals
    union all
    select {{ parity_cell_key('protected_attribute', 'group_value', 'total_name') }},
        {{ cell_key("'parity'", 'protected_attribute', 'group_value', 'split_name') }}, 1
    from parity_totals
    union all
    select distinct {{ parity_cell_key('protected_attribute', 'group_value', "'n'") }},
        {{ cell_key("'parity'", 'protected_attribute', 'group_value', 'split_name') }}, -1
    from parity_totals
    union all
    select {{ parity_cell_key('protected_attribute', 'group_value', 'cell_name') }},
        {{ cell_key("'parity'", 'protected_attribute', "'groups'", 'cell_name') }},
        case when group_value = 'All students' then -1 else 1 end
    from confusion_counts

    -- Label-signal audit: each model flags as many students as the RED tier holds; its confusion counts
    -- add up to that, to the students it does not flag, and to the label's positives and negatives.
    union all
    select {{ cell_key("'audit'", 'label_audit.model', 'totals.cell_name') }},
        {{ cell_key("'audit'", 'label_audit.model', 'totals.total_name') }}, 1
    from label_audit
    cross join confusion_totals as totals
    union all
    select
        case totals.total_name
            when 'flagged' then {{ cell_key("'tier'", "'RED'") }}
            when 'not_flagged' then {{ cell_key("'flag'", "'not_flagged'") }}
            when 'positives' then {{ cell_key("'label'", "'positive'") }}
            else {{ cell_key("'label'", "'negative'") }}
        end,
        {{ cell_key("'audit'", 'label_audit.model', 'totals.total_name') }}, -1
    from label_audit
    cross join (select distinct total_name from confusion_totals) as totals


),

cells as (

    -- A cell defined by several tables (a persona's size, the RED tier) must have one count everywhere.
    select
        cell_id,
        case when min(cell_count) = max(cell_count) and min(cell_kind) = max(cell_kind) then max(cell_count)
            else error('disclosure_cells: cell ' || cell_id || ' has different counts or kinds in different tables')
        end::bigint as cell_count,
        max(cell_kind) as cell_kind
    from cell_values
    group by cell_id

),

terms as (

    select cell_id, list({'relation': relation, 'coefficient': coefficient::integer} order by relation) as terms
    from (select distinct cell_id, relation, coefficient from cell_terms)
    group by cell_id

),

costs as (

    -- What withholding a cell as a complement costs readers, so suppression takes the cheapest first:
    -- counts only the RED-tier parity, audit and data-quality tables show (mostly withheld anyway with a rare
    -- label) 0, tier counts 1, composition cells and the label per persona 2, group sizes and the overall
    -- count of each label value (the "All students" rows) 3.
    select
        cell_id,
        case json_extract_string(cell_id, '$[0]')
            when 'group' then 3
            when 'composition' then 2
            when 'tier' then 1
            when 'label' then case
                when json_array_length(cell_id) = 2 then 3
                when json_extract_string(cell_id, '$[2]') = 'persona' then 2
                else 0
            end
            else 0
        end as complement_cost
    from cells

)

select
    case when cells.cell_id is null then error('disclosure_cells: relation member ' || terms.cell_id || ' has no count')
        else cells.cell_id end as cell_id,
    cells.cell_count,
    cells.cell_kind,
    coalesce(terms.terms, []) as terms,
    costs.complement_cost,
    {{ run_id() }} as run_id
from cells
full join terms on terms.cell_id = cells.cell_id
left join costs on costs.cell_id = cells.cell_id
