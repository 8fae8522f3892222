-- The model input may never contain the id, the term, the label (or a column its expression reads) or a
-- protected attribute, whatever the configuration says.
{{ config(tags=['scoring']) }}
select distinct encoding.source_column, encoding.feature
from {{ ref('int_feature_encoding') }} as encoding
inner join {{ ref('int_column_roles') }} as roles on roles.column_name = encoding.source_column
where encoding.is_used and roles.role <> 'feature'
