"""The reminder schedule of an unsigned pledge (docs/rules.md §5), as pure functions of dates.

An unsigned pledge reminds its person FIRST_AFTER_DAYS (5) days after assignment, then every
EVERY_DAYS (2) days, until it is signed or STOP_AFTER_DAYS (30) days have passed since the
assignment. With a daily cron that is days 5, 7, 9, ..., 29. When the cron missed days, the
next run catches up with one reminder, and the rhythm restarts from it.
"""
from __future__ import annotations

from datetime import date, timedelta

FIRST_AFTER_DAYS = 5
EVERY_DAYS = 2
STOP_AFTER_DAYS = 30


def reminder_due(assigned_on: date, last_reminded_on: date | None, today: date) -> bool:
    """Whether an unsigned pledge assigned on ``assigned_on`` gets a reminder ``today``."""
    age = (today - assigned_on).days
    if age < FIRST_AFTER_DAYS or age > STOP_AFTER_DAYS:
        return False
    if last_reminded_on is None:
        return True
    return (today - last_reminded_on).days >= EVERY_DAYS


def reminder_window(today: date) -> tuple[date, date, date]:
    """Bounds for the SQL pre-selection of :func:`reminder_due` (which stays the judge):
    (earliest assignment date, latest assignment date, latest previous reminder date)."""
    return (today - timedelta(days=STOP_AFTER_DAYS), today - timedelta(days=FIRST_AFTER_DAYS),
            today - timedelta(days=EVERY_DAYS))


def reminder_dates(assigned_on: date, until: date) -> list[date]:
    """Every reminder date of a pledge left unsigned through ``until`` (a daily cron)."""
    out: list[date] = []
    last = None
    day = assigned_on
    while day <= until:
        if reminder_due(assigned_on, last, day):
            out.append(day)
            last = day
        day += timedelta(days=1)
    return out


def reminders_through(assigned_on: date, until: date) -> tuple[int, date | None]:
    """(count, last date) of :func:`reminder_dates` in closed form (bulk demo data)."""
    age = min((until - assigned_on).days, STOP_AFTER_DAYS)
    if age < FIRST_AFTER_DAYS:
        return 0, None
    count = (age - FIRST_AFTER_DAYS) // EVERY_DAYS + 1
    return count, assigned_on + timedelta(days=FIRST_AFTER_DAYS + EVERY_DAYS * (count - 1))
