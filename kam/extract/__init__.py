"""Reading CRM exports: files and encodings, header matching, value parsing, profiles.

The pipeline is: locate each canonical table's file(s) -> read them as all-text Arrow
tables with line numbers -> map headers onto canonical columns -> parse values in DuckDB
SQL (typed, unparseable values quarantined) -> land (kam.extract.landing).
"""

from kam.extract.profile import Profile, list_profiles, load_profile
from kam.extract.profile_check import ProfileCheck, check_profile
from kam.extract.profile_new import draft_profile

__all__ = ["ProfileCheck", "Profile", "check_profile", "draft_profile", "list_profiles",
           "load_profile"]
