-- A score outside its survey's scale is a data-quality failure, never clipped:
-- validation quarantines such rows, so any left here is an error.
select response_id, survey_type, score
from {{ ref('stg_crm__surveys') }}
where (survey_type = 'nps' and score not between 0 and 10)
    or (survey_type = 'csat' and score not between 1 and 5)
    or (survey_type = 'ces' and score not between 1 and 7)
