{#- One row per student with the encoded features as a list in feature_index order: the matrix the
    Python models read in one Arrow transfer. -#}
{{ feature_vectors(ref('student_features')) }}
