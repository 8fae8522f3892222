{% macro persona_model_settings() %}
  {#- The configuration a persona model was fitted with, recorded with it in persona_models. -#}
  {%- set names = ['students_path', 'id_column', 'term_column', 'reference_terms', 'label_column', 'label_expression',
      'protected_columns', 'categorical_columns', 'feature_columns', 'excluded_columns', 'range_rules',
      'derived_features', 'missing_values', 'clip_outliers', 'events_path', 'event_columns', 'random_seed',
      'factor_rank_range', 'heldout_folds', 'persona_k_range', 'kmeans_restarts', 'selection_sample_size', 'structure_reference_draws',
      'subgroup_min_gap_sd', 'subgroup_min_gap', 'subgroup_min_share', 'subgroup_min_students'] -%}
  {%- set recorded = {} -%}
  {%- for name in names -%}{%- do recorded.update({name: configured(name)}) -%}{%- endfor -%}
  {{ return(tojson(recorded)) }}
{% endmacro %}
