"""Pledges: templates, assignment, signing, reminders, publicity, fulfilment (docs/rules.md §5)."""
