"""Pledges: templates, assignment, signing, reminders, publicity, fulfilment (SPEC §5)."""
