"""Effects of sanctions on the annual appraisal (docs/rules.md §4.1; LAW-NOTES §7.6) as data."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from archive.enums import Grade, RecordStatus, Sanction
from archive.rules.facts import AppraisalFacts, CasePending, RecordFacts, lifecycle_status, record_label
from archive.rules.periods import add_months
from core.text import N_, Text

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings

# effects, lightest to heaviest ("when several apply, the heaviest wins")
NOT_EXCELLENT = "not_excellent"          # any grade but 优秀
MUST_BE_UNGRADED = "must_be_ungraded"    # 不定等次 (comment only)
MUST_BE_INCOMPETENT = "must_be_incompetent"  # 不称职
EFFECT_WEIGHT = {NOT_EXCELLENT: 1, MUST_BE_UNGRADED: 2, MUST_BE_INCOMPETENT: 3}
EFFECT_TEXT = {NOT_EXCELLENT: "不得评为优秀", MUST_BE_UNGRADED: "不定等次", MUST_BE_INCOMPETENT: "定为不称职"}
#: codes of the other entry checks
CASE_PENDING = "case_pending"
IN_PROBATION = "in_probation"


@dataclass(frozen=True)
class AppraisalEffect:
    """One row of the §4.1 table: a sanction (and, for 留党察看, its probation in months)
    gives ``effects[0]`` in the year of the decision, ``effects[1]`` the next year, ..."""
    sanction: Sanction
    effects: tuple[str, ...]
    citation: str
    effective_from: date
    probation_months: int | None = None


_ZT = "组通字〔1998〕19号；公务员考核规定（2020）"
_ZT_FROM = date(2020, 12, 28)
APPRAISAL_EFFECTS: tuple[AppraisalEffect, ...] = (
    AppraisalEffect(Sanction.WARNING, (NOT_EXCELLENT,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.PARTY_WARNING, (NOT_EXCELLENT,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.ADMONITION, (NOT_EXCELLENT,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.POST_ADJUSTMENT, (NOT_EXCELLENT,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.DEMERIT, (MUST_BE_UNGRADED,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.PARTY_SERIOUS_WARNING, (MUST_BE_UNGRADED,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.ORDERED_RESIGNATION, (MUST_BE_UNGRADED,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.DISMISSAL_FROM_POST, (MUST_BE_UNGRADED,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.DOWNGRADE, (MUST_BE_UNGRADED,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.MAJOR_DEMERIT, (MUST_BE_UNGRADED, MUST_BE_UNGRADED), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.DEMOTION, (MUST_BE_UNGRADED, MUST_BE_UNGRADED), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.REMOVAL, (MUST_BE_UNGRADED, MUST_BE_UNGRADED), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.PARTY_POST_REMOVAL, (MUST_BE_INCOMPETENT,), _ZT, _ZT_FROM),
    AppraisalEffect(Sanction.PARTY_PROBATION, (MUST_BE_INCOMPETENT, MUST_BE_UNGRADED), _ZT, _ZT_FROM, 12),
    AppraisalEffect(Sanction.PARTY_PROBATION, (MUST_BE_INCOMPETENT, MUST_BE_UNGRADED, MUST_BE_UNGRADED),
                    _ZT, _ZT_FROM, 24),
    AppraisalEffect(Sanction.PARTY_EXPULSION, (MUST_BE_INCOMPETENT, MUST_BE_UNGRADED, MUST_BE_UNGRADED),
                    _ZT, _ZT_FROM),
)
#: the rows not tied to a sanction, for the 规则与依据 page
OTHER_APPRAISAL_EFFECTS: tuple[tuple[str, str, str], ...] = (
    ("立案审查中（考核时案件未结）", "不定等次；结案后可补定等次", "组通字〔1998〕19号；公职人员政务处分法第52条"),
    ("新录用人员试用期内（默认自录用之日起12个月）", "不定等次", "公务员考核规定（2020）第8条；公务员法第34条"),
)
PROBATION_MONTHS = 12   # 公务员法 art. 34: a recruit's probation is one year


def effect_of(record: RecordFacts, year: int) -> AppraisalEffect | None:
    """The row of APPRAISAL_EFFECTS that applies to ``record`` in appraisal ``year``."""
    lag = year - record.decided_on.year
    for row in APPRAISAL_EFFECTS:
        if row.sanction is not Sanction(record.sanction):
            continue
        if row.probation_months is not None and row.probation_months != (record.probation_months or 12):
            continue
        return row if 0 <= lag < len(row.effects) else None
    return None


@dataclass(frozen=True)
class AppraisalWarning:
    code: str  # NOT_EXCELLENT | MUST_BE_UNGRADED | MUST_BE_INCOMPETENT | CASE_PENDING | IN_PROBATION
    message: Text
    record_id: int | None = None


def _violates(effect: str, grade: Grade) -> bool:
    if effect == NOT_EXCELLENT:
        return grade is Grade.EXCELLENT
    if effect == MUST_BE_UNGRADED:
        return grade is not Grade.UNGRADED
    return grade is not Grade.INCOMPETENT


def appraisal_warnings(year: int, grade: Grade, records: Iterable[RecordFacts],
                       settings: RuleSettings | None = None, *, cases: Iterable[CasePending] = (),
                       entry_date: date | None = None, as_of: date | None = None) -> list[AppraisalWarning]:
    """Entry checks of an annual grade (docs/rules.md §4.1): the heaviest effect of the
    year's sanctions (APPRAISAL_EFFECTS: Party, government, organisational), a case
    pending at the appraisal (``as_of``, default the end of the year), a recruit in
    probation at the end of the year. Revoked, exempted and draft records do not count.
    ``settings`` is accepted for a uniform signature."""
    grade = Grade(grade)
    year_end = date(year, 12, 31)
    day = as_of or year_end
    out: list[AppraisalWarning] = []
    heaviest: tuple[int, str, RecordFacts] | None = None
    for r in records:
        if lifecycle_status(r, max(day, r.decided_on)) in (RecordStatus.REVOKED, RecordStatus.EXEMPTED,
                                                           RecordStatus.DRAFT):
            continue
        row = effect_of(r, year)
        if row is None:
            continue
        effect = row.effects[year - r.decided_on.year]
        if heaviest is None or EFFECT_WEIGHT[effect] > heaviest[0]:
            heaviest = (EFFECT_WEIGHT[effect], effect, r)
    if heaviest is not None and _violates(heaviest[1], grade):
        _, effect, r = heaviest
        lag = year - r.decided_on.year
        when = N_("当年度") if lag == 0 else N_("其后第%(n)s年（%(year)s年）", n=lag, year=year)
        out.append(AppraisalWarning(effect, N_("受%(record)s，%(when)s%(effect)s（%(basis)s）", record=record_label(r),
                                               when=when, effect=EFFECT_TEXT[effect], basis=_ZT), r.id))
    for case in cases:
        pending = case.started_on <= day and (case.ended_on is None or day < case.ended_on)
        if pending and grade is not Grade.UNGRADED:
            out.append(AppraisalWarning(CASE_PENDING, N_(
                "立案审查中（%(authority)s，%(day)s起），案件未结前应不定等次，结案后可补定等次",
                authority=case.authority, day=case.started_on)))
    if entry_date is not None and entry_date <= year_end < add_months(entry_date, PROBATION_MONTHS) \
            and grade is not Grade.UNGRADED:
        out.append(AppraisalWarning(IN_PROBATION, N_(
            "%(day)s录用，%(year)s年末仍在试用期内，应不定等次（公务员考核规定第8条）", day=entry_date, year=year)))
    return out


def excellent_quota_exceeded(excellent: int, to_be_graded: int, settings: RuleSettings) -> bool:
    """Whether 优秀 exceeds the quota (strictly above, default 20%) of the people TO BE
    GRADED in the department that year (not the results entered so far)."""
    return to_be_graded > 0 and Decimal(excellent) > settings.excellent_quota * to_be_graded


def consecutive_incompetent(appraisals: Iterable[AppraisalFacts]) -> list[int]:
    """Years Y with 不称职 in both Y-1 and Y (公务员法 art. 88: grounds for dismissal)."""
    bad = {a.year for a in appraisals if Grade(a.grade) is Grade.INCOMPETENT}
    return sorted(y for y in bad if y - 1 in bad)


def appraisal_year_for_coverage(as_of: date) -> int:
    """The appraisal year whose result coverage expects at ``as_of`` (docs/rules.md §7: last year)."""
    return as_of.year - 1
