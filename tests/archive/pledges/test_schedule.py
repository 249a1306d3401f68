"""The reminder schedule (docs/rules.md §5): 5 days after assignment, then every 2 days, until 30 days."""
from datetime import date, timedelta

import pytest

from archive.pledges.schedule import reminder_dates, reminder_due

D = date(2026, 3, 1)


def d(n):
    return D + timedelta(days=n) if n is not None else None


@pytest.mark.parametrize(("today", "last", "due"), [
    (0, None, False),     # the day of assignment
    (4, None, False),     # too early
    (5, None, True),      # first reminder
    (6, 5, False),        # one day after a reminder
    (7, 5, True),         # two days after
    (8, 7, False),
    (9, 7, True),
    (12, 5, True),        # the cron missed days: catch up once
    (13, 12, False),      # ... and the rhythm restarts from the catch-up
    (29, 27, True),       # last reminder of a daily cron
    (30, 29, False),
    (30, 28, True),       # day 30 still in the window
    (31, 29, False),      # 30 days have passed: stop
    (31, None, False),
    (60, None, False),
    (10, None, True),     # never reminded (cron not running before): remind now
    (5, 6, False),        # time travel backwards: a reminder "in the future" blocks
    (-1, None, False),    # assigned tomorrow
])
def test_reminder_due(today, last, due):
    assert reminder_due(D, d(last), d(today)) is due


def test_a_daily_cron_reminds_on_days_5_7_to_29():
    days = [(x - D).days for x in reminder_dates(D, D + timedelta(days=45))]
    assert days == list(range(5, 30, 2))


def test_no_reminder_before_the_fifth_day():
    assert reminder_dates(D, D + timedelta(days=4)) == []


@pytest.mark.parametrize("days", range(0, 45))
def test_the_closed_form_agrees_with_the_schedule(days):
    from archive.pledges.schedule import reminders_through
    dates = reminder_dates(D, D + timedelta(days=days))
    assert reminders_through(D, D + timedelta(days=days)) == (len(dates), dates[-1] if dates else None)
