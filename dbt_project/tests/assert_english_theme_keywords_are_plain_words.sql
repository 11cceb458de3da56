{#
    English keywords of the theme lexicon are matched inside a regular expression without
    escaping, so they must be plain lower-case words: letters, digits, spaces, hyphens and
    apostrophes. Returns the offending rows.
#}
select *
from {{ ref('theme_lexicon') }}
where language = 'en'
    and not {{ kam.regexp_matches('keyword', "'^[a-z0-9][a-z0-9 ''-]*$'") }}
