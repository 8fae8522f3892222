{#-
  Post hoc, after the personas exist: how strongly each model feature on its own separates the context
  label, as the single-feature ROC-AUC (the rank-sum identity, macro auc_from_rank_sum). A feature with
  an AUC of at least outcome_proxy_auc (or at most 1 - outcome_proxy_auc) is associated with the outcome;
  one of at least outcome_record_auc, or an earlier measurement of the label's own column (G1 and G2 beside
  a label on G3), may record the outcome itself (a grade recorded after it, a status that implies it):
  personas built on it inherit the label (proxy_kind tells the two apart, so wording can). Nothing is
  fitted; the label never reaches a model. Empty when no label column is declared.
-#}
{%- set roles = column_roles() -%}
{%- set threshold = configured('outcome_proxy_auc') -%}
{%- set record_threshold = configured('outcome_record_auc') -%}
{#- Columns named like an earlier measurement of a label source column: the same stem, another number. -#}
{%- set earlier = [] -%}
{%- for source in columns_with(roles, 'label_source') + columns_with(roles, 'label') -%}
  {%- set stem = modules.re.match('^(.*?[A-Za-z_ ])([0-9]{1,2})$', source) -%}
  {%- if stem -%}
    {%- for column in columns_with(roles, 'feature') if column != source
        and modules.re.match('^' ~ modules.re.escape(stem.group(1)) ~ '[0-9]{1,2}$', column) -%}
      {%- do earlier.append(column) -%}
    {%- endfor -%}
  {%- endif -%}
{%- endfor -%}
{%- set has_label = (columns_with(roles, 'label') | length > 0) or configured('label_expression') is not none -%}
{%- set numeric_columns = columns_with(roles, 'feature', 'numeric') -%}
{%- set categorical_columns = columns_with(roles, 'feature', 'categorical') -%}

with students as (

    select * from {{ ref('int_student_records') }}
    where is_reference and label_value is not null

),

encoding as (

    select * from {{ ref('int_feature_encoding') }}
    where is_used

),

-- Per numeric column: students and positives per distinct value, each value's tied students at the
-- mid-rank below + (n + 1) / 2, and twice the positives' rank sum (exact integers). One scan and one
-- running sum per column of the wide table: grouping the long form would first join millions of rows to
-- the label, and one window partitioned by feature was ten times slower at a million students.
{%- set label = 'label_value' if has_label else none %}
numeric_rank_sums as (

    {%- for column in numeric_columns if label %}
    select
        {{ sql_string(column) }} as source_column,
        sum(n_students)::bigint as n_students,
        sum(n_positive)::bigint as n_positive,
        sum(n_positive * (2 * n_below + n_students + 1)) as twice_positive_rank_sum
    from (
        select n_students, n_positive, sum(n_students) over (order by score) - n_students as n_below
        from (
            select {{ sql_identifier(column) }}::double as score, count(*) as n_students,
                sum({{ label }})::bigint as n_positive
            from students
            where {{ sql_identifier(column) }} is not null
            group by {{ sql_identifier(column) }}
        )
    )
    {{ "union all" if not loop.last }}
    {%- else %}
    select null::varchar as source_column, null::bigint as n_students, null::bigint as n_positive,
        null::hugeint as twice_positive_rank_sum
    where false
    {%- endfor %}

),

level_counts as (

    {%- for column in categorical_columns if label %}
    select {{ sql_string(column) }} as source_column, {{ sql_identifier(column) }}::varchar as level,
        count(*) as n_students, sum({{ label }})::bigint as n_positive
    from students
    group by {{ sql_identifier(column) }}
    {{ "union all" if not loop.last }}
    {%- else %}
    select null::varchar as source_column, null::varchar as level, null::bigint as n_students,
        null::bigint as n_positive
    where false
    {%- endfor %}

),

column_totals as (

    select source_column, sum(n_students)::bigint as n_students, sum(n_positive)::bigint as n_positive
    from level_counts
    group by source_column

),

-- A level's indicator has two values: 0 for the other levels' students (ranks 1 to n₀, mid-rank
-- (n₀ + 1) / 2) and 1 for the level's own (mid-rank n₀ + (n₁ + 1) / 2).
level_rank_sums as (

    select
        encoding.feature,
        column_totals.n_students,
        column_totals.n_positive,
        (column_totals.n_positive - coalesce(level_counts.n_positive, 0))
            * (column_totals.n_students - coalesce(level_counts.n_students, 0) + 1)
        + coalesce(level_counts.n_positive, 0)
            * (2 * (column_totals.n_students - coalesce(level_counts.n_students, 0))
               + coalesce(level_counts.n_students, 0) + 1) as twice_positive_rank_sum
    from encoding
    inner join column_totals using (source_column)
    left join level_counts using (source_column, level)
    where encoding.feature_kind = 'one_hot'

),

per_feature as (

    select encoding.feature, numeric_rank_sums.n_students, numeric_rank_sums.n_positive,
        numeric_rank_sums.twice_positive_rank_sum
    from numeric_rank_sums
    inner join encoding
        on encoding.feature_kind = 'numeric' and encoding.source_column = numeric_rank_sums.source_column
    union all
    select * from level_rank_sums

),

association as (

    select
        encoding.feature,
        encoding.source_column,
        encoding.level,
        encoding.feature_kind,
        per_feature.n_students,
        per_feature.n_positive,
        {{ auc_from_rank_sum('per_feature.twice_positive_rank_sum / 2.0', 'per_feature.n_positive',
            'per_feature.n_students - per_feature.n_positive') }} as roc_auc
    from per_feature
    inner join encoding using (feature)

),

flagged as (

    select
        *,
        {{ threshold }}::double as proxy_threshold,
        coalesce(roc_auc >= {{ threshold }} or roc_auc <= 1 - {{ threshold }}, false)
            or list_contains({{ sql_string_list(earlier) }}, source_column) as is_outcome_proxy,
        case
            when list_contains({{ sql_string_list(earlier) }}, source_column) then 'earlier_measurement'
            when roc_auc >= {{ record_threshold }} or roc_auc <= 1 - {{ record_threshold }} then 'may_record'
            when roc_auc >= {{ threshold }} or roc_auc <= 1 - {{ threshold }} then 'associated'
        end as proxy_kind,
        case
            when roc_auc >= {{ threshold }} and feature_kind = 'one_hot' then 'this level goes with the label'
            when roc_auc <= 1 - {{ threshold }} and feature_kind = 'one_hot' then 'this level goes with its absence'
            when roc_auc >= {{ threshold }} then 'higher values go with the label'
            when roc_auc <= 1 - {{ threshold }} then 'lower values go with the label'
        end as direction
    from association

)

select *, {{ run_id() }} as run_id from flagged
