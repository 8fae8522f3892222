{#- The new students encoded with the stored model's encoding (long form, like student_features). -#}
{{ encoded_features(ref('int_scoring_encoding'), ref('int_scoring_numeric_values'), ref('int_scoring_category_values')) }}
