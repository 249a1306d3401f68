"""Credit repair: eligibility, applications, review (SPEC §4.6)."""
