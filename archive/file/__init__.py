"""The integrity file: appraisals, awards, matter checks, misconduct records, objections, complaints (docs/rules.md §4.1-4.5, §4.7)."""
