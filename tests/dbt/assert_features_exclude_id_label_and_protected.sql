-- The model input may never contain the id, the label or a protected attribute, whatever the config says.
{%- set forbidden = [var('id_column')] + ([var('label_column')] if var('label_column', none) else [])
    + (var('protected_columns', []) or []) %}
select distinct encoding.source_column, features.feature
from {{ ref('student_features') }} as features
inner join {{ ref('feature_encoding') }} as encoding using (feature)
where encoding.source_column in ({% for column in forbidden %}{{ sql_string(column) }}{{ ", " if not loop.last }}{% endfor %})
    or encoding.source_column not in (
        select column_name from {{ ref('stg_column_roles') }} where role = 'feature'
    )
