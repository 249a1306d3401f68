"""A schedule file: the holidays and 调休 of one or more years, parsed and checked (pure).

CSV, UTF-8, lines starting with ``#`` are comments, header ``year,kind,from,to,name``:

* ``source`` — one per year: ``name`` is the notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知;
* ``holiday`` — days off from ``from`` to ``to`` (``to`` empty: one day), weekends inside included;
* ``workday`` — a weekend day worked (调休), ``to`` empty.

Dates are ISO (2027-01-01) and lie in the row's year or next to it (元旦 may start on 12-31).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _

HEADER = ("year", "kind", "from", "to", "name")
KINDS = ("source", "holiday", "workday")
MAX_RANGE_DAYS = 15          # the longest break so far is 10 days (春节 2020, extended)
MAX_BYTES = 64 * 1024
YEARS = (2000, 2100)


@dataclass
class YearSchedule:
    year: int
    source: str = ""
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LineError:
    line: int          # 1-based line of the file (0: the file as a whole)
    message: str

    def __str__(self) -> str:
        return _("第 %(n)s 行：%(msg)s", n=self.line, msg=self.message) if self.line else self.message


class ScheduleInvalid(ValueError):
    def __init__(self, errors: list[LineError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse(text: str) -> dict[int, YearSchedule]:
    """The years of ``text``, checked; raises :class:`ScheduleInvalid` listing every bad line."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ScheduleInvalid([LineError(0, _("文件过大（上限 64 KB）"))])
    errors: list[LineError] = []
    years: dict[int, YearSchedule] = {}
    seen: dict[date, int] = {}
    header_seen = False
    for number, raw in enumerate(io.StringIO(text.lstrip("\ufeff")), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([line]))]
        if not header_seen:
            header_seen = True
            if tuple(c.lower() for c in cells) != HEADER:
                errors.append(LineError(number, _("表头须为 %(h)s", h=",".join(HEADER))))
                break
            continue
        if len(cells) != len(HEADER):
            errors.append(LineError(number, _("须有 5 列：年度,类型,起,止,名称")))
            continue
        year_text, kind, start_text, end_text, name = cells
        if not year_text.isdigit() or not YEARS[0] <= int(year_text) <= YEARS[1]:
            errors.append(LineError(number, _("年度须为 %(a)s 到 %(b)s 之间的整数", a=YEARS[0], b=YEARS[1])))
            continue
        year = int(year_text)
        sched = years.setdefault(year, YearSchedule(year))
        if kind not in KINDS:
            errors.append(LineError(number, _("类型须为 source、holiday 或 workday")))
            continue
        if not name or len(name) > 200:
            errors.append(LineError(number, _("名称不能为空，且不超过 200 个字符")))
            continue
        if kind == "source":
            if sched.source:
                errors.append(LineError(number, _("%(y)s 年的来源通知重复", y=year)))
            sched.source = name
            continue
        start = _day(start_text)
        end = _day(end_text) if end_text else start
        if start is None or end is None:
            errors.append(LineError(number, _("日期格式须为 年-月-日，例如 2027-01-01")))
            continue
        if end < start or (end - start).days >= MAX_RANGE_DAYS:
            errors.append(LineError(number, _("止日须不早于起日，且一段假期不超过 %(n)s 天", n=MAX_RANGE_DAYS)))
            continue
        if abs(start.year - year) > 1 or abs(end.year - year) > 1:
            errors.append(LineError(number, _("日期须在 %(y)s 年或相邻的年份", y=year)))
            continue
        if kind == "workday" and (end != start or start.weekday() < 5):
            errors.append(LineError(number, _("调休上班日须为单独一个周六或周日")))
            continue
        day = start
        while day <= end:
            if day in seen:
                errors.append(LineError(number, _("%(d)s 与第 %(n)s 行重复", d=day.isoformat(), n=seen[day])))
                break
            seen[day] = number
            (sched.holidays if kind == "holiday" else sched.workdays)[day] = name
            day += timedelta(days=1)
    if not header_seen:
        errors.append(LineError(0, _("文件为空：须有表头 %(h)s 和至少一行", h=",".join(HEADER))))
    for sched in years.values():
        if not sched.source:
            errors.append(LineError(0, _("%(y)s 年缺少来源通知（source 行）", y=sched.year)))
        if not sched.holidays:
            errors.append(LineError(0, _("%(y)s 年没有假日（holiday 行）", y=sched.year)))
    if errors:
        raise ScheduleInvalid(errors)
    return years
