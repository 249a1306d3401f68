"""Effects of sanctions on the annual appraisal (docs/rules.md §4.1)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from archive.enums import (
    Grade,
    RecordStatus,
    Sanction,
)
from archive.rules.facts import AppraisalFacts, RecordFacts, record_label
from core.text import N_, Text

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings


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
