{% macro persona_model_settings() %}
  {#- The configuration a persona model was fitted with, recorded with it in persona_models. -#}
  {{ return(tojson({
      'id_column': var('id_column'), 'label_column': var('label_column', none),
      'protected_columns': var('protected_columns', []), 'categorical_columns': var('categorical_columns', {}),
      'feature_columns': var('feature_columns', none), 'excluded_columns': var('excluded_columns', []),
      'range_rules': var('range_rules', {}), 'random_seed': var('random_seed'),
      'factor_rank_range': var('factor_rank_range'), 'heldout_folds': var('heldout_folds'),
      'persona_k_range': var('persona_k_range'), 'kmeans_restarts': var('kmeans_restarts'),
      'selection_sample_size': var('selection_sample_size'),
  })) }}
{% endmacro %}
