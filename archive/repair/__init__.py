"""Credit repair: eligibility, applications, review (docs/rules.md §4.6)."""
