"""The working-day calendar in use: the shipped schedules (data/cn_holidays.csv) and the years
added later (tables ``work_calendar_*``; a loaded year replaces a shipped one). Services flush,
never commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.workcal.arith import WorkCalendar
from core.workcal.models import WorkCalendarDay, WorkCalendarYear
from core.workcal.schedule import YearSchedule, parse

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn_holidays.csv"


@dataclass(frozen=True)
class YearInfo:
    year: int
    source: str
    origin: str                  # "shipped" (the data file) or "loaded" (added later)
    holidays: int
    workdays: int
    loaded_at: datetime | None = None


@lru_cache(maxsize=1)
def shipped() -> dict[int, YearSchedule]:
    """The schedules shipped with the product (parsed once)."""
    return parse(DATA_FILE.read_text(encoding="utf-8"))


def _loaded() -> dict[int, YearSchedule]:
    rows = db.session.execute(
        sa.select(WorkCalendarYear.year, WorkCalendarYear.source, WorkCalendarDay.day, WorkCalendarDay.kind,
                  WorkCalendarDay.name)
        .join(WorkCalendarDay, WorkCalendarDay.year_id == WorkCalendarYear.id)
        .where(WorkCalendarYear.active.is_(True))).all()
    out: dict[int, YearSchedule] = {}
    for year, source, day, kind, name in rows:
        sched = out.setdefault(year, YearSchedule(year, source))
        (sched.holidays if kind == "holiday" else sched.workdays)[day] = name
    return out


def schedules() -> dict[int, YearSchedule]:
    """Every known year: shipped, with the loaded years over them."""
    return {**shipped(), **_loaded()}


def calendar() -> WorkCalendar:
    """The calendar every working-day deadline uses."""
    years = schedules()
    return WorkCalendar.of((d for s in years.values() for d in s.holidays),
                           (d for s in years.values() for d in s.workdays), years)


def working_days_after(start: date, n: int) -> date:
    return calendar().add_working_days(start, n)


def overview() -> list[YearInfo]:
    loaded = {y.year: y for y in db.session.execute(
        sa.select(WorkCalendarYear).where(WorkCalendarYear.active.is_(True))).scalars()}
    out = []
    for year, sched in sorted(schedules().items()):
        row = loaded.get(year)
        out.append(YearInfo(year, sched.source, "loaded" if row else "shipped", len(sched.holidays),
                            len(sched.workdays), row.loaded_at if row else None))
    return out


def year_days(year: int) -> list[tuple[date, str, str]] | None:
    """(day, kind, name) of ``year``'s schedule, by date; None for an unknown year."""
    sched = schedules().get(year)
    if sched is None:
        return None
    days = [(d, "holiday", n) for d, n in sched.holidays.items()] + [(d, "workday", n) for d, n in sched.workdays.items()]
    return sorted(days)


def missing_next_year(today: date | None = None) -> int | None:
    """From December on, next year when its schedule is not known yet (HR's workbench warns)."""
    today = today or clock.today()
    if today.month == 12 and today.year + 1 not in schedules():
        return today.year + 1
    return None


def load(text: str, *, by=None) -> list[int]:
    """Add (or replace) the years of a schedule file; returns the years. Raises
    ``schedule.ScheduleInvalid`` (nothing written) when any line is wrong."""
    from core.audit.services import record_event
    years = parse(text)
    for year, sched in sorted(years.items()):
        db.session.execute(sa.update(WorkCalendarYear).where(WorkCalendarYear.year == year,
                                                             WorkCalendarYear.active.is_(True))
                           .values(active=False))
        row = WorkCalendarYear(year=year, source=sched.source, active=True, loaded_by_id=getattr(by, "id", None))
        db.session.add(row)
        db.session.flush()
        db.session.add_all([WorkCalendarDay(year_id=row.id, day=d, kind="holiday", name=n)
                            for d, n in sched.holidays.items()]
                           + [WorkCalendarDay(year_id=row.id, day=d, kind="workday", name=n)
                              for d, n in sched.workdays.items()])
        db.session.flush()
        record_event("calendar_load", row, f"载入 {year} 年工作日历：{len(sched.holidays)} 个假日、"
                                          f"{len(sched.workdays)} 个调休上班日（{sched.source}）")
    return sorted(years)
