"""Coverage toward 100%: metrics, dashboard, worklists, snapshots (SPEC §7)."""
