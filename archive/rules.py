"""Pure domain rules of the integrity file (SPEC §4, §4.1-4.7, §5, §12; LAW-NOTES §7).

Everything here is a pure function of plain values: no database, no Flask, no
application context. The ORM layer turns rows into the frozen ``*Facts`` dataclasses
below and calls these functions with a :class:`RuleSettings` built once from the app
config (:meth:`RuleSettings.from_mapping`).

Conventions and interpretation choices:

* **Periods** (影响期) run from the decision date (政务处分法 art. 8). ``restricted_until``
  is the *last* day a record restricts, inclusive: 记过 decided 2026-01-15 restricts
  through 2027-01-15 and is released on 2027-01-16 (art. 26 automatic release).
  Month arithmetic clamps month ends (2026-01-31 + 1 month = 2026-02-28).
* **Effective dishonesty**: a record counts only in status ``notified``,
  ``under_objection`` or ``effective`` (a sanction is not suspended while it is reviewed,
  政务处分法 art. 55-56, 公务员法 art. 95), only from its decision date and only until its
  (combined) end. ``revoked``, ``exempted``, ``expired``, ``repaired`` never restrict.
* **Integrity status** (SPEC §4.7) depends on records only: ``serious`` when a
  restricting record is 严重, ``restricted`` when any record restricts, else ``good``.
  A pending case or an appraisal-based promotion block adds restrictions but does not
  change the status: §4.7 defines ``restricted`` as "has effective dishonesty".
* **Combination** (政务处分法 art. 15): see :func:`combined_ends`.
"""
from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    Category,
    Grade,
    IntegrityStatus,
    RecordStatus,
    RestrictionKind,
    ReviewPurpose,
    Sanction,
    Severity,
    Verdict,
)
from core.text import N_, Text

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


# --------------------------------------------------------------------------- settings

_INT_KEYS = {
    "OBJECTION_WINDOW_DAYS": "objection_window_days",
    "OBJECTION_DEADLINE_DAYS": "objection_deadline_days",
    "COMBINED_PERIOD_CAP_MONTHS": "combined_period_cap_months",
    "REPAIR_REAPPLY_DAYS": "repair_reapply_days",
    "REPAIR_DECISION_WORKING_DAYS": "repair_decision_working_days",
    "ATTENTION_EXPIRED_MONTHS": "attention_expired_months",
}


@dataclass(frozen=True)
class RuleSettings:
    """Every configurable number of the rules, with the SPEC defaults.

    Config keys read by :meth:`from_mapping` (all optional; None means "default"):

    * ``RESTRICTION_PERIODS``: dict of period overrides. Keys ``"category:sanction"``,
      ``"category:sanction:severity"``, ``"category::severity"`` or ``"category"`` (API
      codes); values months (int), ``"permanent"``, ``"none"`` or ``"set_by_hr"``.
      An override beats every default; among overrides the most specific key wins.
    * ``OBJECTION_WINDOW_DAYS`` (30): days after notification during which an objection
      may be filed; afterwards a ``notified`` record is ``effective`` (公务员法 art. 95).
    * ``OBJECTION_DEADLINE_DAYS`` (30): calendar days HR has to decide an objection.
    * ``COMBINED_PERIOD_CAP_MONTHS`` (48): cap of a combined period (政务处分法 art. 15).
    * ``EXCELLENT_QUOTA`` (0.20): share of 优秀 above which a department-year is flagged.
    * ``PROMOTION_BLOCKED_BY_TWO_BASIC`` (True): two consecutive 基本称职 block promotion.
    * ``REPAIR_MIN_MONTHS`` ({"general": 3, "serious": 12}): waiting time before repair.
    * ``REPAIR_REAPPLY_DAYS`` (30): days after a rejected repair before applying again.
    * ``REPAIR_DECISION_WORKING_DAYS`` (15): working days HR has to decide a repair.
    * ``DISCLOSURE_MAX_MONTHS`` ({"general": 12, "serious": 36}): public disclosure stops
      this long after the decision (SPEC §12).
    * ``JOINT_PUNISHMENT_ITEMS`` (("失信联合惩戒对象", "失信被执行人")): record items that
      make a candidate ineligible for hiring (公务员法 art. 26).
    * ``NON_REPAIRABLE_SANCTIONS`` (("expulsion", "party_expulsion")): sanction codes
      that can never be repaired (SPEC §4.6 condition 1).
    * ``PARTY_PROBATION_MONTHS`` ((12, 24)): allowed periods of 留党察看.
    * ``ATTENTION_EXPIRED_MONTHS`` (12): a record expired this recently is shown to a
      review committee as "需关注".
    * ``COMBINABLE_CATEGORIES`` (("discipline_gov", "discipline_party",
      "accountability")): categories whose same sanctions combine (art. 15).
    """
    period_overrides: tuple[tuple[str, Period], ...] = ()
    objection_window_days: int = 30
    objection_deadline_days: int = 30
    combined_period_cap_months: int = 48
    excellent_quota: Decimal = Decimal("0.20")
    promotion_blocked_by_two_basic: bool = True
    repair_min_months_general: int = 3
    repair_min_months_serious: int = 12
    repair_reapply_days: int = 30
    repair_decision_working_days: int = 15
    disclosure_max_months_general: int = 12
    disclosure_max_months_serious: int = 36
    joint_punishment_items: tuple[str, ...] = ("失信联合惩戒对象", "失信被执行人")
    non_repairable_sanctions: tuple[Sanction, ...] = (Sanction.EXPULSION, Sanction.PARTY_EXPULSION)
    party_probation_months: tuple[int, ...] = (12, 24)
    attention_expired_months: int = 12
    combinable_categories: tuple[Category, ...] = (
        Category.DISCIPLINE_GOV, Category.DISCIPLINE_PARTY, Category.ACCOUNTABILITY)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> RuleSettings:
        """Settings from a Flask-config-like mapping; raises ValueError on a bad value."""
        given: dict[str, Any] = {k: v for k, v in config.items() if v is not None}
        kw: dict[str, Any] = {}
        if "RESTRICTION_PERIODS" in given:
            kw["period_overrides"] = tuple(
                (_check_period_key(k), Period.parse(v))
                for k, v in dict(given["RESTRICTION_PERIODS"]).items())
        for key, attr in _INT_KEYS.items():
            if key in given:
                kw[attr] = _non_negative_int(key, given[key])
        if "EXCELLENT_QUOTA" in given:
            quota = Decimal(str(given["EXCELLENT_QUOTA"]))
            if not Decimal(0) <= quota <= Decimal(1):
                raise ValueError("EXCELLENT_QUOTA must be between 0 and 1")
            kw["excellent_quota"] = quota
        if "PROMOTION_BLOCKED_BY_TWO_BASIC" in given:
            kw["promotion_blocked_by_two_basic"] = bool(given["PROMOTION_BLOCKED_BY_TWO_BASIC"])
        for key, prefix in (("REPAIR_MIN_MONTHS", "repair_min_months"),
                            ("DISCLOSURE_MAX_MONTHS", "disclosure_max_months")):
            for severity, months in dict(given.get(key, {})).items():
                if severity not in Severity.codes():
                    raise ValueError(f"{key}: unknown severity {severity!r}")
                kw[f"{prefix}_{severity}"] = _non_negative_int(key, months)
        if "JOINT_PUNISHMENT_ITEMS" in given:
            kw["joint_punishment_items"] = tuple(str(i) for i in given["JOINT_PUNISHMENT_ITEMS"])
        if "NON_REPAIRABLE_SANCTIONS" in given:
            kw["non_repairable_sanctions"] = tuple(
                Sanction(s) for s in given["NON_REPAIRABLE_SANCTIONS"])
        if "PARTY_PROBATION_MONTHS" in given:
            kw["party_probation_months"] = tuple(
                _non_negative_int("PARTY_PROBATION_MONTHS", m)
                for m in given["PARTY_PROBATION_MONTHS"])
        if "COMBINABLE_CATEGORIES" in given:
            kw["combinable_categories"] = tuple(
                Category(c) for c in given["COMBINABLE_CATEGORIES"])
        return cls(**kw)

    def repair_min_months(self, severity: Severity) -> int:
        """Months after the decision before a repair can be requested (SPEC §4.6 cond. 2)."""
        if Severity(severity) is Severity.SERIOUS:
            return self.repair_min_months_serious
        return self.repair_min_months_general

    def disclosure_max_months(self, severity: Severity) -> int:
        """Months after the decision during which a record may be disclosed (SPEC §12)."""
        if Severity(severity) is Severity.SERIOUS:
            return self.disclosure_max_months_serious
        return self.disclosure_max_months_general


def _non_negative_int(key: str, value: Any) -> int:
    number = int(value)
    if number < 0 or isinstance(value, bool):
        raise ValueError(f"{key} must be a non-negative integer")
    return number


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class RecordFacts:
    """A misconduct / dishonesty record (SPEC §4.4). ``restricted_until`` is the last
    restricting day (inclusive); ``permanent`` means it never ends."""
    id: int
    category: Category
    sanction: Sanction
    severity: Severity
    status: RecordStatus
    decided_on: date
    restricted_until: date | None = None
    permanent: bool = False
    item: str | None = None
    notified_on: date | None = None
    disclosable: bool = False


@dataclass(frozen=True)
class AppraisalFacts:
    year: int
    grade: Grade


@dataclass(frozen=True)
class CasePending:
    """立案审查中 (政务处分法 art. 52); ``ended_on`` is the first day it no longer applies."""
    started_on: date
    authority: str
    ended_on: date | None = None


@dataclass(frozen=True)
class PersonFacts:
    records: tuple[RecordFacts, ...] = ()
    appraisals: tuple[AppraisalFacts, ...] = ()
    cases: tuple[CasePending, ...] = ()


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


# --------------------------------------------------------------------------- record state

RESTRICTING_STATUSES = frozenset(
    {RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE})
_FINAL_STATUSES = frozenset(
    {RecordStatus.DRAFT, RecordStatus.REVOKED, RecordStatus.EXEMPTED, RecordStatus.REPAIRED})
_COMBINING_STATUSES = RESTRICTING_STATUSES | {RecordStatus.EXPIRED}


def objection_window_ends(notified_on: date, settings: RuleSettings) -> date:
    """Last day an objection can be filed: notification + OBJECTION_WINDOW_DAYS (公务员法 art. 95)."""
    return notified_on + timedelta(days=settings.objection_window_days)


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


def status_at(record: RecordFacts, as_of: date, settings: RuleSettings,
              combined_end: date | None = None) -> RecordStatus:
    """The status a record has at ``as_of`` by the passage of time alone (SPEC §4.4).

    notified → effective after the objection window; notified / under_objection /
    effective → expired the day after the (combined) end (政务处分法 art. 26); permanent
    records never expire; records without an end (通报) stay as they are; draft,
    revoked, exempted and repaired never change. A stored ``expired`` is recomputed from
    its dates, so evaluating a past date shows it effective within its period.
    """
    stored = RecordStatus(record.status)
    if stored in _FINAL_STATUSES:
        return stored
    end = record_end(record, combined_end)
    if stored is RecordStatus.EXPIRED:
        within = end is not None and record.decided_on <= as_of <= end
        return RecordStatus.EFFECTIVE if within else RecordStatus.EXPIRED
    status = stored
    if (stored is RecordStatus.NOTIFIED and record.notified_on is not None
            and as_of > objection_window_ends(record.notified_on, settings)):
        status = RecordStatus.EFFECTIVE
    if end is not None and as_of > end:
        return RecordStatus.EXPIRED
    return status


def restricts(record: RecordFacts, as_of: date, settings: RuleSettings,
              combined_end: date | None = None) -> bool:
    """Whether the record counts as effective dishonesty at ``as_of`` (SPEC §4.4):
    status notified / under_objection / effective, decided on or before ``as_of``, and
    permanent or not past its (combined) end."""
    if as_of < record.decided_on:
        return False
    if status_at(record, as_of, settings, combined_end) not in RESTRICTING_STATUSES:
        return False
    end = record_end(record, combined_end)
    return record.permanent or (end is not None and as_of <= end)


def record_label(record: RecordFacts) -> Text:
    """Short description: "政务处分·记过（2026年1月15日决定）" (a Text, translatable)."""
    category, day = Category(record.category), record.decided_on
    if record.sanction is not Sanction.NONE:
        sanction = Sanction(record.sanction)
        if record.item:
            return N_("%(category)s·%(sanction)s（%(item)s，%(day)s决定）",
                      category=category, sanction=sanction, item=record.item, day=day)
        return N_("%(category)s·%(sanction)s（%(day)s决定）", category=category, sanction=sanction, day=day)
    if record.item:
        return N_("%(category)s（%(item)s，%(day)s决定）", category=category, item=record.item, day=day)
    return N_("%(category)s（%(day)s决定）", category=category, day=day)


# --------------------------------------------------------------------------- evaluation

PROMOTION_SANCTIONS = frozenset(
    set(SANCTIONS_BY_CATEGORY[Category.DISCIPLINE_GOV])
    | set(SANCTIONS_BY_CATEGORY[Category.DISCIPLINE_PARTY])
    | {Sanction.ADMONITION, Sanction.SUSPENSION, Sanction.POST_ADJUSTMENT,
       Sanction.ORDERED_RESIGNATION, Sanction.DISMISSAL_FROM_POST, Sanction.DOWNGRADE})
_PURPOSE_KIND = {ReviewPurpose.PROMOTION: RestrictionKind.PROMOTION,
                 ReviewPurpose.AWARD: RestrictionKind.AWARD,
                 ReviewPurpose.HIRING: RestrictionKind.HIRING}


@dataclass(frozen=True)
class Restriction:
    kind: RestrictionKind
    reason: Text
    until: date | None
    record_id: int | None = None
    permanent: bool = False


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate`; ``record_status`` / ``record_ends`` are per record id."""
    status: IntegrityStatus
    restrictions: list[Restriction] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    record_status: dict[int, RecordStatus] = field(default_factory=dict)
    record_ends: dict[int, date] = field(default_factory=dict)

    def of_kind(self, kind: RestrictionKind) -> list[Restriction]:
        return [r for r in self.restrictions if r.kind is kind]

    def blocks(self, kind: RestrictionKind) -> bool:
        return any(r.kind is kind for r in self.restrictions)


def _until_text(end: date | None) -> Text:
    return N_("永久") if end is None else N_("至%(day)s", day=end)


def case_pending_at(case: CasePending, as_of: date) -> bool:
    """A case is pending from its start until the day before ``ended_on``."""
    return case.started_on <= as_of and (case.ended_on is None or as_of < case.ended_on)


def _restrictions_for_record(r: RecordFacts, end: date | None,
                             settings: RuleSettings) -> list[Restriction]:
    label, until = record_label(r), _until_text(end)
    out: list[Restriction] = []
    if r.sanction in PROMOTION_SANCTIONS:
        out.append(Restriction(RestrictionKind.PROMOTION,
                               N_("%(record)s处于影响期内（%(until)s），不得晋升职务职级（公职人员政务处分法第19条）",
                                  record=label, until=until),
                               end, r.id, r.permanent))
    out.append(Restriction(RestrictionKind.AWARD,
                           N_("%(record)s为有效失信记录（%(until)s），不得评优评先", record=label, until=until),
                           end, r.id, r.permanent))
    if Severity(r.severity) is Severity.SERIOUS:
        out.append(Restriction(RestrictionKind.HIRING, N_("%(record)s为有效的严重失信记录，不得录用", record=label),
                               end, r.id, r.permanent))
    elif r.item in settings.joint_punishment_items:
        out.append(Restriction(RestrictionKind.HIRING,
                               N_("%(record)s：被列为%(item)s，不得录用（公务员法第26条）", record=label, item=r.item),
                               end, r.id, r.permanent))
    return out


def _latest_appraisals(person: PersonFacts, as_of: date) -> dict[int, Grade]:
    return {a.year: Grade(a.grade) for a in sorted(person.appraisals, key=lambda a: a.year)
            if a.year <= as_of.year}


def _appraisal_restrictions(grades: dict[int, Grade], settings: RuleSettings) -> list[Restriction]:
    if not grades:
        return []
    year = max(grades)
    if grades[year] is Grade.INCOMPETENT:
        return [Restriction(RestrictionKind.PROMOTION,
                            N_("%(year)s年度考核为不称职，不得晋升职务职级（公务员法第50条）", year=year), None)]
    basic = Grade.BASICALLY_COMPETENT
    if settings.promotion_blocked_by_two_basic and grades[year] is basic and grades.get(year - 1) is basic:
        return [Restriction(RestrictionKind.PROMOTION,
                            N_("%(first)s、%(year)s年度考核连续为基本称职，不得晋升职务职级", first=year - 1, year=year),
                            None)]
    return []


def _case_restrictions(person: PersonFacts, as_of: date) -> list[Restriction]:
    out: list[Restriction] = []
    for case in person.cases:
        if case_pending_at(case, as_of):
            text = _case_text(case)
            out.append(Restriction(RestrictionKind.PROMOTION,
                                   N_("%(case)s，不得晋升（公职人员政务处分法第52条）", case=text), None))
            out.append(Restriction(RestrictionKind.AWARD,
                                   N_("%(case)s，不得奖励（公职人员政务处分法第52条）", case=text), None))
    return out


def _case_text(case: CasePending) -> Text:
    return N_("立案审查中（%(authority)s，%(day)s起）", authority=case.authority, day=case.started_on)


def _notes(records: list[RecordFacts], statuses: dict[int, RecordStatus], ends: dict[int, date],
           grades: dict[int, Grade], as_of: date, settings: RuleSettings) -> list[Text]:
    notes: list[Text] = []
    recent = add_months(as_of, -settings.attention_expired_months)
    for r in records:
        label, status = record_label(r), statuses[r.id]
        end = record_end(r, ends.get(r.id))
        if status is RecordStatus.REPAIRED:
            notes.append(N_("%(record)s已信用修复", record=label))
        elif status is RecordStatus.EXEMPTED:
            notes.append(N_("%(record)s已认定容错免责，不计为失信", record=label))
        elif status is RecordStatus.UNDER_OBJECTION:
            notes.append(N_("%(record)s异议处理中", record=label))
        elif status is RecordStatus.EXPIRED and end is not None and end >= recent:
            notes.append(N_("%(record)s影响期已于%(day)s届满解除（近%(months)s个月内）", record=label, day=end,
                            months=settings.attention_expired_months))
        period = restriction_period(r.category, r.sanction, r.severity, settings)
        if (status in RESTRICTING_STATUSES and period.kind != NONE and not r.permanent
                and r.restricted_until is None):
            notes.append(N_("%(record)s未设定影响期截止日期，请人事干部补充", record=label))
    latest = max(grades, default=None)
    if latest is not None and grades[latest] in (Grade.BASICALLY_COMPETENT, Grade.INCOMPETENT):
        notes.append(N_("%(year)s年度考核为%(grade)s", year=latest, grade=grades[latest]))
    notes.extend(N_("%(first)s、%(year)s年度考核连续不称职（公务员法第88条）", first=y - 1, year=y)
                 for y in consecutive_incompetent(AppraisalFacts(y, g) for y, g in grades.items()))
    return notes


def evaluate(person: PersonFacts, as_of: date, settings: RuleSettings) -> Evaluation:
    """Integrity status, restrictions and notes of a person at ``as_of`` (SPEC §4.7).

    Records decided after ``as_of``, appraisals of later years and cases not yet started
    are ignored, so a past date is evaluated as it was.
    """
    records = [r for r in person.records if r.decided_on <= as_of]
    ends = combined_ends(records, settings)
    statuses = {r.id: status_at(r, as_of, settings, ends.get(r.id)) for r in records}
    restricting = [r for r in records if restricts(r, as_of, settings, ends.get(r.id))]
    grades = _latest_appraisals(person, as_of)
    restrictions: list[Restriction] = []
    for r in restricting:
        restrictions += _restrictions_for_record(r, record_end(r, ends.get(r.id)), settings)
    restrictions += _appraisal_restrictions(grades, settings)
    restrictions += _case_restrictions(person, as_of)
    if any(Severity(r.severity) is Severity.SERIOUS for r in restricting):
        status = IntegrityStatus.SERIOUS
    else:
        status = IntegrityStatus.RESTRICTED if restricting else IntegrityStatus.GOOD
    return Evaluation(status, restrictions, _notes(records, statuses, ends, grades, as_of, settings),
                      statuses, ends)


def verdict(purpose: ReviewPurpose, evaluation: Evaluation, person: PersonFacts, as_of: date,
            settings: RuleSettings) -> tuple[Verdict, list[Text]]:
    """Eligibility for a review purpose (SPEC §8 with §4.7).

    ``ineligible`` with the reasons of the purpose's restrictions; else ``attention`` with
    what a committee must weigh (evaluation notes, restricting records that do not bar
    this purpose, a pending case for hiring); else ``eligible``.
    """
    kind = _PURPOSE_KIND[ReviewPurpose(purpose)]
    barring = evaluation.of_kind(kind)
    if barring:
        return Verdict.INELIGIBLE, list(dict.fromkeys(r.reason for r in barring))
    reasons = list(evaluation.notes)
    ends = evaluation.record_ends
    for r in person.records:
        if r.decided_on <= as_of and restricts(r, as_of, settings, ends.get(r.id)):
            reasons.append(N_("%(record)s为有效失信记录（不直接限制%(purpose)s，需综合考虑）",
                              record=record_label(r), purpose=ReviewPurpose(purpose)))
    if kind is RestrictionKind.HIRING:
        reasons += [_case_text(c) for c in person.cases if case_pending_at(c, as_of)]
    if reasons:
        return Verdict.ATTENTION, list(dict.fromkeys(reasons))
    return Verdict.ELIGIBLE, []


# --------------------------------------------------------------------------- appraisal


@dataclass(frozen=True)
class AppraisalWarning:
    code: str  # "not_excellent" | "must_be_ungraded"
    message: Text
    record_id: int | None = None


NOT_EXCELLENT = "not_excellent"
MUST_BE_UNGRADED = "must_be_ungraded"
#: LAW-NOTES §7.3: sanction → years affected (0 = the decision year, 1 = also the next).
_NOT_EXCELLENT_SANCTIONS = frozenset(
    {Sanction.WARNING, Sanction.ADMONITION, Sanction.POST_ADJUSTMENT})
_UNGRADED_YEARS = {Sanction.DEMERIT: 0, Sanction.DISMISSAL_FROM_POST: 0, Sanction.DOWNGRADE: 0,
                   Sanction.MAJOR_DEMERIT: 1, Sanction.DEMOTION: 1, Sanction.REMOVAL: 1}


def appraisal_warnings(year: int, grade: Grade, records: Iterable[RecordFacts],
                       settings: RuleSettings) -> list[AppraisalWarning]:
    """Entry checks of an annual grade against the year's sanctions (SPEC §4.1).

    政务警告, 诫勉, 调整职务 in the year → not 优秀; 记过, 免职, 降职 in the year → 不定等次;
    记大过, 降级, 撤职 → 不定等次 that year and the next. Revoked and exempted records do
    not count. ``settings`` is accepted for a uniform signature.
    """
    grade = Grade(grade)
    out: list[AppraisalWarning] = []
    for r in records:
        if RecordStatus(r.status) in (RecordStatus.REVOKED, RecordStatus.EXEMPTED):
            continue
        label, lag = record_label(r), year - r.decided_on.year
        span = _UNGRADED_YEARS.get(r.sanction)
        if span is not None and 0 <= lag <= span and grade is not Grade.UNGRADED:
            when = N_("当年度") if lag == 0 else N_("次年度（%(year)s年）", year=year)
            out.append(AppraisalWarning(MUST_BE_UNGRADED,
                                        N_("受%(record)s，%(when)s应不定等次（只写评语）", record=label, when=when), r.id))
        elif r.sanction in _NOT_EXCELLENT_SANCTIONS and lag == 0 and grade is Grade.EXCELLENT:
            out.append(AppraisalWarning(NOT_EXCELLENT,
                                        N_("受%(record)s，%(year)s年度不得评为优秀", record=label, year=year), r.id))
    return out


def excellent_quota_exceeded(excellent: int, graded: int, settings: RuleSettings) -> bool:
    """Whether 优秀 exceeds the quota (strictly above, default 20%) of graded people."""
    return graded > 0 and Decimal(excellent) > settings.excellent_quota * graded


def consecutive_incompetent(appraisals: Iterable[AppraisalFacts]) -> list[int]:
    """Years Y with 不称职 in both Y-1 and Y (公务员法 art. 88: grounds for dismissal)."""
    bad = {a.year for a in appraisals if Grade(a.grade) is Grade.INCOMPETENT}
    return sorted(y for y in bad if y - 1 in bad)


def appraisal_year_for_coverage(as_of: date) -> int:
    """The appraisal year whose result coverage expects at ``as_of`` (SPEC §7: last year)."""
    return as_of.year - 1


# --------------------------------------------------------------------------- credit repair


@dataclass(frozen=True)
class Condition:
    code: str
    met: bool
    message: Text


_STATUS_PROBLEMS = {
    RecordStatus.DRAFT: N_("记录尚未告知，不能申请修复"),
    RecordStatus.NOTIFIED: N_("记录尚在告知期，生效后方可申请修复"),
    RecordStatus.UNDER_OBJECTION: N_("记录异议处理中，异议处理完毕后方可申请修复"),
    RecordStatus.REVOKED: N_("记录已撤销，无需修复"),
    RecordStatus.EXEMPTED: N_("记录已容错免责，无需修复"),
    RecordStatus.EXPIRED: N_("记录影响期已届满解除，无需修复"),
    RecordStatus.REPAIRED: N_("记录已修复"),
}


def repair_conditions(record: RecordFacts, as_of: date, repair_course_dates: Iterable[date],
                      repair_pledge_dates: Iterable[date], last_rejected_on: date | None,
                      settings: RuleSettings, combined_end: date | None = None) -> list[Condition]:
    """Conditions of a credit-repair application (SPEC §4.6), in API order: ``status``,
    ``category``, ``waiting_period``, ``repair_training``, ``repair_pledge``, plus
    ``reapply_wait`` only while a rejection is less than REPAIR_REAPPLY_DAYS old.
    Course and pledge dates count when on or after the decision and not after ``as_of``."""
    decided = record.decided_on
    status = status_at(record, as_of, settings, combined_end)
    excluded = record.permanent or record.sanction in settings.non_repairable_sanctions
    months = settings.repair_min_months(record.severity)
    earliest = add_months(decided, months)
    trained = any(decided <= d <= as_of for d in repair_course_dates)
    pledged = any(decided <= d <= as_of for d in repair_pledge_dates)
    wait = {"months": months, "severity": Severity(record.severity), "day": earliest}
    conditions = [
        Condition("status", status is RecordStatus.EFFECTIVE,
                  N_("记录已生效") if status is RecordStatus.EFFECTIVE else _STATUS_PROBLEMS[status]),
        Condition("category", not excluded,
                  N_("该类记录可以申请修复") if not excluded
                  else N_("%(record)s属开除或永久影响，不适用信用修复", record=record_label(record))),
        Condition("waiting_period", as_of >= earliest,
                  N_("自决定之日起须满%(months)s个月（%(severity)s），%(day)s起可申请，已满足", **wait)
                  if as_of >= earliest else
                  N_("自决定之日起须满%(months)s个月（%(severity)s），%(day)s起可申请，尚未届满", **wait)),
        Condition("repair_training", trained,
                  N_("已完成信用修复培训") if trained
                  else N_("尚未完成信用修复培训：须在决定之日（%(day)s）或之后完成一门信用修复培训课程", day=decided)),
        Condition("repair_pledge", pledged,
                  N_("已签署信用修复承诺") if pledged
                  else N_("尚未签署信用修复承诺：须在决定之日（%(day)s）或之后签署信用修复承诺书", day=decided)),
    ]
    if last_rejected_on is not None:
        again = last_rejected_on + timedelta(days=settings.repair_reapply_days)
        if as_of < again:
            conditions.append(Condition(
                "reapply_wait", False,
                N_("上次申请于%(rejected)s被驳回，%(again)s起方可再次申请", rejected=last_rejected_on, again=again)))
    return conditions


def repair_eligible(conditions: Iterable[Condition]) -> bool:
    return all(c.met for c in conditions)


# --------------------------------------------------------------------------- deadlines


def objection_due(filed_on: date, settings: RuleSettings) -> date:
    """Decision deadline of an objection: OBJECTION_DEADLINE_DAYS calendar days (公务员法 art. 95)."""
    return filed_on + timedelta(days=settings.objection_deadline_days)


def is_working_day(day: date, holidays: Collection[date] = (),
                   workdays: Collection[date] = ()) -> bool:
    """Mon-Fri except ``holidays``; ``workdays`` are make-up working days (调休) on weekends."""
    return day in workdays or (day.weekday() < 5 and day not in holidays)


def repair_due(filed_on: date, settings: RuleSettings, holidays: Iterable[date] = (),
               workdays: Iterable[date] = ()) -> date:
    """Decision deadline of a repair: the REPAIR_DECISION_WORKING_DAYS-th working day after
    filing (SPEC §4.6), skipping weekends and ``holidays``."""
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    day, counted = filed_on, 0
    while counted < settings.repair_decision_working_days:
        day += timedelta(days=1)
        counted += is_working_day(day, holidays, workdays)
    return day


# --------------------------------------------------------------------------- disclosure, pledges


def disclosure_visible(record: RecordFacts, as_of: date, settings: RuleSettings,
                       combined_end: date | None = None) -> bool:
    """Whether a record is on the public disclosure page (信用公示, SPEC §12): disclosable,
    restricting, and within DISCLOSURE_MAX_MONTHS of the decision (一般 1 year, 严重 3)."""
    limit = add_months(record.decided_on, settings.disclosure_max_months(record.severity))
    return record.disclosable and as_of <= limit and restricts(record, as_of, settings, combined_end)


def has_valid_pre_appointment_pledge(signed_dates: Iterable[date], appointed_on: date | None,
                                     entry_date: date) -> bool:
    """A pre-appointment pledge signed on or after the appointment to the current post
    (or the entry date when there is no appointment date) (SPEC §5)."""
    since = appointed_on or entry_date
    return any(d >= since for d in signed_dates)
