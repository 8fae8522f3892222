{% macro parity_metrics() %}
  {#- The RED-tier parity metrics, defined once for fairness_flag_parity and its published view: each
      metric's numerator and denominator over the confusion counts, and the disclosure cells
      (disclosure_cells) those counts are published from. -#}
  {{ return([
      {'metric': 'flag_rate', 'numerator': 'true_positives + false_positives', 'denominator': 'n_students',
       'numerator_cell': 'flagged', 'denominator_cell': 'n'},
      {'metric': 'true_positive_rate', 'numerator': 'true_positives',
       'denominator': 'true_positives + false_negatives', 'numerator_cell': 'tp', 'denominator_cell': 'positives'},
      {'metric': 'false_positive_rate', 'numerator': 'false_positives',
       'denominator': 'false_positives + true_negatives', 'numerator_cell': 'fp', 'denominator_cell': 'negatives'},
      {'metric': 'positive_predictive_value', 'numerator': 'true_positives',
       'denominator': 'true_positives + false_positives', 'numerator_cell': 'tp', 'denominator_cell': 'flagged'},
      {'metric': 'negative_predictive_value', 'numerator': 'true_negatives',
       'denominator': 'true_negatives + false_negatives', 'numerator_cell': 'tn', 'denominator_cell': 'not_flagged'},
  ]) }}
{% endmacro %}
