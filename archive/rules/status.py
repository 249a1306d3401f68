"""Status of a record at a date, restrictions and the evaluation of a file (docs/rules.md §4.7)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    Category,
    Grade,
    IntegrityStatus,
    JudgmentKind,
    RecordStatus,
    RestrictionKind,
    Sanction,
    Severity,
)
from archive.rules.appraisal import consecutive_incompetent
from archive.rules.facts import (
    _FINAL_STATUSES,
    GIVEN_STATUSES,
    RESTRICTING_STATUSES,
    AppraisalFacts,
    CasePending,
    PersonFacts,
    RecordFacts,
    lifecycle_status,
    record_label,
)
from archive.rules.hiring import HIRING_BARS_BY_CODE, HiringBar
from archive.rules.periods import NONE, add_months, combined_ends, period_row, record_end, restriction_period
from core.text import N_, Text

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings


def objection_window_ends(notified_on: date, settings: RuleSettings) -> date:
    """Last day an objection can be filed: notification + OBJECTION_WINDOW_DAYS (公务员法 art. 95)."""
    return notified_on + timedelta(days=settings.objection_window_days)



def status_at(record: RecordFacts, as_of: date, settings: RuleSettings,
              combined_end: date | None = None) -> RecordStatus:
    """The status a record has at ``as_of`` (docs/rules.md §4.4, §4.7).

    First the stored status that day, from the dated state changes (notified,
    acknowledged, objected, objection decided, revoked, exempted, repaired:
    :func:`~archive.rules.facts.lifecycle_status`); then time: notified → effective after
    the objection window; notified / under_objection / effective → expired the day after
    the end of its chain (``combined_end``, 政务处分法 art. 26); permanent records never
    expire; records without an end (通报) stay as they are. A stored ``expired`` is
    recomputed from its dates, so a past date inside the period shows it effective.
    """
    stored = lifecycle_status(record, as_of)
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
    """Whether the record counts as effective dishonesty at ``as_of`` (docs/rules.md §4.4):
    status notified / under_objection / effective, decided on or before ``as_of``, and
    permanent or not past its (combined) end."""
    if as_of < record.decided_on:
        return False
    if status_at(record, as_of, settings, combined_end) not in RESTRICTING_STATUSES:
        return False
    end = record_end(record, combined_end)
    return record.permanent or (end is not None and as_of <= end)


# --------------------------------------------------------------------------- evaluation

PROMOTION_SANCTIONS = frozenset(
    set(SANCTIONS_BY_CATEGORY[Category.DISCIPLINE_GOV])
    | set(SANCTIONS_BY_CATEGORY[Category.DISCIPLINE_PARTY])
    | {Sanction.ADMONITION, Sanction.SUSPENSION, Sanction.POST_ADJUSTMENT,
       Sanction.ORDERED_RESIGNATION, Sanction.DISMISSAL_FROM_POST, Sanction.DOWNGRADE})

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


def _basis(r: RecordFacts) -> str:
    """The legal basis of a Party or accountability record's promotion restriction: the
    citation of its row of the period table (the right instrument, docs/rules.md §4.7)."""
    return period_row(r.category, r.sanction, r.severity, r.decided_on).citation


def _restrictions_for_record(r: RecordFacts, end: date | None,
                             settings: RuleSettings) -> list[Restriction]:
    label, until = record_label(r), _until_text(end)
    out: list[Restriction] = []
    if r.sanction in PROMOTION_SANCTIONS and Category(r.category) is Category.DISCIPLINE_GOV:
        out.append(Restriction(RestrictionKind.PROMOTION,
                               N_("%(record)s处于影响期内（%(until)s），不得晋升职务职级（公职人员政务处分法第19条）",
                                  record=label, until=until),
                               end, r.id, r.permanent))
    elif r.sanction in PROMOTION_SANCTIONS:   # a Party sanction or an accountability measure: its own instrument
        out.append(Restriction(RestrictionKind.PROMOTION,
                               N_("%(record)s处于影响期内（%(until)s），不得晋升职务职级（%(basis)s）",
                                  record=label, until=until, basis=_basis(r)),
                               end, r.id, r.permanent))
    out.append(Restriction(RestrictionKind.AWARD,
                           N_("%(record)s为有效失信记录（%(until)s），不得评优评先", record=label, until=until),
                           end, r.id, r.permanent))
    if Category(r.category) in (Category.DISCIPLINE_GOV, Category.DISCIPLINE_PARTY):
        out.append(Restriction(RestrictionKind.HIRING,
                               N_("%(record)s尚未解除（%(until)s），不得录用（%(basis)s）",
                                  record=label, until=until, basis=HIRING_BARS_BY_CODE["unreleased_sanction"].citation),
                               end, r.id, r.permanent))
    elif Severity(r.severity) is Severity.SERIOUS:
        out.append(Restriction(RestrictionKind.HIRING, N_("%(record)s为有效的严重失信记录，不得录用", record=label),
                               end, r.id, r.permanent))
    elif r.item in settings.joint_punishment_items or r.judgment_kind == JudgmentKind.JUDGMENT_DEBTOR:
        out.append(Restriction(RestrictionKind.HIRING,
                               N_("%(record)s：被列为%(item)s，不得录用（公务员法第26条）", record=label,
                                  item=r.item or JudgmentKind.JUDGMENT_DEBTOR),
                               end, r.id, r.permanent))
    return out


def forever_bar(r: RecordFacts) -> HiringBar | None:
    """The for-ever hiring bar a record carries (公务员法 art. 26), whatever its severity."""
    if Category(r.category) is Category.JUDICIAL and r.judgment_kind == JudgmentKind.CRIMINAL:
        return HIRING_BARS_BY_CODE["criminal"]
    if Sanction(r.sanction) is Sanction.PARTY_EXPULSION:
        return HIRING_BARS_BY_CODE["party_expulsion"]
    if Sanction(r.sanction) is Sanction.EXPULSION:
        return HIRING_BARS_BY_CODE["expulsion"]
    return None


def _hiring_bars(person: PersonFacts, records: list[RecordFacts], as_of: date) -> list[Restriction]:
    """The bars of docs/rules.md §4.7 that do not come from a restricting record."""
    out: list[Restriction] = []
    for r in records:
        bar = forever_bar(r)
        if bar is not None and lifecycle_status(r, as_of) in GIVEN_STATUSES:
            out.append(Restriction(RestrictionKind.HIRING,
                                   N_("%(record)s：%(bar)s，终身不得录用（%(basis)s）", record=record_label(r),
                                      bar=bar.title, basis=bar.citation), None, r.id, True))
    for case in person.cases:
        if case_pending_at(case, as_of):
            out.append(Restriction(RestrictionKind.HIRING,
                                   N_("%(case)s，不得录用（%(basis)s）", case=_case_text(case),
                                      basis=HIRING_BARS_BY_CODE["case_pending"].citation), None))
    if person.dismissed_on is not None:
        until = add_months(person.dismissed_on, 60)
        if person.dismissed_on <= as_of <= until:
            out.append(Restriction(RestrictionKind.HIRING,
                                   N_("%(day)s被辞退未满五年（至%(until)s），不得录用（%(basis)s）",
                                      day=person.dismissed_on, until=until,
                                      basis=HIRING_BARS_BY_CODE["dismissed"].citation), until))
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
    """Integrity status, restrictions and notes of a person at ``as_of`` (docs/rules.md §4.7).

    Records decided after ``as_of``, appraisals of later years and cases not yet started
    are ignored, and every record's status is the one it had that day (its dated state
    changes), so a past date is evaluated exactly as it was.
    """
    records = [r for r in person.records if r.decided_on <= as_of]
    ends = combined_ends(records, settings, as_of)
    statuses = {r.id: status_at(r, as_of, settings, ends.get(r.id)) for r in records}
    restricting = [r for r in records if restricts(r, as_of, settings, ends.get(r.id))]
    grades = _latest_appraisals(person, as_of)
    restrictions: list[Restriction] = []
    for r in restricting:
        restrictions += _restrictions_for_record(r, record_end(r, ends.get(r.id)), settings)
    restrictions += _hiring_bars(person, records, as_of)
    restrictions += _appraisal_restrictions(grades, settings)
    restrictions += _case_restrictions(person, as_of)
    if any(Severity(r.severity) is Severity.SERIOUS for r in restricting):
        status = IntegrityStatus.SERIOUS
    else:
        status = IntegrityStatus.RESTRICTED if restricting else IntegrityStatus.GOOD
    return Evaluation(status, restrictions, _notes(records, statuses, ends, grades, as_of, settings),
                      statuses, ends)
