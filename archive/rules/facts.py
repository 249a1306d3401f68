"""Plain facts the rules work on: records, appraisals, cases (no database)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from archive.enums import (
    Category,
    Grade,
    JudgmentKind,
    RecordStatus,
    Sanction,
    Severity,
)
from core.text import N_, Text

# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class RecordFacts:
    """A misconduct / dishonesty record (docs/rules.md §4.4). ``restricted_until`` is the last
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
    judgment_kind: JudgmentKind | None = None     # 司法判决 only
    probation_months: int | None = None           # 留党察看 only (12 or 24)
    # the dates of every state change, for an exact as-of (docs/rules.md §4.7)
    acknowledged_on: date | None = None
    objected_on: date | None = None               # the latest objection was filed
    objection_closed_on: date | None = None       # ... and decided
    revoked_on: date | None = None
    exempted_on: date | None = None
    repaired_on: date | None = None


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
    entry_date: date | None = None        # 录用: probation of a recruit (docs/rules.md §4.1)
    dismissed_on: date | None = None      # 辞退: no hiring for 5 years (docs/rules.md §4.7)

# --------------------------------------------------------------------------- record state

RESTRICTING_STATUSES = frozenset(
    {RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE})
_FINAL_STATUSES = frozenset(
    {RecordStatus.DRAFT, RecordStatus.REVOKED, RecordStatus.EXEMPTED, RecordStatus.REPAIRED})
_COMBINING_STATUSES = RESTRICTING_STATUSES | {RecordStatus.EXPIRED}
#: statuses in which a record counts as "ever given" (hiring bars for ever, docs/rules.md §4.7)
GIVEN_STATUSES = RESTRICTING_STATUSES | {RecordStatus.EXPIRED, RecordStatus.REPAIRED}


def lifecycle_status(record: RecordFacts, as_of: date) -> RecordStatus:
    """The stored status the record had at ``as_of``, from the dates of its state changes
    (docs/rules.md §4.7, exact as-of). Time alone (window, end of period) is applied by
    :func:`archive.rules.status.status_at`. A missing date (legacy rows) falls back to the
    stored status."""
    stored = RecordStatus(record.status)
    final_day = {RecordStatus.REVOKED: record.revoked_on, RecordStatus.EXEMPTED: record.exempted_on,
                 RecordStatus.REPAIRED: record.repaired_on}
    if stored in final_day:
        day = final_day[stored]
        if day is None or as_of >= day:
            return stored
        if stored is RecordStatus.EXEMPTED:
            return RecordStatus.DRAFT              # 容错免责 is only given to drafts
    elif stored is RecordStatus.DRAFT:
        return stored
    if record.notified_on is None:
        if stored in (RecordStatus.REVOKED,):
            return RecordStatus.DRAFT
        return RecordStatus.EFFECTIVE if stored is RecordStatus.REPAIRED else stored
    if as_of < record.notified_on:
        return RecordStatus.DRAFT
    if record.objected_on is not None and record.objected_on <= as_of and (
            record.objection_closed_on is None or as_of < record.objection_closed_on):
        return RecordStatus.UNDER_OBJECTION
    if stored is RecordStatus.UNDER_OBJECTION and record.objected_on is None:
        return stored
    if record.acknowledged_on is not None and record.acknowledged_on <= as_of:
        return RecordStatus.EFFECTIVE
    if stored is RecordStatus.EXPIRED:
        return stored
    return RecordStatus.NOTIFIED

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
