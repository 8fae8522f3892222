-- Hand-computed references: Wilson 95% for 18/1000 is 1.1416%-2.8273% (the reference cohort's label),
-- for 1/4 is 4.5586%-69.936%, for 0/50 is 0%-7.1350%; min-max of 3 in [1, 5] is 0.5, clipped outside.
with cases as (
    select * from (values
        ('wilson 18/1000 lower', {{ wilson_lower(18, 1000) }}, 0.0114156),
        ('wilson 18/1000 upper', {{ wilson_upper(18, 1000) }}, 0.0282734),
        ('wilson 1/4 lower', {{ wilson_lower(1, 4) }}, 0.0455862),
        ('wilson 1/4 upper', {{ wilson_upper(1, 4) }}, 0.6993639),
        ('wilson 0/50 lower', {{ wilson_lower(0, 50) }}, 0.0),
        ('wilson 0/50 upper', {{ wilson_upper(0, 50) }}, 0.0713500),
        ('wilson 48/48 upper is exactly 1', {{ wilson_upper(48, 48) }}, 1.0),
        ('wilson 48/48 lower', {{ wilson_lower(48, 48) }}, 0.9258973),
        ('min-max 3 in [1,5]', {{ min_max_scale(3, 1, 5) }}, 0.5),
        ('min-max 7 in [1,5] clipped', {{ min_max_scale(7, 1, 5) }}, 1.0),
        ('min-max 0 in [1,5] clipped', {{ min_max_scale(0, 1, 5) }}, 0.0)
    ) as t (case_name, computed, expected)
)
select * from cases where abs(computed - expected) > 1e-6 or computed is null
    or (case_name like '%exactly%' and computed <> expected)
union all
select 'wilson with zero trials is null', {{ wilson_lower(0, 0) }}, null where {{ wilson_lower(0, 0) }} is not null
union all
-- exact_mean and exact_var_pop of 1, 2, 3, 6: mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5.
select 'exact mean / variance', mean_value + variance_value, 6.5
from (
    select {{ exact_mean('x') }} as mean_value, {{ exact_var_pop('x') }} as variance_value
    from (values (1.0), (2.0), (3.0), (6.0)) as t (x)
)
where abs(mean_value - 3.0) > 1e-12 or abs(variance_value - 3.5) > 1e-12
union all
-- The 2×3 table [[10, 20, 30], [25, 15, 10]] (n = 110): χ² = 16.369048 on 2 df (expected counts from the
-- margins 60/50 and 35/35/40), V = sqrt(16.369/110/1) = 0.385758, bias-corrected V = 0.362862.
select case_name, computed, expected
from (values
    ('cramers v', {{ cramers_v(16.369047619047624, 110, 2, 3) }}, 0.3857584),
    ('cramers v corrected', {{ cramers_v_corrected(16.369047619047624, 110, 2, 3) }}, 0.3628621),
    ('cramers v of independence', {{ cramers_v(0.0, 110, 2, 3) }}, 0.0),
    ('corrected v never negative', {{ cramers_v_corrected(0.5, 110, 2, 3) }}, 0.0)
) as t (case_name, computed, expected)
where abs(computed - expected) > 1e-6 or computed is null
union all
-- ROC-AUC by the rank-sum identity: positives 3 and 5, negatives 1, 3 and 4. Ranks 1, 2.5, 2.5, 4, 5, so
-- the positives' rank sum is 2.5 + 5 = 7.5 and AUC = (7.5 - 2·3/2) / (2·3) = 0.75 (pairs: 1 + 0.5 + 3 of 6).
-- Variance-matching weight: sqrt(0.1 / 0.4) = 0.5; never above 1; 1 for a constant block.
select case_name, computed, expected
from (values
    ('auc from rank sum', {{ auc_from_rank_sum(7.5, 2, 3) }}, 0.75),
    ('variance matching weight', {{ variance_matching_weight(0.1, 0.4) }}, 0.5),
    ('variance matching weight at most 1', {{ variance_matching_weight(0.4, 0.1) }}, 1.0),
    ('variance matching weight of a constant block', {{ variance_matching_weight(0.1, 0.0) }}, 1.0)
) as t (case_name, computed, expected)
where abs(computed - expected) > 1e-12 or computed is null
union all
select 'auc without negatives is null', {{ auc_from_rank_sum(3, 2, 0) }}, null
where {{ auc_from_rank_sum(3, 2, 0) }} is not null
union all
-- Placement between two centres: (1.5, 1.5) is nearer (2, 2) than (0, 0); (0.5, 0) nearer (0, 0); (1, 0) lies
-- at the same distance from (0, 0) and (2, 0): a tie stays with the first centre.
select case_name, computed::double, expected
from (values
    ('nearer the second centre', {{ nearer_second_centre('[1.5, 1.5]', '[0.0, 0.0]', '[2.0, 2.0]') }}, 1.0),
    ('nearer the first centre', {{ nearer_second_centre('[0.5, 0.0]', '[0.0, 0.0]', '[2.0, 2.0]') }}, 0.0),
    ('a tie goes to the first centre', {{ nearer_second_centre('[1.0, 0.0]', '[0.0, 0.0]', '[2.0, 0.0]') }}, 0.0)
) as t (case_name, computed, expected)
where computed::double <> expected or computed is null
