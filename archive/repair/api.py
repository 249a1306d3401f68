"""API of credit repair (API.md "Objections and repair").

* ``GET  /records/{id}/repair-eligibility[?as_of=]`` (the person, HR in scope; others 404)
  → ``{"eligible", "conditions": [{"code", "met", "message"}]}``.
* ``POST /records/{id}/repairs`` ``{correction, statement?, evidence_ids?}`` (the person)
  → 201 application; 409 ``not_eligible`` with the unmet conditions in ``fields``
  (code → message) and every condition in ``details``; 409 ``repair_pending``.
* ``POST /repairs/{id}/decision`` ``{decision: approved|rejected, reason, version?}``
  (HR in scope) → 200 application; approved makes the record ``repaired``.
* ``GET  /repairs?status=&overdue=&person_id=`` (HR: applications in scope, paged).
* ``GET  /repairs/{id}`` (HR in scope or the person).
* ``POST /attachments`` multipart ``file`` (added endpoint): stores one evidence file (PDF,
  JPG, PNG; type by content; 413 over the size limit) for the caller's own person as a
  draft (owner_type ``repair_draft``) → 201 ``{"id", "name", "mime", "size", "sha256"}``;
  pass the ids as ``evidence_ids`` when applying.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

import pydantic
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from archive import rules
from archive.enums import CorrectionKind
from archive.repair import services
from archive.repair.models import RepairApplication, RepairStatus
from core import clock
from core.accounts.permissions import is_own_person
from core.api import Body, PageQuery, Query, api_blueprint, api_route, page_of
from core.errors import Forbidden
from core.extensions import db
from core.registry.models import Person

bp = api_blueprint("repair_api")

CONDITION_SCHEMA = {"type": "object", "properties": {
    "code": {"type": "string", "enum": ["status", "category", "waiting_period", "repair_training",
                                        "repair_pledge", "reapply_wait"]},
    "met": {"type": "boolean"}, "message": {"type": "string"}}}
APPLICATION_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "record_id": {"type": "integer"}, "person_id": {"type": "integer"},
    "correction": {"type": "string", "enum": CorrectionKind.codes()},
    "status": {"type": "string", "enum": RepairStatus.codes()},
    "filed_on": {"type": "string", "format": "date"}, "due_on": {"type": "string", "format": "date"},
    "overdue": {"type": "boolean"}, "decided_on": {"type": ["string", "null"], "format": "date"},
    "decision_reason": {"type": ["string", "null"]}, "conditions_at_filing": {"type": "array",
                                                                            "items": CONDITION_SCHEMA},
    "evidence": {"type": "array"}, "version": {"type": "integer"}}}


class EligibilityQuery(Query):
    as_of: date | None = None


class RepairIn(Body):
    correction: CorrectionKind
    statement: str = pydantic.Field("", max_length=services.STATEMENT_MAX)
    evidence_ids: list[int] = pydantic.Field(default_factory=list, max_length=20)


class DecisionIn(Body):
    decision: Literal["approved", "rejected"]
    reason: str = pydantic.Field("", max_length=services.REASON_MAX)
    version: int | None = pydantic.Field(None, ge=1)


class RepairsQuery(PageQuery):
    status: RepairStatus | None = None
    overdue: bool | None = None
    person_id: int | None = pydantic.Field(None, ge=1)


@api_route(bp, "/records/<int:record_id>/repair-eligibility", summary="信用修复申请条件（本人或范围内人事干部）",
           query=EligibilityQuery, response={"type": "object", "properties": {
               "eligible": {"type": "boolean"}, "conditions": {"type": "array", "items": CONDITION_SCHEMA}}})
def eligibility(record_id: int, query: EligibilityQuery):
    record = services.load_record_for(record_id, current_user)
    conditions = services.eligibility(record, query.as_of)
    return {"record_id": record.id, "as_of": (query.as_of or clock.today()).isoformat(),
            "eligible": rules.repair_eligible(conditions), "conditions": services.conditions_json(conditions)}


@api_route(bp, "/records/<int:record_id>/repairs", ["POST"], summary="申请信用修复（本人）", body=RepairIn,
           status=201, response=APPLICATION_SCHEMA)
def apply(record_id: int, body: RepairIn):
    record = services.load_record_for(record_id, current_user)
    if not is_own_person(current_user, db.session.get(Person, record.person_id)):
        raise Forbidden(_("只有本人可以申请信用修复"))
    app = services.apply_for_repair(record, current_user, body.correction, body.statement,
                                    evidence_ids=body.evidence_ids)
    return services.application_dict(app, evidence=services.evidence_of(app))


@api_route(bp, "/repairs/<int:application_id>/decision", ["POST"], summary="信用修复审核决定（范围内人事干部）",
           body=DecisionIn, roles=("hr",), response=APPLICATION_SCHEMA)
def decision(application_id: int, body: DecisionIn):
    app = services.load_application(application_id, current_user, manage=True)
    services.decide_repair(app, body.decision, body.reason, current_user, version=body.version)
    db.session.flush()
    return services.application_dict(app, evidence=services.evidence_of(app))


@api_route(bp, "/repairs", summary="范围内的信用修复申请（分页）", query=RepairsQuery, roles=("hr",))
def repairs(query: RepairsQuery):
    sel = services.applications_in_scope(current_user)
    if query.status is not None:
        sel = sel.where(RepairApplication.status == query.status)
    if query.overdue is not None:
        late = (RepairApplication.status == RepairStatus.PENDING) & (RepairApplication.due_on < clock.today())
        sel = sel.where(late if query.overdue else ~late)
    if query.person_id is not None:
        sel = sel.where(RepairApplication.person_id == query.person_id)
    sel = sel.order_by(RepairApplication.due_on, RepairApplication.id)
    return page_of(sel, query.page, query.per_page, services.application_dict)


@api_route(bp, "/repairs/<int:application_id>", summary="信用修复申请（本人或范围内人事干部）",
           response=APPLICATION_SCHEMA)
def repair(application_id: int):
    app = services.load_application(application_id, current_user, manage=False)
    return services.application_dict(app, evidence=services.evidence_of(app))


@api_route(bp, "/attachments", ["POST"], status=201,
           summary="上传信用修复证明材料（multipart 字段 file；PDF/JPG/PNG，按内容判断类型；"
                   "返回的 id 用于申请时的 evidence_ids）",
           response={"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                      "mime": {"type": "string"}, "size": {"type": "integer"},
                                                      "sha256": {"type": "string"}}})
def upload():
    att = services.upload_draft_evidence(request.files.get("file"), current_user)
    return services.attachment_dict(att)
