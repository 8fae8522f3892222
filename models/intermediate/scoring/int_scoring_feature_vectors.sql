{#- One row per new student with the encoded features as a list in the model's feature order. -#}
{{ feature_vectors(ref('int_scoring_features')) }}
