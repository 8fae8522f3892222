{#-
  One row per fitted student record and protected attribute, with the student's group, used only for
  post-hoc fairness tables, never as a model input. Text attributes keep their level (its codebook label
  when there is one; '(not recorded)' when missing). A numeric attribute is grouped first, since one group
  per value (46 ages) makes every table sparse: declared bins (var protected_bins: lower edges), else
  protected_quantile_groups quantile groups of the fitted cohort, merged so that none holds fewer than
  min_cell_size students. A numeric code declared in categorical_columns (a nationality code) keeps one group
  per code instead. group_order sorts groups as numbers
  where they are numbers (1, 2, 10, not 1, 10, 2).
-#}
{%- set roles = column_roles() -%}
{%- set text_columns = columns_with(roles, 'protected', 'categorical') -%}
{%- set numeric_columns = columns_with(roles, 'protected', 'numeric') -%}
{%- set declared_bins = configured('protected_bins') or {} -%}
{%- set groups = configured('protected_quantile_groups') | int -%}

with recursive records as (

    select * from {{ ref('int_student_records') }}
    where is_reference

),

codebook as (

    select * from {{ ref('stg_codebook') }}
    where code is not null

),

text_values as (

    {{ unpivot_columns('records', text_columns, 'protected_attribute', 'group_value', 'varchar', ['student_id', 'term']) }}

),

numeric_values as (

    {{ unpivot_columns('records', numeric_columns, 'protected_attribute', 'value', 'double', ['student_id', 'term']) }}

),

candidate_edges as (

    -- Lower edges of each numeric attribute's groups: declared, or the cohort's quantiles (ties merged).
    select protected_attribute, is_declared, list_sort(list_distinct(edges)) as edges
    from (
        {%- for column in numeric_columns %}
        select {{ sql_string(column) }} as protected_attribute,
            {%- if column in declared_bins %}
            true as is_declared,
            {{ '[' ~ (declared_bins[column] | map('float') | join(', ')) ~ ']' }}::double[] as edges
            {%- else %}
            false as is_declared,
            -- Whole-number attributes (ages in years) get whole-number edges.
            list_transform(quantiles, lambda edge: round(edge, case when whole then 0 else 2 end)) as edges
            from (
                select
                    quantile_cont(value, [{% for i in range(1, groups) %}{{ i / groups }}{{ ", " if not loop.last }}{% endfor %}]) as quantiles,
                    bool_and(value = round(value)) as whole
                from numeric_values
                where protected_attribute = {{ sql_string(column) }} and value is not null
            )
            {%- endif %}
        {{ "union all" if not loop.last }}
        {%- else %}
        select null::varchar as protected_attribute, null::boolean as is_declared, null::double[] as edges where false
        {%- endfor %}
    )

),

quantile_edge_list as (

    select protected_attribute, unnest(edges) as edge, generate_subscripts(edges, 1) as edge_index
    from candidate_edges
    where not is_declared

),

quantile_edges as (

    -- Each quantile edge with the students below it and the attribute's students with a value.
    select
        quantile_edge_list.protected_attribute,
        quantile_edge_list.edge,
        quantile_edge_list.edge_index,
        count(*) filter (where numeric_values.value < quantile_edge_list.edge) as below,
        count(numeric_values.value) as total
    from quantile_edge_list
    inner join numeric_values using (protected_attribute)
    group by all

),

kept_edges as (

    -- Quantile groups never hold fewer than min_cell_size students: walking up from the lowest edge, an
    -- edge is kept when the group it closes and everything above it both hold at least that many (ties
    -- can put few students below an edge: a 5-student "under 18"); a small edge group merges into its
    -- neighbour.
    select distinct protected_attribute, 0::bigint as edge_index, 0::bigint as below from quantile_edges
    union all
    select quantile_edges.protected_attribute, quantile_edges.edge_index, quantile_edges.below
    from kept_edges
    inner join quantile_edges on quantile_edges.protected_attribute = kept_edges.protected_attribute
    where quantile_edges.edge_index = (
        select min(candidate.edge_index) from quantile_edges as candidate
        where candidate.protected_attribute = kept_edges.protected_attribute
            and candidate.edge_index > kept_edges.edge_index
            and candidate.below - kept_edges.below >= {{ configured('min_cell_size') }}
            and candidate.total - candidate.below >= {{ configured('min_cell_size') }})

),

bin_edges as (

    select protected_attribute, edges from candidate_edges where is_declared
    union all
    select candidate_edges.protected_attribute,
        coalesce(list(quantile_edges.edge order by quantile_edges.edge)
            filter (where quantile_edges.edge is not null), []::double[]) as edges
    from candidate_edges
    left join kept_edges using (protected_attribute)
    left join quantile_edges using (protected_attribute, edge_index)
    where not candidate_edges.is_declared
    group by candidate_edges.protected_attribute

),

positioned as (

    -- How many of the attribute's lower edges each value reaches: its group's position (0 = below the first).
    select
        numeric_values.*,
        list_transform(bin_edges.edges, lambda edge: regexp_replace(edge::varchar, '[.]0$', '')) as edge_labels,
        len(list_filter(bin_edges.edges, lambda edge: edge <= numeric_values.value)) as position
    from numeric_values
    inner join bin_edges using (protected_attribute)

),

binned as (

    select
        student_id,
        term,
        protected_attribute,
        case
            when value is null then '(not recorded)'
            when len(edge_labels) = 0 then 'any value'
            when position = 0 then 'under ' || edge_labels[1]
            when position = len(edge_labels) then edge_labels[position] || ' or more'
            else edge_labels[position] || ' to under ' || edge_labels[position + 1]
        end as group_value,
        case when value is null then 1e300 else position end::double as group_order
    from positioned

),

labelled_text as (

    select
        text_values.student_id,
        text_values.term,
        text_values.protected_attribute,
        coalesce(codebook.label, text_values.group_value, '(not recorded)') as group_value,
        case when text_values.group_value is null then 1e300 else try_cast(text_values.group_value as double) end
            as numeric_order
    from text_values
    left join codebook
        on codebook.column_name = text_values.protected_attribute and codebook.code = text_values.group_value

),

ordered_text as (

    select
        student_id,
        term,
        protected_attribute,
        group_value,
        dense_rank() over (partition by protected_attribute order by numeric_order nulls last, group_value)::double
            as group_order
    from labelled_text

)

select student_id, term, protected_attribute, group_value, group_order from ordered_text
union all
select student_id, term, protected_attribute, group_value, group_order from binned
