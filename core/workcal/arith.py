"""Working-day arithmetic, pure: no database, no clock (tests are tables of dates)."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

MAX_WORKING_DAYS = 3660     # ten years of working days: beyond is a typo, not a deadline


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays (days off, weekdays or not) and make-up working days (调休, weekend days worked),
    with the years whose official schedule is known (``years``)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, holidays: Iterable[date] = (), workdays: Iterable[date] = (),
           years: Iterable[int] = ()) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(workdays), frozenset(years))

    def is_working_day(self, day: date) -> bool:
        return is_working_day(day, self.holidays, self.workdays)

    def add_working_days(self, start: date, n: int) -> date:
        return add_working_days(start, n, self.holidays, self.workdays)

    def covers(self, year: int) -> bool:
        return year in self.years


def is_working_day(day: date, holidays: Collection[date] = (), workdays: Collection[date] = ()) -> bool:
    """Monday to Friday except ``holidays``; a day in ``workdays`` (调休) is a working day."""
    return day in workdays or (day.weekday() < 5 and day not in holidays)


def add_working_days(start: date, n: int, holidays: Collection[date] = (),
                     workdays: Collection[date] = ()) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted; ``n`` = 0 gives
    ``start``). A 2025-09-26 application with 15 working days is due 2025-10-23."""
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, holidays, workdays):
            counted += 1
    return day
