"""Reviews and printing: committees, verdicts, the integrity-file PDF, verification, batch jobs (SPEC §8-9)."""
