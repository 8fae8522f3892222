{#-
  The identity of the persona model this build fitted: a version id from fingerprints of the encoded
  input, the factor loadings and the persona centres (order-independent XOR of row hashes), so refitting
  the same input with the same settings gives the same version.
-#}

with features as (

    select student_id, term, feature_index, value from {{ ref('int_student_features') }}
    where is_reference

),

loadings as (

    select factor_id, feature_index, loading from {{ ref('int_factor_components') }}

),

centroids as (

    unpivot {{ ref('int_persona_centroid_fit') }}
    on columns('^factor_\d+$')
    into name factor_column value centroid_value

),

fingerprints as (

    select
        (select bit_xor(hash(student_id, term, feature_index, value)) from features) as input_fingerprint,
        (select bit_xor(hash(factor_id, feature_index, loading)) from loadings) as loadings_fingerprint,
        (select bit_xor(hash(persona_id, factor_column, centroid_value)) from centroids) as centroids_fingerprint,
        (select count(*) from {{ ref('int_student_records') }} where is_reference) as n_students,
        (select count(*) from {{ ref('int_feature_encoding') }} where is_used) as n_features,
        (select count(distinct factor_id) from loadings) as n_factors,
        (select count(distinct persona_id) from centroids) as n_personas

),

versioned as (

    select
        'pm-' || left(md5(concat_ws('|', input_fingerprint, loadings_fingerprint, centroids_fingerprint)), 12)
            as model_version,
        current_timestamp::timestamp as fitted_at,
        format('{:016x}', input_fingerprint) as input_hash,
        n_students,
        n_features,
        n_factors,
        n_personas,
        {{ sql_string(persona_model_settings()) }} as settings
    from fingerprints

)

select * from versioned
