"""Restriction periods (影响期) and sanction chains (docs/rules.md §4.4).

The period table, month arithmetic (民法典 arts. 201-202) and the one function that
computes where a chain of sanctions ends (:func:`combined_ends`)."""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    Category,
    RecordStatus,
    Sanction,
    Severity,
)
from archive.rules.facts import _COMBINING_STATUSES, RecordFacts, lifecycle_status
from core.text import N_, Text

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings


# --------------------------------------------------------------------------- periods

MONTHS, PERMANENT, NONE, SET_BY_HR = "months", "permanent", "none", "set_by_hr"
#: 留党察看: the probation set in the decision (12 or 24 months) plus ``months`` after the
#: restoration of Party rights (中国共产党纪律处分条例 art. 12: 24 months).
PROBATION_PLUS = "probation_plus"
PERIOD_KINDS = (MONTHS, PERMANENT, NONE, SET_BY_HR, PROBATION_PLUS)


@dataclass(frozen=True)
class Period:
    """A restriction period: ``kind`` in PERIOD_KINDS; ``months`` for ``months`` (and the
    suggested default of a ``set_by_hr`` period, else None; the months after the probation
    for ``probation_plus``)."""
    kind: str
    months: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            raise ValueError(f"unknown period kind: {self.kind!r}")
        if self.kind in (MONTHS, PROBATION_PLUS) and (self.months is None or self.months < 0):
            raise ValueError("a months period needs a non-negative number of months")

    @classmethod
    def parse(cls, value: object) -> Period:
        """A config value: months as int or digits, or "permanent" / "none" / "set_by_hr"."""
        if isinstance(value, Period):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(MONTHS, value)
        text = str(value).strip().lower()
        if text.isdigit():
            return cls(MONTHS, int(text))
        if text in (PERMANENT, NONE, SET_BY_HR):
            return cls(text)
        raise ValueError(f"invalid restriction period: {value!r}")

    def describe(self) -> str:
        """The period in words for the 规则与依据 page ("12个月", "永久", ...)."""
        if self.kind == MONTHS:
            return f"{self.months}个月"
        if self.kind == PROBATION_PLUS:
            return f"察看期（12或24个月）+ {self.months}个月"
        return {PERMANENT: "永久", NONE: "不限制", SET_BY_HR: "由人事干部设定"}[self.kind]


def _m(months: int) -> Period:
    return Period(MONTHS, months)


@dataclass(frozen=True)
class PeriodRow:
    """One row of the period table (docs/rules.md §4.4): a change of law is a new row with
    a later ``effective_from``; a record takes the row in force on its decision date."""
    key: str                 # category[:sanction] or category::severity (like RESTRICTION_PERIODS)
    period: Period
    citation: str
    effective_from: date


GOV = "公职人员政务处分法第7、8条；公务员法第62、64条"
PARTY = "中国共产党纪律处分条例（2023）"
ACCOUNT = "中国共产党问责条例（2019）第8条；党政领导干部选拔任用工作条例（2019）第63条；关于对党员领导干部进行诫勉的规定（2019）"
_GOV_FROM, _PARTY_FROM, _ACC_FROM = date(2020, 7, 1), date(2024, 1, 1), date(2019, 5, 28)

#: The period table (docs/rules.md §4.4), one row per sanction with its source.
PERIOD_TABLE: tuple[PeriodRow, ...] = (
    PeriodRow("discipline_gov:warning", _m(6), GOV, _GOV_FROM),
    PeriodRow("discipline_gov:demerit", _m(12), GOV, _GOV_FROM),
    PeriodRow("discipline_gov:major_demerit", _m(18), GOV, _GOV_FROM),
    PeriodRow("discipline_gov:demotion", _m(24), GOV, _GOV_FROM),
    PeriodRow("discipline_gov:removal", _m(24), GOV, _GOV_FROM),
    PeriodRow("discipline_gov:expulsion", Period(PERMANENT), GOV + "；公务员法第26条", _GOV_FROM),
    PeriodRow("discipline_party:party_warning", _m(12), PARTY + "第10条", _PARTY_FROM),
    PeriodRow("discipline_party:party_serious_warning", _m(18), PARTY + "第10条", _PARTY_FROM),
    PeriodRow("discipline_party:party_post_removal", _m(24), PARTY + "第11条", _PARTY_FROM),
    PeriodRow("discipline_party:party_probation", Period(PROBATION_PLUS, 24), PARTY + "第12条", _PARTY_FROM),
    PeriodRow("discipline_party:party_expulsion", Period(PERMANENT), PARTY + "第13条；公务员法第26条", _PARTY_FROM),
    PeriodRow("accountability:circulated", Period(NONE), ACCOUNT, _ACC_FROM),
    PeriodRow("accountability:admonition", _m(6), ACCOUNT, _ACC_FROM),
    PeriodRow("accountability:suspension", _m(12), ACCOUNT, _ACC_FROM),
    PeriodRow("accountability:post_adjustment", _m(12), ACCOUNT, _ACC_FROM),
    PeriodRow("accountability:ordered_resignation", _m(12), ACCOUNT, _ACC_FROM),
    PeriodRow("accountability:dismissal_from_post", _m(12), ACCOUNT, _ACC_FROM),
    PeriodRow("accountability:downgrade", _m(24), ACCOUNT, _ACC_FROM),
    PeriodRow("judicial", Period(SET_BY_HR), "公务员法第26条（刑事处罚终身不得录用）", date(2019, 6, 1)),
    PeriodRow("admin_penalty::general", _m(12), "国家发展改革委令第58号（2023，试行）", date(2023, 5, 1)),
    PeriodRow("admin_penalty::serious", _m(36), "国家发展改革委令第58号（2023，试行）", date(2023, 5, 1)),
    PeriodRow("admin_penalty::minor", Period(NONE), "国家发展改革委令第36号（轻微：不公示、即可修复）", date(2026, 4, 1)),
    PeriodRow("admin_penalty::general", _m(12), "国家发展改革委令第36号", date(2026, 4, 1)),
    PeriodRow("admin_penalty::serious", _m(36), "国家发展改革委令第36号", date(2026, 4, 1)),
    PeriodRow("pledge_breach", _m(12), "本系统规则（承诺未履行，docs/rules.md §4.4）", date(2020, 1, 1)),
    PeriodRow("report_omission", _m(12), "领导干部报告个人有关事项规定（2017）第18条", date(2017, 4, 1)),
    PeriodRow("other", Period(SET_BY_HR), "由人事干部依决定设定", date(2020, 1, 1)),
)


def _rows_in_force(on: date | None) -> dict[str, PeriodRow]:
    """Per key, the row in force on ``on`` (the latest one when ``on`` is None); a key whose
    first row is later than ``on`` takes its first row."""
    out: dict[str, PeriodRow] = {}
    for row in sorted(PERIOD_TABLE, key=lambda r: r.effective_from):
        if row.key not in out or on is None or row.effective_from <= on:
            out[row.key] = row
    return out


#: The defaults in force today, keyed like RESTRICTION_PERIODS (see :func:`restriction_period`).
DEFAULT_PERIODS: Mapping[str, Period] = {k: r.period for k, r in _rows_in_force(None).items()}


def _period_keys(category: Category, sanction: Sanction, severity: Severity) -> tuple[str, ...]:
    c, s, v = category.value, sanction.value, severity.value
    return (f"{c}:{s}:{v}", f"{c}:{s}", f"{c}::{v}", c)


def _check_period_key(key: str) -> str:
    """Validate a RESTRICTION_PERIODS key: category[:sanction[:severity]] or category::severity."""
    parts = str(key).split(":")
    if len(parts) > 3 or parts[0] not in Category.codes():
        raise ValueError(f"invalid RESTRICTION_PERIODS key: {key!r}")
    allowed = [s.value for s in SANCTIONS_BY_CATEGORY[Category(parts[0])]]
    if len(parts) > 1 and parts[1] and parts[1] not in allowed:
        raise ValueError(f"invalid sanction in RESTRICTION_PERIODS key: {key!r}")
    if len(parts) == 3 and parts[2] not in Severity.codes():
        raise ValueError(f"invalid severity in RESTRICTION_PERIODS key: {key!r}")
    if len(parts) == 2 and not parts[1]:
        raise ValueError(f"invalid RESTRICTION_PERIODS key: {key!r}")
    return str(key)


# --------------------------------------------------------------------------- dates


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the month's last day."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def _months_and_days(start: date, end: date) -> tuple[int, int]:
    """``end`` as whole months after ``start`` plus remaining days."""
    months = max((end.year - start.year) * 12 + end.month - start.month, 0)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months, (end - add_months(start, months)).days


# --------------------------------------------------------------------------- periods API


def period_row(category: Category, sanction: Sanction, severity: Severity,
               on: date | None = None) -> PeriodRow:
    """The row of the period table that applies (its citation is the legal basis)."""
    rows = _rows_in_force(on)
    for key in _period_keys(Category(category), Sanction(sanction), Severity(severity)):
        if key in rows:
            return rows[key]
    raise ValueError(f"no restriction period for {category}:{sanction}")


def restriction_period(category: Category, sanction: Sanction, severity: Severity,
                       settings: RuleSettings, on: date | None = None) -> Period:
    """The restriction period of a record (docs/rules.md §4.4 table, overridable in config);
    ``on`` (the decision date) selects the row in force that day."""
    category, sanction, severity = Category(category), Sanction(sanction), Severity(severity)
    if sanction not in SANCTIONS_BY_CATEGORY[category]:
        raise ValueError(f"sanction {sanction.value!r} does not belong to {category.value!r}")
    keys = _period_keys(category, sanction, severity)
    overrides = dict(settings.period_overrides)
    for key in keys:
        if key in overrides:
            return overrides[key]
    return period_row(category, sanction, severity, on).period


def default_restricted_until(category: Category, sanction: Sanction, severity: Severity,
                             decided_on: date, settings: RuleSettings,
                             probation_months: int | None = None) -> tuple[date | None, bool]:
    """``(last restricting day, permanent)`` from the table (政务处分法 art. 8).

    ``none`` → (None, False): never restricts. ``set_by_hr`` → (None, False): the caller
    supplies the end (or the suggested default when the period has one). 留党察看 →
    probation (``probation_months``, default the shortest allowed) + 24 months
    (中国共产党纪律处分条例 art. 12).
    """
    period = restriction_period(category, sanction, severity, settings, decided_on)
    if period.kind == PERMANENT:
        return None, True
    if period.kind == PROBATION_PLUS:
        probation = probation_months or min(settings.party_probation_months)
        return add_months(decided_on, probation + cast(int, period.months)), False
    if period.months is None or period.kind == NONE:
        return None, False
    return add_months(decided_on, period.months), False


def check_restricted_until(category: Category, sanction: Sanction, severity: Severity,
                           decided_on: date, restricted_until: date | None, permanent: bool,
                           settings: RuleSettings, probation_months: int | None = None) -> Text | None:
    """A Chinese problem message (a :class:`~core.text.Text`) when an entered end of
    restriction is not allowed, else None. 留党察看 needs ``probation_months`` in
    ``party_probation_months`` and ends probation + 24 months after the decision; a
    set_by_hr record needs an end (or permanent); an end never precedes the decision."""
    period = restriction_period(category, sanction, severity, settings, decided_on)
    if permanent and restricted_until is not None:
        return N_("永久影响的记录不应设定影响期截止日期")
    if restricted_until is not None and restricted_until < decided_on:
        return N_("影响期截止日期不得早于决定日期")
    if period.kind == PROBATION_PLUS:
        allowed = settings.party_probation_months
        if probation_months not in allowed:
            return N_("留党察看须写明察看期（%(months)s个月）", months="/".join(str(m) for m in allowed))
        expected = add_months(decided_on, probation_months + cast(int, period.months))
        if permanent or restricted_until not in (None, expected):
            return N_("留党察看的影响期为察看期%(probation)s个月加%(after)s个月，至%(day)s（中国共产党纪律处分条例第12条）",
                      probation=probation_months, after=period.months, day=expected)
    if period.kind == SET_BY_HR and restricted_until is None and not permanent:
        return N_("该类记录须由人事干部设定影响期截止日期")
    return None


def _own_end(record: RecordFacts) -> date:
    """``restricted_until`` of a record known to have a finite end."""
    return cast(date, record.restricted_until)


def _has_finite_end(record: RecordFacts, as_of: date | None) -> bool:
    status = RecordStatus(record.status) if as_of is None else lifecycle_status(record, as_of)
    return status in _COMBINING_STATUSES and not record.permanent and record.restricted_until is not None


def _span(start: date, end: date) -> tuple[int, int]:
    return _months_and_days(start, end)


def _plus(start: date, *spans: tuple[int, int]) -> date:
    return add_months(start, sum(m for m, _ in spans)) + timedelta(days=sum(d for _, d in spans))


def _rank(sanction: Sanction) -> int:
    """Weight of a sanction within its category (the order of SANCTIONS_BY_CATEGORY)."""
    for sanctions in SANCTIONS_BY_CATEGORY.values():
        if sanction in sanctions:
            return sanctions.index(sanction)
    return 0


def _decided_together(group: list[RecordFacts], settings: RuleSettings) -> date:
    """Rule 1: several sanctions decided on one day. Different kinds → the heaviest is
    executed; several of the heaviest kind → the sum of their periods, at most the cap."""
    day = group[0].decided_on
    heaviest = max(_rank(Sanction(r.sanction)) for r in group)
    top = [r for r in group if _rank(Sanction(r.sanction)) == heaviest]
    if len(top) == 1:
        return _own_end(top[0])
    total = _plus(day, *(_span(day, _own_end(r)) for r in top))
    return max(min(total, add_months(day, settings.combined_period_cap_months)), *(_own_end(r) for r in top))


def combined_ends(records: Iterable[RecordFacts], settings: RuleSettings,
                  as_of: date | None = None) -> dict[int, date]:
    """The last restricting day of every record with a finite end, after the sanction
    chains of docs/rules.md §4.4 — THE one definition every reader uses (``restricts_until``).

    Chains form among records of COMBINABLE_CATEGORIES (default 政务处分 only: 政务处分法
    art. 15; 行政机关公务员处分条例 art. 10; 公务员法 art. 65) in a combining status
    (notified / under_objection / effective / expired; at ``as_of`` when given, from the
    dated state changes), in decision order:

    1. records decided the same day form one decision (:func:`_decided_together`);
    2. a decision inside a running chain (decided on or before its end) makes the chain
       end = new decision + unserved rest + new period, at most 48 months (the cap)
       from the new decision, whatever the kinds;
    3. every record of a chain restricts until the chain's end (no earlier release).

    Other records keep their own end. Periods are whole months plus days, so an end
    edited by HR is respected.
    """
    records = [r for r in records if _has_finite_end(r, as_of)]
    ends: dict[int, date] = {r.id: _own_end(r) for r in records}
    chained = [r for r in records if Category(r.category) in settings.combinable_categories
               and r.sanction is not Sanction.NONE]
    by_day: dict[date, list[RecordFacts]] = {}
    for r in sorted(chained, key=lambda r: (r.decided_on, r.id)):
        by_day.setdefault(r.decided_on, []).append(r)
    chain: list[RecordFacts] = []
    chain_end: date | None = None
    cap = settings.combined_period_cap_months
    for day, group in sorted(by_day.items()):
        group_end = _decided_together(group, settings)
        if chain_end is not None and day <= chain_end:
            total = _plus(day, _span(day, chain_end), _span(day, group_end))
            chain_end = max(min(total, add_months(day, cap)), chain_end, group_end)
            chain += group
        else:
            chain, chain_end = list(group), group_end
        ends.update((r.id, chain_end) for r in chain)
    return ends


def chain_of(record_id: int, records: Iterable[RecordFacts], settings: RuleSettings,
             as_of: date | None = None) -> date | None:
    """``restricts_until`` of one record: the end of the chain it belongs to (or its own)."""
    records = list(records)
    own = next((r for r in records if r.id == record_id), None)
    if own is None or own.permanent:
        return None
    return combined_ends(records, settings, as_of).get(record_id, own.restricted_until)


def record_end(record: RecordFacts, combined_end: date | None = None) -> date | None:
    """Last restricting day (combined when given); None when permanent or no end."""
    if record.permanent:
        return None
    return combined_end if combined_end is not None else record.restricted_until
