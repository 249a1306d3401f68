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
from archive.rules.facts import _COMBINING_STATUSES, RecordFacts
from core.text import N_, Text

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings


# --------------------------------------------------------------------------- periods

MONTHS, PERMANENT, NONE, SET_BY_HR = "months", "permanent", "none", "set_by_hr"
PERIOD_KINDS = (MONTHS, PERMANENT, NONE, SET_BY_HR)


@dataclass(frozen=True)
class Period:
    """A restriction period: ``kind`` in PERIOD_KINDS; ``months`` for ``months`` (and the
    suggested default of a ``set_by_hr`` period such as 留党察看, else None)."""
    kind: str
    months: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            raise ValueError(f"unknown period kind: {self.kind!r}")
        if self.kind == MONTHS and (self.months is None or self.months < 0):
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


def _m(months: int) -> Period:
    return Period(MONTHS, months)


#: SPEC §4.4 defaults, keyed like RESTRICTION_PERIODS (see :func:`restriction_period`).
DEFAULT_PERIODS: Mapping[str, Period] = {
    # 公职人员政务处分法 art. 7-8; 公务员法 art. 62, 64
    "discipline_gov:warning": _m(6),
    "discipline_gov:demerit": _m(12),
    "discipline_gov:major_demerit": _m(18),
    "discipline_gov:demotion": _m(24),
    "discipline_gov:removal": _m(24),
    "discipline_gov:expulsion": Period(PERMANENT),
    # 中国共产党纪律处分条例
    "discipline_party:party_warning": _m(12),
    "discipline_party:party_serious_warning": _m(18),
    "discipline_party:party_post_removal": _m(24),
    "discipline_party:party_probation": Period(SET_BY_HR, 12),  # 12 or 24 per decision
    "discipline_party:party_expulsion": Period(PERMANENT),
    # 诫勉 and 问责
    "accountability:circulated": Period(NONE),
    "accountability:admonition": _m(6),
    "accountability:suspension": _m(12),
    "accountability:post_adjustment": _m(12),
    "accountability:ordered_resignation": _m(12),
    "accountability:dismissal_from_post": _m(12),
    "accountability:downgrade": _m(24),
    "judicial": Period(SET_BY_HR),
    # by analogy with the credit-repair rules (国家发展改革委令第36号)
    "admin_penalty::general": _m(12),
    "admin_penalty::serious": _m(36),
    "pledge_breach": _m(12),
    "report_omission": _m(12),
    "other": Period(SET_BY_HR),
}


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


def restriction_period(category: Category, sanction: Sanction, severity: Severity,
                       settings: RuleSettings) -> Period:
    """The restriction period of a record (SPEC §4.4 table, overridable in config)."""
    category, sanction, severity = Category(category), Sanction(sanction), Severity(severity)
    if sanction not in SANCTIONS_BY_CATEGORY[category]:
        raise ValueError(f"sanction {sanction.value!r} does not belong to {category.value!r}")
    keys = _period_keys(category, sanction, severity)
    for table in (dict(settings.period_overrides), DEFAULT_PERIODS):
        for key in keys:
            if key in table:
                return table[key]
    raise ValueError(f"no restriction period for {keys[0]!r}")


def default_restricted_until(category: Category, sanction: Sanction, severity: Severity,
                             decided_on: date, settings: RuleSettings) -> tuple[date | None, bool]:
    """``(last restricting day, permanent)`` from the table (政务处分法 art. 8).

    ``none`` → (None, False): never restricts. ``set_by_hr`` → (None, False): the caller
    supplies the end, except when the period carries a suggested default (留党察看,
    12 months), which is then used.
    """
    period = restriction_period(category, sanction, severity, settings)
    if period.kind == PERMANENT:
        return None, True
    if period.months is None or period.kind == NONE:
        return None, False
    return add_months(decided_on, period.months), False


def check_restricted_until(category: Category, sanction: Sanction, severity: Severity,
                           decided_on: date, restricted_until: date | None, permanent: bool,
                           settings: RuleSettings) -> Text | None:
    """A Chinese problem message (a :class:`~core.text.Text`) when an entered end of restriction is not allowed, else
    None. 留党察看 must last one of ``party_probation_months``; a set_by_hr record needs an
    end (or permanent); an end never precedes the decision."""
    period = restriction_period(category, sanction, severity, settings)
    if permanent and restricted_until is not None:
        return N_("永久影响的记录不应设定影响期截止日期")
    if restricted_until is not None and restricted_until < decided_on:
        return N_("影响期截止日期不得早于决定日期")
    if Sanction(sanction) is Sanction.PARTY_PROBATION and period.kind == SET_BY_HR:
        allowed = settings.party_probation_months
        if permanent or restricted_until not in [add_months(decided_on, m) for m in allowed]:
            return N_("留党察看的影响期为%(months)s个月", months="/".join(str(m) for m in allowed))
    if period.kind == SET_BY_HR and restricted_until is None and not permanent:
        return N_("该类记录须由人事干部设定影响期截止日期")
    return None


def _own_end(record: RecordFacts) -> date:
    """``restricted_until`` of a record known to have a finite end."""
    return cast(date, record.restricted_until)


def _has_finite_end(record: RecordFacts) -> bool:
    return (RecordStatus(record.status) in _COMBINING_STATUSES and not record.permanent
            and record.restricted_until is not None)


def combined_ends(records: Iterable[RecordFacts], settings: RuleSettings) -> dict[int, date]:
    """Effective end of restriction per record id, after combination (政务处分法 art. 15).

    Interpretation: records of the same category and sanction (in COMBINABLE_CATEGORIES,
    stored status notified / under_objection / effective / expired, finite end) whose own
    periods overlap form one cluster. The cluster's period counts from its earliest
    decision: end = min(start + sum of members' periods, start + 48 months), and never
    earlier than any member's own end. Periods are measured in whole months plus days
    between decision and own end, so edited ends are respected. Every record with a
    finite end is in the result (its own end when it is not combined).
    """
    records = [r for r in records if _has_finite_end(r)]
    ends: dict[int, date] = {r.id: _own_end(r) for r in records}
    groups: dict[tuple[Category, Sanction], list[RecordFacts]] = {}
    for r in records:
        if Category(r.category) in settings.combinable_categories and r.sanction is not Sanction.NONE:
            groups.setdefault((Category(r.category), Sanction(r.sanction)), []).append(r)
    for members in groups.values():
        for cluster in _overlapping_clusters(members):
            if len(cluster) > 1:
                end = _cluster_end(cluster, settings)
                ends.update((r.id, end) for r in cluster)
    return ends


def _overlapping_clusters(members: list[RecordFacts]) -> list[list[RecordFacts]]:
    clusters: list[list[RecordFacts]] = []
    reach = date.min
    for r in sorted(members, key=lambda r: (r.decided_on, r.id)):
        end = _own_end(r)
        if clusters and r.decided_on <= reach:
            clusters[-1].append(r)
            reach = max(reach, end)
        else:
            clusters.append([r])
            reach = end
    return clusters


def _cluster_end(cluster: list[RecordFacts], settings: RuleSettings) -> date:
    start = cluster[0].decided_on
    spans = [_months_and_days(r.decided_on, _own_end(r)) for r in cluster]
    total = add_months(start, sum(m for m, _ in spans)) + timedelta(days=sum(d for _, d in spans))
    capped = min(total, add_months(start, settings.combined_period_cap_months))
    return max(capped, *(_own_end(r) for r in cluster))


def record_end(record: RecordFacts, combined_end: date | None = None) -> date | None:
    """Last restricting day (combined when given); None when permanent or no end."""
    if record.permanent:
        return None
    return combined_end if combined_end is not None else record.restricted_until
