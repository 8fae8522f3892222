-- Every student's explanation is exact: their parts and baseline in student_explanations sum to the gap
-- between the squared distances from their factor scores (student_factors) to the next-nearest persona
-- centre and to their own (int_persona_centroids) within 1e-9; the own centre is at the student's
-- distance_to_centroid and the next one at distance + margin_to_next (so it is the second nearest).
with parts as (

    select student_id, term, any_value(persona_id) as persona_id, any_value(next_persona_id) as next_persona_id,
        sum(contribution) as total
    from {{ ref('student_explanations') }}
    group by student_id, term

),

scores as (

    unpivot (select student_id, term, columns('^factor_\d+$') from {{ ref('student_factors') }})
    on columns('^factor_\d+$') into name factor value score

),

centres as (

    unpivot (select persona_id, columns('^factor_\d+$') from {{ ref('int_persona_centroids') }})
    on columns('^factor_\d+$') into name factor value centre

),

distances as (

    select
        parts.student_id,
        parts.term,
        sum((scores.score - own.centre) ^ 2) as own_squared,
        sum((scores.score - next.centre) ^ 2) as next_squared
    from parts
    inner join scores using (student_id, term)
    inner join centres as own on own.persona_id = parts.persona_id and own.factor = scores.factor
    inner join centres as next on next.persona_id = parts.next_persona_id and next.factor = scores.factor
    group by parts.student_id, parts.term

)

select parts.student_id, parts.total, distances.next_squared - distances.own_squared as gap
from parts
inner join distances using (student_id, term)
inner join {{ ref('persona_assignments') }} as assignments using (student_id, term)
where abs(parts.total - (distances.next_squared - distances.own_squared)) > 1e-9
    or abs(sqrt(distances.own_squared) - assignments.distance_to_centroid) > 1e-9
    or abs(sqrt(distances.next_squared) - (assignments.distance_to_centroid + assignments.margin_to_next)) > 1e-9
    or assignments.persona_id <> parts.persona_id
union all
-- every student has an explanation
select assignments.student_id, null, null
from {{ ref('persona_assignments') }} as assignments
anti join parts using (student_id, term)
