"""Reviews and printing: committees, verdicts, the integrity-file PDF, verification, batch jobs (docs/rules.md §8-9)."""
