"""Plain facts the rules work on: records, appraisals, cases (no database)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from archive.enums import (
    Category,
    Grade,
    RecordStatus,
    Sanction,
    Severity,
)
from core.text import N_, Text

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

# --------------------------------------------------------------------------- record state

RESTRICTING_STATUSES = frozenset(
    {RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE})
_FINAL_STATUSES = frozenset(
    {RecordStatus.DRAFT, RecordStatus.REVOKED, RecordStatus.EXEMPTED, RecordStatus.REPAIRED})
_COMBINING_STATUSES = RESTRICTING_STATUSES | {RecordStatus.EXPIRED}

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
