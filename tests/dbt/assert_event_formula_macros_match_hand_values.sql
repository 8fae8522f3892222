{{ config(tags=['events']) }}
-- The regularity formulas against values worked out by hand. Rows are returned only on a mismatch.
with

cases as (

    select * from (values
        -- weekly amounts [1, 1] over 2 weeks: even spread, entropy ln 2 / ln 2 = 1
        ('entropy even', {{ normalized_entropy('1 * ln(1) + 1 * ln(1)', '2', '2') }}, 1.0),
        -- [4] over 3 weeks: one week holds everything
        ('entropy one week', {{ normalized_entropy('4 * ln(4)', '4', '3') }}, 0.0),
        -- [1, 2, 3] over 4 weeks: (ln 6 - (2 ln 2 + 3 ln 3) / 6) / ln 4 = 0.7296...
        ('entropy uneven', {{ normalized_entropy('2 * ln(2) + 3 * ln(3)', '6', '4') }}, 0.72957395851362),
        ('entropy one bin', {{ normalized_entropy('0', '5', '1') }}, 0.0),
        ('entropy nothing', {{ normalized_entropy('0', '0', '4') }}, 0.0),
        -- amount 3 on days 0, 7 and 14 (the same weekday): periodicity 1
        ('periodicity same weekday', {{ weekly_periodicity('3 * (cos(0) + cos(2 * pi()) + cos(4 * pi()))', '0', '9') }}, 1.0),
        -- amount 1 on each of 7 consecutive days: the weekly component cancels
        ('periodicity every day', {{ weekly_periodicity('0', '0', '7') }}, 0.0),
        -- amounts 1 on day 0 and 1 on day 1: |1 + exp(-2 pi i / 7)| / 2 = cos(pi / 7)
        ('periodicity two days', {{ weekly_periodicity('1 + cos(2 * pi() / 7)', 'sin(2 * pi() / 7)', '2') }}, 0.90096886790242)
    ) as cases (name, computed, expected)

)

select * from cases where abs(computed - expected) > 1e-9
