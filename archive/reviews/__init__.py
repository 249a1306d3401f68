"""Reviews and printing: committees, verdicts, the integrity-file PDF, batch printing (docs/rules.md §8-9).

The job and verification pages the batch print and the printed files use are generic (core/job_views.py,
core/verify_views.py); this package plugs into them through core.wiring (archive/reviews/hooks.py)."""
