"""API.md "The file" and the objection endpoints (plus record read/update, cases, complaints).

The JSON shapes are in ``api_json``, the request bodies and queries in ``api_bodies``."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user

from archive import rules
from archive.file import cache, services, worklists
from archive.file.access import is_own_or_manages, require_case, require_complaint, require_objection, require_record
from archive.file.api_bodies import (
    AnswerIn,
    AppraisalIn,
    AwardIn,
    BasisIn,
    CaseEndIn,
    CaseIn,
    ComplaintIn,
    DecisionIn,
    FileQuery,
    MatterCheckIn,
    ObjectionIn,
    ObjectionsQuery,
    ReasonIn,
    RecordIn,
    RecordPatch,
    RecordsQuery,
)
from archive.file.api_json import (
    _record_out,
    appraisal_json,
    award_json,
    case_json,
    complaint_json,
    file_json,
    matter_check_json,
    objection_json,
    record_json,
)
from archive.file.models import Objection, Record
from core import clock
from core.accounts.permissions import can_manage_person, is_own_person, require_person
from core.api import api_blueprint, api_route, page_of
from core.audit.services import record_event
from core.errors import NotFound
from core.extensions import db

bp = api_blueprint("file_api")


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
