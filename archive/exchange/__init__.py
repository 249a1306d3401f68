"""Data exchange: Excel import/export, credit-platform export, public disclosure (docs/rules.md §12)."""
