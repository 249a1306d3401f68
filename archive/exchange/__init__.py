"""Data exchange: Excel import/export, credit-platform export, public disclosure (SPEC §12)."""
