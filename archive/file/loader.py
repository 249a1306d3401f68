"""Reading a file: one person's whole file in a fixed number of queries, its evaluation
(docs/rules.md §4.7) and the registration check (docs/rules.md §4: 档案已建立).

Public names are re-exported by archive/file/services.py; other packages import them
from there (``from archive.file.services import load_file, evaluate_person, ...``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from archive import rules
from archive.enums import Category, Grade, RecordStatus, Sanction, Severity
from archive.file.models import (
    Appraisal,
    AppraisalVersion,
    ArchiveFile,
    Award,
    CaseFlag,
    Complaint,
    MatterCheck,
    Objection,
    ObjectionStatus,
    Record,
    RecordVersion,
)
from core import clock, wiring
from core.extensions import db
from core.text import N_

if TYPE_CHECKING:
    from core.registry.models import Person

#: Other packages add the sections of the file they own (docs/rules.md §4: pledges, training,
#: credit repairs) from their register(): ``wiring.register(wiring.FILE_SECTION, "pledges",
#: fn(person, as_of) -> JSON-able data)``; the factory's start-up check refuses to start without
#: them. load_file() calls each registered function once; when a key is not registered the
#: section is EMPTY_SECTIONS[key](as_of) (an honest "nothing known": [] or meets=None).
FILE_SECTIONS: dict[str, Callable] = wiring.table(wiring.FILE_SECTION)
EMPTY_SECTIONS: dict[str, Callable[[date], object]] = {
    "pledges": lambda as_of: [],
    "training": lambda as_of: {"year": as_of.year, "meets": None},
    "repairs": lambda as_of: [],
}


FIELD_LABELS = {"status": "状态", "category": "类别", "sanction": "处分或处理", "item": "事项", "severity": "情节",
                "decided_on": "决定日期", "restricted_until": "影响期截止日期", "permanent": "永久影响",
                "authority": "决定机关", "document_no": "文号", "facts": "事实", "facts_private": "事实不公开",
                "disclosable": "可以公示", "notified_on": "告知日期", "revoked_reason": "撤销原因",
                "exempt_basis": "容错免责依据", "restricted_until_reason": "影响期调整理由"}
ACTION_LABELS = {"update": "修改", "notify": "告知", "exempt": "容错免责", "revoke": "撤销", "acknowledge": "本人确认",
                 "object": "提出异议", "uphold": "异议成立", "reject": "异议不成立", "correct": "异议更正",
                 "repair": "信用修复", "time": "按期限自动变更"}
# fields an act sets as part of itself: the event line says it (告知 on its date), not a field diff
_IMPLIED_BY_ACT = {"notify": ("notified_on",), "exempt": ("exempt_basis",), "revoke": ("revoked_reason",),
                   "uphold": ("revoked_reason",)}
_ENUM_FIELDS = {"status": RecordStatus, "category": Category, "sanction": Sanction, "severity": Severity}


def _show(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if key in _ENUM_FIELDS:
        try:
            return _ENUM_FIELDS[key](value).zh
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "…"


def rule_settings() -> rules.RuleSettings:
    """The rule settings of the running app (config keys documented in archive/rules/)."""
    return rules.RuleSettings.from_mapping(current_app.config)


# --------------------------------------------------------------------------- facts

def person_facts(records: Iterable[Record], appraisals: Iterable[Appraisal],
                 cases: Iterable[CaseFlag], dismissed_on: date | None = None) -> rules.PersonFacts:
    return rules.PersonFacts(records=tuple(r.facts_for_rules() for r in records),
                             appraisals=tuple(rules.AppraisalFacts(a.year, a.grade) for a in appraisals),
                             cases=tuple(c.facts_for_rules() for c in cases), dismissed_on=dismissed_on)


def dismissed_dates(person_ids: Iterable[int]) -> dict[int, date]:
    """``{person_id: date}`` of the latest change to 辞退 of the people now dismissed (hiring bar
    of docs/rules.md §4.7: 辞退 less than 5 years ago). One query."""
    from core.enums import PersonStatus
    from core.registry.models import Person, PersonChange
    ids = list(set(person_ids))
    out: dict[int, date] = {}
    for chunk in range(0, len(ids), 1000):
        rows = db.session.execute(
            db.select(PersonChange.person_id, PersonChange.changed_at, PersonChange.changes)
            .join(Person, Person.id == PersonChange.person_id)
            .where(PersonChange.person_id.in_(ids[chunk:chunk + 1000]), PersonChange.action == "status",
                   Person.status == PersonStatus.DISMISSED).order_by(PersonChange.changed_at)).all()
        for pid, at, changes in rows:
            if (changes or {}).get("status", [None, None])[-1] == PersonStatus.DISMISSED.value and at is not None:
                out[pid] = at.date()
    return out


def _dismissed_on(person) -> date | None:
    if getattr(getattr(person, "status", None), "value", None) != "dismissed":
        return None
    return dismissed_dates([person.id]).get(person.id)


def _rows(model, person_id: int, *order):
    return db.session.execute(db.select(model).where(model.person_id == person_id).order_by(*order)).scalars().all()


def evaluate_person(person, as_of: date | None = None) -> rules.Evaluation:
    """``rules.Evaluation`` of one person at ``as_of`` (default today): integrity status,
    restrictions (kind, reason, until), notes, per-record status and combined ends. 3 queries."""
    as_of = as_of or clock.today()
    facts = person_facts(_rows(Record, person.id, Record.id), _rows(Appraisal, person.id, Appraisal.year),
                         _rows(CaseFlag, person.id, CaseFlag.id), _dismissed_on(person))
    return rules.evaluate(facts, as_of, rule_settings())


def facts_of_people(person_ids: Iterable[int]) -> dict[int, rules.PersonFacts]:
    """``{person_id: rules.PersonFacts}`` for many people in 3 queries (reviews, exports)."""
    ids = list(set(person_ids))
    recs, apps, cases = defaultdict(list), defaultdict(list), defaultdict(list)
    for chunk in range(0, len(ids), 1000):
        part = ids[chunk:chunk + 1000]
        for r in db.session.execute(db.select(Record).where(Record.person_id.in_(part))).scalars():
            recs[r.person_id].append(r)
        for a in db.session.execute(db.select(Appraisal).where(Appraisal.person_id.in_(part))).scalars():
            apps[a.person_id].append(a)
        for c in db.session.execute(db.select(CaseFlag).where(CaseFlag.person_id.in_(part))).scalars():
            cases[c.person_id].append(c)
    dismissed = dismissed_dates(ids)
    return {pid: person_facts(recs[pid], apps[pid], cases[pid], dismissed.get(pid)) for pid in ids}


def evaluate_people(person_ids: Iterable[int], as_of: date | None = None) -> dict[int, rules.Evaluation]:
    """``{person_id: rules.Evaluation}`` at ``as_of`` for many people (3 queries per 1,000)."""
    as_of, settings = as_of or clock.today(), rule_settings()
    return {pid: rules.evaluate(f, as_of, settings) for pid, f in facts_of_people(person_ids).items()}


# --------------------------------------------------------------------------- the whole file

@dataclass
class FileData:
    """Everything of one person's file, loaded by :func:`load_file`.

    ``records`` are those decided on or before ``as_of``; ``record_status[id]`` is each
    one's status at ``as_of`` and ``record_ends[id]`` its (combined) last restricting day;
    ``evaluation`` is ``rules.evaluate`` at ``as_of``. ``users`` maps user ids to display
    names; ``sections`` holds the registered FILE_SECTIONS (pledges, training, repairs).
    """
    person: Person
    as_of: date
    archive_file: ArchiveFile | None
    appraisals: list[Appraisal]
    appraisal_versions: dict[int, list[AppraisalVersion]]
    awards: list[Award]
    matter_checks: list[MatterCheck]
    records: list[Record]
    record_versions: dict[int, list[RecordVersion]]
    objections: list[Objection]
    complaints: list[Complaint]
    cases: list[CaseFlag]
    attachments: dict[tuple[str, int], list]
    users: dict[int, str]
    facts: rules.PersonFacts
    evaluation: rules.Evaluation
    settings: rules.RuleSettings
    sections: dict[str, object] = field(default_factory=dict)

    @property
    def established(self) -> bool:
        return bool(self.archive_file and self.archive_file.established)

    def status_of(self, record: Record) -> RecordStatus:
        return self.evaluation.record_status.get(record.id, record.status)

    def end_of(self, record: Record) -> date | None:
        if record.permanent:
            return None
        return self.evaluation.record_ends.get(record.id, record.restricted_until)

    def objection_window_ends(self, record: Record) -> date | None:
        return rules.objection_window_ends(record.notified_on, self.settings) if record.notified_on else None

    def objections_of(self, record: Record) -> list[Objection]:
        return [o for o in self.objections if o.record_id == record.id]

    def pending_objection(self, record: Record) -> Objection | None:
        return next((o for o in self.objections if o.record_id == record.id
                     and o.status is ObjectionStatus.PENDING), None)

    def complaints_of(self, subject_type: str, subject_id: int) -> list[Complaint]:
        return [c for c in self.complaints if c.subject_type == subject_type and c.subject_id == subject_id]

    def history(self, record: Record) -> list[dict]:
        """Changes of a record as events, newest first: action, who, when, why, the status move
        ("草稿 → 已告知") and the other fields the act changed as (label, old, new).

        Each version row holds the state before its change, sometimes only part of it (the demo
        and imports keep just the status): a field a snapshot does not hold is taken as unchanged
        (the state before = the state after, overlaid with what the snapshot holds)."""
        after = record.snapshot()
        out = []
        for v in self.record_versions.get(record.id, []):
            before = {**after, **(v.snapshot or {})}
            moved = before.get("status") != after.get("status")
            transition = (_show("status", before.get("status")), _show("status", after.get("status"))) if moved else None
            implied = _IMPLIED_BY_ACT.get(v.action, ())
            changes = [(FIELD_LABELS.get(k, k), _show(k, before.get(k)), _show(k, after.get(k)))
                       for k in FIELD_LABELS
                       if k != "status" and k not in implied and before.get(k) != after.get(k)]
            out.append({"version": v.version, "action": ACTION_LABELS.get(v.action, v.action),
                        "who": self.user_name(v.changed_by_id), "when": v.changed_at, "reason": v.reason,
                        "transition": transition, "changes": changes})
            after = before
        return out

    def user_name(self, user_id: int | None) -> str:
        return self.users.get(user_id, "—") if user_id else "系统"

    @property
    def to_notify(self) -> list[Record]:
        return [r for r in self.records if r.status is RecordStatus.DRAFT]

    @property
    def overdue_objections(self) -> list[Objection]:
        return [o for o in self.objections if o.overdue(self.as_of)]

    @property
    def consecutive_incompetent(self) -> list[int]:
        return rules.consecutive_incompetent(rules.AppraisalFacts(a.year, a.grade) for a in self.appraisals)

    @property
    def cases_pending(self) -> list[CaseFlag]:
        return [c for c in self.cases if rules.case_pending_at(c.facts_for_rules(), self.as_of)]

    def timeline(self) -> list[tuple[date, str, str]]:
        """(date, kind, text) newest first: decisions, notifications, objections, appraisals, awards, cases."""
        items: list[tuple[date, str, str]] = []
        for r in self.records:
            label = rules.record_label(r.facts_for_rules())
            items.append((r.decided_on, "record", N_("作出决定：%(record)s", record=label)))
            if r.notified_on:
                items.append((r.notified_on, "notify", N_("告知本人：%(record)s", record=label)))
            end = self.end_of(r)
            if self.status_of(r) is RecordStatus.EXPIRED and end:
                items.append((end, "expire", N_("影响期届满：%(record)s", record=label)))
        for o in self.objections:
            items.append((o.filed_on, "objection", N_("提出异议")))
            if o.decided_on:
                items.append((o.decided_on, "decision", N_("异议处理：%(status)s", status=o.status)))
        for a in self.appraisals:
            items.append((date(a.year, 12, 31), "appraisal", N_("%(year)s年度考核：%(grade)s", year=a.year, grade=a.grade)))
        for w in self.awards:
            items.append((w.awarded_on, "award", N_("%(kind)s：%(title)s", kind=w.kind, title=w.title)))
        for c in self.cases:
            items.append((c.started_on, "case", N_("立案审查（%(authority)s）", authority=c.authority)))
            if c.ended_on:
                items.append((c.ended_on, "case", N_("立案审查结束")))
        return sorted((i for i in items if i[0] <= self.as_of), key=lambda i: i[0], reverse=True)


def load_file(person, as_of: date | None = None, *, include_drafts: bool = True) -> FileData:
    """The whole file of ``person`` at ``as_of`` (default today) -> :class:`FileData`.

    ``include_drafts=False`` leaves out records not yet notified (the person's own view
    and committees: a draft is HR's work in progress).
    A fixed number of queries whatever the number of rows (one per table, plus one for
    user names, plus whatever the registered FILE_SECTIONS functions run).
    """
    from core.accounts.models import User
    from core.files import Attachment
    as_of = as_of or clock.today()
    settings = rule_settings()
    pid = person.id
    archive_file = db.session.execute(db.select(ArchiveFile).filter_by(person_id=pid)).scalar_one_or_none()
    appraisals = _rows(Appraisal, pid, Appraisal.year.desc())
    appraisal_versions: dict[int, list] = defaultdict(list)
    for v in _rows(AppraisalVersion, pid, AppraisalVersion.changed_at.desc(), AppraisalVersion.id.desc()):
        appraisal_versions[v.appraisal_id].append(v)
    awards = _rows(Award, pid, Award.awarded_on.desc(), Award.id.desc())
    checks = _rows(MatterCheck, pid, MatterCheck.year.desc())
    all_records = _rows(Record, pid, Record.decided_on.desc(), Record.id.desc())
    record_versions: dict[int, list] = defaultdict(list)
    for v in _rows(RecordVersion, pid, RecordVersion.id.desc()):
        record_versions[v.record_id].append(v)
    objections = _rows(Objection, pid, Objection.filed_on.desc(), Objection.id.desc())
    complaints = _rows(Complaint, pid, Complaint.filed_on.desc(), Complaint.id.desc())
    cases = _rows(CaseFlag, pid, CaseFlag.started_on.desc())
    attachments: dict[tuple[str, int], list] = defaultdict(list)
    for att in db.session.execute(db.select(Attachment).where(
            Attachment.person_id == pid, Attachment.owner_type.in_(("record", "objection")))
            .order_by(Attachment.id)).scalars():
        attachments[(att.owner_type, att.owner_id)].append(att)
    records = [r for r in all_records if r.decided_on <= as_of
               and (include_drafts or r.status is not RecordStatus.DRAFT)]
    user_ids = {x for x in [archive_file.established_by_id if archive_file else None]
                + [a.entered_by_id for a in appraisals] + [r.entered_by_id for r in records]
                + [o.decided_by_id for o in objections] + [o.filed_by_id for o in objections]
                + [c.answered_by_id for c in complaints]
                + [v.changed_by_id for vs in record_versions.values() for v in vs]
                + [v.changed_by_id for vs in appraisal_versions.values() for v in vs] if x}
    users = dict(db.session.execute(db.select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
    facts = person_facts(records, appraisals, cases, _dismissed_on(person))
    evaluation = rules.evaluate(facts, as_of, settings)
    data = FileData(person=person, as_of=as_of, archive_file=archive_file, appraisals=appraisals,
                    appraisal_versions=appraisal_versions, awards=awards, matter_checks=checks, records=records,
                    record_versions=record_versions, objections=objections, complaints=complaints, cases=cases,
                    attachments=attachments, users=users, facts=facts, evaluation=evaluation, settings=settings)
    for key, empty in EMPTY_SECTIONS.items():
        data.sections[key] = FILE_SECTIONS[key](person, as_of) if key in FILE_SECTIONS else empty(as_of)
    for key, fn in FILE_SECTIONS.items():
        if key not in data.sections:
            data.sections[key] = fn(person, as_of)
    return data


# --------------------------------------------------------------------------- establishment

@dataclass(frozen=True)
class MissingItem:
    code: str
    label: str


#: Registration items of a file (docs/rules.md §4 "established when its registration items are
#: complete"): code -> Chinese label. Identity and department are required by the registry
#: itself; post, rank and entry date can be left blank there. Last year's appraisal is
#: required unless the person entered service this year (nothing to appraise yet); the
#: personal-matters report check is required of leading cadres only (领导干部个人有关事项报告).
REGISTRATION_ITEMS = {
    "id_number": N_("公民身份号码"),
    "department": N_("所在单位"),
    "post": N_("职务"),
    "rank": N_("职级"),
    "entry_date": N_("录用日期"),
    "appraisal": N_("上一年度考核结果"),
    "matter_check": N_("个人有关事项报告查核情况（领导干部）"),
}


def established_missing_items(person, as_of: date | None = None) -> list[MissingItem]:
    """The registration items still missing for ``person`` (empty list: complete).

    -> ``list[MissingItem(code, label)]`` with codes from REGISTRATION_ITEMS. Two
    existence queries, no loading of rows.
    """
    as_of = as_of or clock.today()
    missing = [code for code, ok in (("id_number", bool(person.id_masked)), ("department", bool(person.department_id)),
                                     ("post", bool((person.post or "").strip())),
                                     ("rank", bool((person.rank or "").strip())),
                                     ("entry_date", person.entry_date is not None)) if not ok]
    year = rules.appraisal_year_for_coverage(as_of)
    if person.entry_date is not None and person.entry_date.year <= year:
        has = db.session.execute(db.select(sa.literal(1)).where(
            Appraisal.person_id == person.id, Appraisal.year == year)).first()
        if not has:
            missing.append("appraisal")
    if person.leading:
        has = db.session.execute(db.select(sa.literal(1)).where(MatterCheck.person_id == person.id)).first()
        if not has:
            missing.append("matter_check")
    return [MissingItem(code, REGISTRATION_ITEMS[code]) for code in missing]


def grades_of(appraisals: Iterable[Appraisal]) -> dict[int, Grade]:
    return {a.year: a.grade for a in appraisals}
