"""Coverage toward 100%: metrics, dashboard, worklists, snapshots (docs/rules.md §7)."""
