"""API.md "The file" and the objection endpoints (plus record read/update, cases, complaints)."""
from __future__ import annotations

from datetime import date
from typing import Literal

import pydantic
from flask import current_app
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user

from archive import rules
from archive.enums import AwardKind, Category, Grade, JudgmentKind, MatterResult, RecordStatus, Sanction, Severity
from archive.file import cache, services, worklists
from archive.file.access import is_own_or_manages, require_case, require_complaint, require_objection, require_record
from archive.file.models import Appraisal, Award, CaseFlag, Complaint, MatterCheck, Objection, Record
from core import clock
from core.accounts.permissions import can_manage_person, is_own_person, require_person
from core.api import Body, PageQuery, Query, api_blueprint, api_route, page_of
from core.audit.services import record_event
from core.errors import NotFound
from core.extensions import db
from core.registry.api import person_json

bp = api_blueprint("file_api")


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- serializers

def appraisal_json(a: Appraisal, history=()) -> dict:
    return {"id": a.id, "person_id": a.person_id, "year": a.year, "grade": a.grade.value, "document_no": a.document_no,
            "notes": a.notes, "override_reason": a.override_reason, "version": a.version,
            "history": [{"old_grade": v.old_grade.value, "new_grade": v.new_grade.value,
                         "changed_at": v.changed_at.isoformat(), "changed_by_id": v.changed_by_id, "reason": v.reason}
                        for v in history]}


def award_json(w: Award) -> dict:
    return {"id": w.id, "person_id": w.person_id, "kind": w.kind.value, "title": w.title,
            "awarded_on": _d(w.awarded_on), "authority": w.authority, "document_no": w.document_no}


def matter_check_json(c: MatterCheck) -> dict:
    return {"id": c.id, "person_id": c.person_id, "year": c.year, "result": c.result.value, "notes": c.notes,
            "record_id": c.record_id}


def record_json(r: Record, status: RecordStatus | None = None, end: date | None = None, versions: int | None = None,
                settings: rules.RuleSettings | None = None) -> dict:
    """A record; ``status`` is its status at the evaluation date (default: stored status).
    ``restricted_until`` is the record's own end, ``restricts_until`` the end of the chain it
    belongs to (``end``, default the stored chain end; docs/rules.md §4.4)."""
    settings = settings or services.rule_settings()
    window = rules.objection_window_ends(r.notified_on, settings) if r.notified_on else None
    chain_end = None if r.permanent else (end or r.chain_end())
    return {"id": r.id, "person_id": r.person_id, "category": r.category.value, "sanction": r.sanction.value,
            "item": r.item, "severity": r.severity.value, "decided_on": _d(r.decided_on),
            "restricted_until": None if r.permanent else _d(r.restricted_until),
            "restricts_until": _d(chain_end), "chained": bool(chain_end and chain_end != r.restricted_until),
            "own_restricted_until": _d(r.restricted_until), "permanent": r.permanent,
            "judgment_kind": r.judgment_kind.value if r.judgment_kind else None,
            "probation_months": r.probation_months, "objected_on": _d(r.objected_on),
            "objection_closed_on": _d(r.objection_closed_on), "revoked_on": _d(r.revoked_on),
            "exempted_on": _d(r.exempted_on), "repaired_on": _d(r.repaired_on), "repair_review": r.repair_review,
            "restricted_until_reason": r.restricted_until_reason, "authority": r.authority,
            "document_no": r.document_no, "facts": r.facts, "facts_private": r.facts_private,
            "disclosable": r.disclosable, "status": (status or r.status).value, "stored_status": r.status.value,
            "label": rules.record_label(r.facts_for_rules()), "notified_on": _d(r.notified_on),
            "objection_window_ends": _d(window), "acknowledged_on": _d(r.acknowledged_on),
            "revoked_reason": r.revoked_reason, "exempt_basis": r.exempt_basis, "source": r.source,
            "entered_by_id": r.entered_by_id, "version": r.version, "versions": versions}


def objection_json(o: Objection) -> dict:
    return {"id": o.id, "record_id": o.record_id, "person_id": o.person_id, "filed_by_id": o.filed_by_id,
            "reasons": o.reasons, "filed_on": _d(o.filed_on), "due_on": _d(o.due_on), "status": o.status.value,
            "overdue": o.overdue(clock.today()), "decided_by_id": o.decided_by_id, "decided_on": _d(o.decided_on),
            "decision_reason": o.decision_reason, "corrected": o.corrected, "late_reason": o.late_reason,
            "version": o.version}


def complaint_json(c: Complaint) -> dict:
    return {"id": c.id, "person_id": c.person_id, "subject_type": c.subject_type, "subject_id": c.subject_id,
            "text": c.text, "filed_on": _d(c.filed_on), "status": c.status.value, "answer": c.answer,
            "answered_on": _d(c.answered_on), "handler_department_id": c.handler_department_id, "version": c.version}


def case_json(c: CaseFlag) -> dict:
    return {"id": c.id, "person_id": c.person_id, "started_on": _d(c.started_on), "authority": c.authority,
            "ended_on": _d(c.ended_on), "notes": c.notes, "version": c.version}


def restriction_json(r: rules.Restriction) -> dict:
    return {"kind": r.kind.value, "reason": r.reason, "until": _d(r.until), "permanent": r.permanent,
            "record_id": r.record_id}


def file_json(data: services.FileData) -> dict:
    ev = data.evaluation
    af = data.archive_file
    return {
        "person": person_json(data.person), "as_of": data.as_of.isoformat(), "established": data.established,
        "established_at": af.established_at.isoformat() if af and af.established_at else None,
        "integrity_status": ev.status.value, "restrictions": [restriction_json(r) for r in ev.restrictions],
        "notes": list(ev.notes),
        "appraisals": [appraisal_json(a, data.appraisal_versions.get(a.id, ())) for a in data.appraisals],
        "awards": [award_json(w) for w in data.awards],
        "matter_checks": [matter_check_json(c) for c in data.matter_checks],
        "records": [record_json(r, data.status_of(r), data.end_of(r), len(data.record_versions.get(r.id, ())),
                                data.settings) for r in data.records],
        "objections": [objection_json(o) for o in data.objections],
        "complaints": [complaint_json(c) for c in data.complaints],
        "cases": [case_json(c) for c in data.cases],
        "pledges": data.sections["pledges"], "training": data.sections["training"],
        "repairs": data.sections["repairs"],
    }


def _record_out(record: Record, person) -> dict:
    ev = services.evaluate_person(person)
    return record_json(record, ev.record_status.get(record.id, record.status),
                       None if record.permanent else ev.record_ends.get(record.id))


# --------------------------------------------------------------------------- bodies

class FileQuery(Query):
    as_of: date | None = None


class AppraisalIn(Body):
    year: int = pydantic.Field(ge=1950, le=2200)
    grade: Grade
    document_no: str | None = pydantic.Field(None, max_length=100)
    notes: str | None = pydantic.Field(None, max_length=1000)
    correct: bool = False
    reason: str | None = pydantic.Field(None, max_length=500)
    override_reason: str | None = pydantic.Field(None, max_length=500)


class AwardIn(Body):
    kind: AwardKind
    title: str = pydantic.Field(min_length=1, max_length=200)
    awarded_on: date
    authority: str = pydantic.Field(min_length=1, max_length=200)
    document_no: str | None = pydantic.Field(None, max_length=100)


class MatterCheckIn(Body):
    year: int = pydantic.Field(ge=1950, le=2200)
    result: MatterResult
    notes: str | None = pydantic.Field(None, max_length=1000)


class RecordIn(Body):
    category: Category
    sanction: Sanction | None = None
    severity: Severity = Severity.GENERAL
    decided_on: date
    authority: str = pydantic.Field(min_length=1, max_length=200)
    document_no: str | None = pydantic.Field(None, max_length=100)
    facts: str = pydantic.Field(min_length=1, max_length=10000)
    item: str | None = pydantic.Field(None, max_length=50)
    restricted_until: date | None = None
    restricted_until_reason: str | None = pydantic.Field(None, max_length=500)
    permanent: bool | None = None
    disclosable: bool = False
    facts_private: bool = False
    judgment_kind: JudgmentKind | None = None
    probation_months: int | None = pydantic.Field(None, ge=1, le=120)


class RecordPatch(Body):
    version: int = pydantic.Field(ge=1)
    reason: str | None = pydantic.Field(None, max_length=1000)
    category: Category | None = None
    sanction: Sanction | None = None
    severity: Severity | None = None
    decided_on: date | None = None
    authority: str | None = pydantic.Field(None, min_length=1, max_length=200)
    document_no: str | None = pydantic.Field(None, max_length=100)
    facts: str | None = pydantic.Field(None, min_length=1, max_length=10000)
    item: str | None = pydantic.Field(None, max_length=50)
    restricted_until: date | None = None
    permanent: bool | None = None
    disclosable: bool | None = None
    facts_private: bool | None = None
    judgment_kind: JudgmentKind | None = None
    probation_months: int | None = pydantic.Field(None, ge=1, le=120)


class BasisIn(Body):
    basis: str = pydantic.Field(min_length=1, max_length=1000)
    version: int | None = pydantic.Field(None, ge=1)


class ReasonIn(Body):
    reason: str = pydantic.Field(min_length=1, max_length=1000)
    version: int | None = pydantic.Field(None, ge=1)


class ObjectionIn(Body):
    reasons: str = pydantic.Field(min_length=1, max_length=5000)
    late_reason: str | None = pydantic.Field(None, max_length=1000)


class DecisionIn(Body):
    decision: Literal["upheld", "rejected"]
    reason: str = pydantic.Field(min_length=1, max_length=5000)
    version: int | None = pydantic.Field(None, ge=1)


class ComplaintIn(Body):
    subject_type: Literal["objection", "repair"]
    subject_id: int = pydantic.Field(ge=1)
    text: str = pydantic.Field(min_length=1, max_length=5000)


class AnswerIn(Body):
    answer: str = pydantic.Field(min_length=1, max_length=5000)
    version: int | None = pydantic.Field(None, ge=1)


class CaseIn(Body):
    started_on: date
    authority: str = pydantic.Field(min_length=1, max_length=200)
    notes: str | None = pydantic.Field(None, max_length=1000)


class CaseEndIn(Body):
    ended_on: date
    version: int | None = pydantic.Field(None, ge=1)


class RecordsQuery(PageQuery):
    status: RecordStatus | None = None
    category: Category | None = None
    person_id: int | None = pydantic.Field(None, ge=1)


class ObjectionsQuery(PageQuery):
    pending: bool = True


# --------------------------------------------------------------------------- the file

@api_route(bp, "/people/<int:person_id>/file", summary="诚信档案（as_of: 评价日期）", query=FileQuery,
           roles=("hr", "servant", "committee"), raw=True)
def get_file(person_id: int, query):
    """Today's file comes from the cached document (archive/file/cache.py) when nothing it
    was built from changed; a file at another ``as_of`` is built each time."""
    person = require_person(person_id)
    manage = can_manage_person(current_user, person)
    if query.as_of is None:
        body = cache.file_body(person, cache.FileVariant.api(manage=manage), lambda: current_app.json.dumps(
            file_json(services.load_file(person, include_drafts=manage))))
    else:
        body = current_app.json.dumps(file_json(services.load_file(person, query.as_of, include_drafts=manage)))
    record_event("file_view", person, "API 查看诚信档案" + (f"（{query.as_of.isoformat()}）" if query.as_of else ""))
    db.session.commit()
    return current_app.response_class(body + "\n", mimetype="application/json")


@api_route(bp, "/people/<int:person_id>/establish", ["POST"], summary="确认档案建立（登记不全 409）", roles=("hr",))
def establish(person_id: int):
    person = require_person(person_id, manage=True)
    row = services.establish_file(person)
    return {"person_id": person.id, "established": row.established,
            "established_at": row.established_at.isoformat() if row.established_at else None,
            "established_by_id": row.established_by_id}


@api_route(bp, "/people/<int:person_id>/appraisals", ["POST"], summary="录入年度考核结果（同年度 409，correct 更正）",
           body=AppraisalIn, roles=("hr",), status=201)
def create_appraisal(person_id: int, body):
    person = require_person(person_id, manage=True)
    a = services.add_appraisal(person, body.year, body.grade, body.document_no, body.override_reason, body.correct,
                               notes=body.notes, reason=body.reason)
    return appraisal_json(a)


@api_route(bp, "/people/<int:person_id>/awards", ["POST"], summary="登记奖励", body=AwardIn, roles=("hr",), status=201)
def create_award(person_id: int, body):
    person = require_person(person_id, manage=True)
    return award_json(services.add_award(person, **body.model_dump()))


@api_route(bp, "/people/<int:person_id>/matter-checks", ["POST"], summary="登记个人事项查核结果", body=MatterCheckIn,
           roles=("hr",), status=201)
def create_matter_check(person_id: int, body):
    person = require_person(person_id, manage=True)
    return matter_check_json(services.add_matter_check(person, **body.model_dump()))


@api_route(bp, "/people/<int:person_id>/records", ["POST"], summary="登记失信记录（草稿）", body=RecordIn, roles=("hr",),
           status=201)
def create_record(person_id: int, body):
    person = require_person(person_id, manage=True)
    record = services.record_misconduct(person, **body.model_dump())
    return record_json(record, versions=0)


@api_route(bp, "/people/<int:person_id>/cases", ["POST"], summary="登记立案审查", body=CaseIn, roles=("hr",), status=201)
def create_case(person_id: int, body):
    person = require_person(person_id, manage=True)
    return case_json(services.set_case(person, **body.model_dump()))


@api_route(bp, "/cases/<int:case_id>/end", ["POST"], summary="结束立案审查", body=CaseEndIn, roles=("hr",))
def end_case(case_id: int, body):
    case, _ = require_case(case_id, manage=True)
    return case_json(services.end_case(case, ended_on=body.ended_on, version=body.version))


# --------------------------------------------------------------------------- records

@api_route(bp, "/rules", summary="规则与依据：影响期、处分链、考核影响、录用限制、信用修复（每条含依据和施行日期）",
           roles=("hr", "committee"))
def rules_tables():
    return rules.law_tables()


@api_route(bp, "/records", summary="失信记录列表（可管理范围）", query=RecordsQuery, roles=("hr",))
def list_records(query):
    settings = services.rule_settings()
    sel = worklists.records_select(current_user, status=query.status, category=query.category, settings=settings)
    if query.person_id:
        sel = sel.where(Record.person_id == query.person_id)
    sel = sel.with_only_columns(Record).select_from(Record).order_by(Record.decided_on.desc(), Record.id.desc())
    today = clock.today()
    return page_of(sel, query.page, query.per_page,
                   lambda r: record_json(r, r.status_on(today, settings), settings=settings))


@api_route(bp, "/records/<int:record_id>", summary="失信记录详情", roles=("hr", "servant", "committee"))
def get_record(record_id: int):
    record, person = require_record(record_id, drafts=False)
    record_event("record_view", record, "API 查看失信记录")
    return _record_out(record, person)


@api_route(bp, "/records/<int:record_id>", ["PATCH"], summary="修改失信记录（须带 version；已告知的须带 reason）",
           body=RecordPatch, roles=("hr",))
def patch_record(record_id: int, body):
    record, person = require_record(record_id, manage=True)
    changes = body.model_dump(exclude_unset=True)
    version, reason = changes.pop("version"), changes.pop("reason", None)
    services.update_record(record, changes, version=version, reason=reason)
    return _record_out(record, person)


@api_route(bp, "/records/<int:record_id>/notify", ["POST"], summary="告知本人（draft → notified）", roles=("hr",))
def notify_record(record_id: int):
    record, person = require_record(record_id, manage=True)
    services.notify_record(record, person)
    return _record_out(record, person)


@api_route(bp, "/records/<int:record_id>/exempt", ["POST"], summary="容错免责（draft → exempted）", body=BasisIn,
           roles=("hr",))
def exempt_record(record_id: int, body):
    record, person = require_record(record_id, manage=True)
    services.exempt_record(record, body.basis, version=body.version)
    return _record_out(record, person)


@api_route(bp, "/records/<int:record_id>/revoke", ["POST"], summary="撤销记录（附原因）", body=ReasonIn, roles=("hr",))
def revoke_record(record_id: int, body):
    record, person = require_record(record_id, manage=True)
    services.revoke_record(record, body.reason, version=body.version)
    return _record_out(record, person)


@api_route(bp, "/records/<int:record_id>/acknowledge", ["POST"], summary="本人确认无异议（notified → effective）",
           roles=("servant",))
def acknowledge_record(record_id: int):
    record, person = require_record(record_id, drafts=False)
    if not is_own_person(current_user, person):
        raise NotFound(_("记录不存在"))
    services.acknowledge_record(record)
    return _record_out(record, person)


# --------------------------------------------------------------------------- objections, complaints

@api_route(bp, "/records/<int:record_id>/objections", ["POST"], summary="提出异议（本人或人事干部代为）",
           body=ObjectionIn, roles=("hr", "servant"), status=201)
def create_objection(record_id: int, body):
    record, person = require_record(record_id, drafts=False)
    if not is_own_or_manages(person):
        raise NotFound(_("记录不存在"))
    return objection_json(services.file_objection(record, body.reasons, current_user, late_reason=body.late_reason))


@api_route(bp, "/objections", summary="异议列表（可管理范围）", query=ObjectionsQuery, roles=("hr",))
def list_objections(query):
    sel = worklists.objections_select(current_user, pending_only=query.pending)
    sel = sel.with_only_columns(Objection).select_from(Objection).order_by(Objection.due_on, Objection.id)
    return page_of(sel, query.page, query.per_page, objection_json)


@api_route(bp, "/objections/<int:objection_id>", summary="异议详情", roles=("hr", "servant", "committee"))
def get_objection(objection_id: int):
    objection, _ = require_objection(objection_id)
    return objection_json(objection)


@api_route(bp, "/objections/<int:objection_id>/decision", ["POST"], summary="处理异议（upheld 撤销记录 / rejected 维持）",
           body=DecisionIn, roles=("hr",))
def decide_objection(objection_id: int, body):
    objection, person = require_objection(objection_id, manage=True)
    services.decide_objection(objection, body.decision, body.reason, current_user, person=person,
                              version=body.version)
    record = db.session.get(Record, objection.record_id)
    assert record is not None   # objections.record_id is a foreign key; nothing is deleted
    return {**objection_json(objection), "record": _record_out(record, person)}


@api_route(bp, "/complaints", ["POST"], summary="投诉异议或信用修复的处理（本人）", body=ComplaintIn, roles=("servant",),
           status=201)
def create_complaint(body):
    if not current_user.person_id:
        raise NotFound(_("账户未关联人员"))
    person = require_person(current_user.person_id)
    return complaint_json(services.file_complaint(person, subject_type=body.subject_type, subject_id=body.subject_id,
                                                  text=body.text))


@api_route(bp, "/complaints/<int:complaint_id>/answer", ["POST"], summary="答复投诉（上级单位人事干部）", body=AnswerIn,
           roles=("hr",))
def answer_complaint(complaint_id: int, body):
    complaint, _ = require_complaint(complaint_id)
    if not services.can_answer_complaint(current_user, complaint):
        raise NotFound(gettext("投诉不存在"))
    return complaint_json(services.answer_complaint(complaint, body.answer, version=body.version))
