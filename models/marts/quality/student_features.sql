{#-
  The model input of the fitted cohort, long form: one row per student record and used feature. Numbers
  are min-max scaled to [0, 1]; categorical levels are weighted one-hot indicators (see feature_encoding).
  No id, label or protected column can appear here: only feature columns are encoded.
-#}

with features as (

    select * from {{ ref('int_student_features') }}
    where is_reference

)

select student_id, term, feature_index, feature, value, {{ run_id() }} as run_id
from features
