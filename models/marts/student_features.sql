{#-
  The model input, long form: one row per clean student and used feature. Numbers are min-max scaled
  to [0, 1]; categorical levels are weighted one-hot indicators (see feature_encoding). No id, label or
  protected column can appear here: only feature columns are encoded.
-#}
{{ encoded_features(ref('feature_encoding'), ref('int_student_numeric_values'), ref('int_student_category_values')) }}
