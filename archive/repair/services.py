"""Credit repair (信用修复, docs/rules.md §4.6): eligibility, applications, decisions.

The conditions are the pure ``archive.rules.repair_conditions``; this module gathers the
facts they need (repair courses from training, repair pledges from pledges, the last
rejection, the combined end of the record's period), files applications with their
evidence and records HR's decision. Approval turns the record ``repaired`` through the
file's guarded transition (``archive.file.services.mark_repaired``) in the caller's
transaction: nothing here commits.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from archive import rules
from archive.enums import CorrectionKind, RecordStatus
from archive.repair.models import DRAFT_OWNER, EVIDENCE_OWNER, RepairApplication, RepairStatus
from core import clock
from core.accounts.permissions import can_manage_person, is_own_person, person_scope_clause, require_not_self
from core.audit.services import record_event
from core.changes import RECORD, changed
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.files import Attachment, save_upload
from core.notify import services as notify_services
from core.registry.models import Person

STATEMENT_MAX = 4000
REASON_MAX = 2000


# --------------------------------------------------------------------------- settings, dates


def settings() -> rules.RuleSettings:
    return rules.RuleSettings.from_mapping(current_app.config)



def _dates(values: Iterable | None) -> frozenset[date]:
    """Dates of the configuration (``date`` or ISO text); none configured: empty."""
    out = set()
    for v in values or ():
        out.add(v if isinstance(v, date) else date.fromisoformat(str(v)))
    return frozenset(out)


def due_date(filed_on: date, rule_settings: rules.RuleSettings | None = None) -> date:
    """The decision deadline: REPAIR_DECISION_WORKING_DAYS working days (default 15) after
    filing on the working-day calendar (core.workcal: the State Council's holidays and 调休),
    plus any extra ``HOLIDAYS`` / ``MAKEUP_WORKDAYS`` of the configuration."""
    from core.workcal.service import calendar
    cfg, cal = current_app.config, calendar()
    return rules.repair_due(filed_on, rule_settings or settings(), cal.holidays | _dates(cfg.get("HOLIDAYS")),
                            cal.workdays | _dates(cfg.get("MAKEUP_WORKDAYS")))


# --------------------------------------------------------------------------- facts


def record_facts(record) -> rules.RecordFacts:
    return record.facts_for_rules()


def _combined_end(record) -> date | None:
    """The record's end after combination with the person's other records (art. 15)."""
    from archive.file.models import Record
    others = db.session.execute(db.select(Record).where(Record.person_id == record.person_id)).scalars()
    facts = [record_facts(r) for r in others]
    return rules.combined_ends(facts, settings()).get(record.id)


def repair_course_dates(person_id: int, since: date) -> list[date]:
    """Completion dates of 信用修复培训 courses since ``since`` (training's public function)."""
    from training import services as training_services
    from training.enums import CourseCategory
    return list(training_services.completed_course_dates(person_id, CourseCategory.REPAIR, since))


def open_repair_courses() -> list[int]:
    """Ids of the active online 信用修复培训 courses (where the person can study at once)."""
    from training.enums import CourseCategory, CourseMode
    from training.models import Course
    return list(db.session.execute(
        db.select(Course.id).where(Course.category == CourseCategory.REPAIR, Course.active.is_(True),
                                   Course.mode == CourseMode.ONLINE).order_by(Course.id).limit(2)).scalars())


def repair_pledge_dates(person_id: int, since: date) -> list[date]:
    """Dates the person signed a 信用修复承诺 pledge on or after ``since``."""
    from archive.enums import PledgeKind
    from archive.pledges.queries import signed_pledge_dates
    person = db.session.get(Person, person_id)
    return [d for d in signed_pledge_dates(person, PledgeKind.REPAIR) if d is not None and d >= since]


def last_rejected_on(record_id: int) -> date | None:
    return db.session.execute(
        db.select(sa.func.max(RepairApplication.decided_on))
        .where(RepairApplication.record_id == record_id,
               RepairApplication.status == RepairStatus.REJECTED)).scalar()


def eligibility(record, as_of: date | None = None) -> list[rules.Condition]:
    """The conditions of docs/rules.md §4.6 for ``record`` at ``as_of`` (default today), in API order."""
    as_of = as_of or clock.today()
    decided = record.decided_on
    return rules.repair_conditions(
        record_facts(record), as_of,
        repair_course_dates(record.person_id, decided),
        repair_pledge_dates(record.person_id, decided),
        last_rejected_on(record.id), settings(), combined_end=_combined_end(record))


def conditions_json(conditions: Iterable[rules.Condition]) -> list[dict]:
    return [asdict(c) for c in conditions]


# --------------------------------------------------------------------------- queries


def applications_in_scope(user, *, manage: bool = True):
    """Applications of people ``user`` may manage (HR subtree), or may see (``manage=False``)."""
    return (db.select(RepairApplication).join(Person, Person.id == RepairApplication.person_id)
            .where(person_scope_clause(user, manage=manage)))


def own_applications(person_id: int, record_id: int | None = None):
    sel = db.select(RepairApplication).where(RepairApplication.person_id == person_id)
    if record_id is not None:
        sel = sel.where(RepairApplication.record_id == record_id)
    return sel.order_by(RepairApplication.filed_on.desc(), RepairApplication.id.desc())


def applications_of_person(person_id: int) -> list[RepairApplication]:
    return list(db.session.execute(own_applications(person_id)).scalars())


def pending_application(record_id: int) -> RepairApplication | None:
    return db.session.execute(
        db.select(RepairApplication).where(RepairApplication.record_id == record_id,
                                           RepairApplication.status == RepairStatus.PENDING)
    ).scalar_one_or_none()


def load_application(application_id: int, user, *, manage: bool) -> RepairApplication:
    """An application the user may decide (``manage``: HR in scope) or see (HR in scope or
    the person). Anything else is 404."""
    app = db.session.get(RepairApplication, application_id)
    if app is None:
        raise NotFound(_("信用修复申请不存在"))
    person = app.person
    if manage:
        require_not_self(person, user)
    allowed = can_manage_person(user, person) or (not manage and is_own_person(user, person))
    if not allowed:
        raise NotFound(_("信用修复申请不存在"))
    return app


def load_record_for(record_id: int, user, *, own_only: bool = False):
    """A record the user may ask repair questions about: their own, or (unless
    ``own_only``) one of a person HR manages. Anything else is 404."""
    from archive.file.models import Record
    record = db.session.get(Record, record_id)
    if record is None:
        raise NotFound(_("记录不存在"))
    person = db.session.get(Person, record.person_id)
    manages = can_manage_person(user, person)
    if record.status is RecordStatus.DRAFT and not manages:
        raise NotFound(_("记录不存在"))     # drafts stay internal until notified (issue 17 item 9)
    if is_own_person(user, person) or (not own_only and manages):
        return record
    raise NotFound(_("记录不存在"))


def records_by_id(ids: Iterable[int]) -> dict:
    """{id: Record} in one query (list pages)."""
    from archive.file.models import Record
    ids = set(ids)
    if not ids:
        return {}
    return {r.id: r for r in db.session.execute(db.select(Record).where(Record.id.in_(ids))).scalars()}


def evidence_of(application: RepairApplication) -> list[Attachment]:
    return list(db.session.execute(
        db.select(Attachment).where(Attachment.owner_type == EVIDENCE_OWNER,
                                    Attachment.owner_id == application.id)
        .order_by(Attachment.id)).scalars())


def evidence_file(application: RepairApplication, attachment_id: int) -> Attachment:
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.owner_type != EVIDENCE_OWNER or att.owner_id != application.id:
        raise NotFound(_("文件不存在"))
    return att


def counts_in_scope(user, on: date | None = None) -> tuple[int, int]:
    """(pending, overdue) applications HR ``user`` has to decide."""
    on = on or clock.today()
    sel = applications_in_scope(user).where(RepairApplication.status == RepairStatus.PENDING)
    row = db.session.execute(sel.with_only_columns(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((RepairApplication.due_on < on, 1), else_=0)), 0)
    ).order_by(None)).one()
    return int(row[0]), int(row[1])


# --------------------------------------------------------------------------- acts


def upload_draft_evidence(storage, user) -> Attachment:
    """Store one evidence file for a later application (API: POST /attachments)."""
    if not getattr(user, "person_id", None):
        raise Forbidden(_("只有与人员关联的账户可以上传信用修复证明材料"))
    return save_upload(storage, owner_type=DRAFT_OWNER, person_id=user.person_id, uploaded_by=user)


def _claim_drafts(ids: Iterable[int], user, person_id: int) -> list[Attachment]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        return []
    found = {a.id: a for a in db.session.execute(
        db.select(Attachment).where(Attachment.id.in_(ids), Attachment.owner_type == DRAFT_OWNER,
                                    Attachment.owner_id.is_(None), Attachment.person_id == person_id,
                                    Attachment.uploaded_by_id == user.id)).scalars()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed({"evidence_ids": "以下证明材料不存在或不可使用：" + "、".join(map(str, missing))})
    return [found[i] for i in ids]


def apply_for_repair(record, user, correction, statement: str = "", evidence: Iterable = (),
                     evidence_ids: Iterable[int] = (), as_of: date | None = None) -> RepairApplication:
    """File the person's application to repair ``record``.

    Refuses (``Conflict`` "not_eligible", 409) when a condition is unmet; the unmet
    conditions are the error's ``fields`` (code → message) and every condition is in its
    ``details``. ``evidence`` are uploaded files (werkzeug FileStorage) checked and stored
    by core.files; ``evidence_ids`` are drafts the same user uploaded through the API.
    """
    as_of = as_of or clock.today()
    person = db.session.get_one(Person, record.person_id)      # a record always has its person
    if not is_own_person(user, person):
        raise Forbidden(_("只有本人可以申请信用修复"))
    try:
        kind = CorrectionKind(correction)
    except ValueError:
        raise ValidationFailed({"correction": _("请选择纠正失信行为的方式")}) from None
    statement = (statement or "").strip()
    if len(statement) > STATEMENT_MAX:
        raise ValidationFailed({"statement": _("长度不能超过 %(STATEMENT_MAX)s 个字符", STATEMENT_MAX=STATEMENT_MAX)})
    if pending_application(record.id) is not None:
        raise Conflict("repair_pending", _("该记录已有待审核的信用修复申请，请等待审核结果"))
    conditions = eligibility(record, as_of)
    if not rules.repair_eligible(conditions):
        unmet = [c for c in conditions if not c.met]
        raise Conflict("not_eligible", "不符合信用修复申请条件：" + "；".join(c.message for c in unmet),
                       fields={c.code: c.message for c in unmet}, details=conditions_json(conditions))
    drafts = _claim_drafts(evidence_ids, user, person.id)
    app = RepairApplication(record_id=record.id, person_id=person.id, correction=kind, statement=statement,
                            filed_by_id=user.id, filed_on=as_of, due_on=due_date(as_of),
                            status=RepairStatus.PENDING, conditions_at_filing=conditions_json(conditions))
    db.session.add(app)
    try:
        db.session.flush()
    except IntegrityError:   # a concurrent request filed one first (one pending per record);
        # the caller's error handling rolls the transaction back
        raise Conflict("repair_pending", _("该记录已有待审核的信用修复申请，请等待审核结果")) from None
    for att in drafts:
        att.owner_type, att.owner_id = EVIDENCE_OWNER, app.id
    for storage in evidence:
        if storage is not None and getattr(storage, "filename", None):
            save_upload(storage, owner_type=EVIDENCE_OWNER, owner_id=app.id, person_id=person.id,
                        uploaded_by=user)
    db.session.flush()
    changed([record.person_id], RECORD)     # the application and its evidence
    record_event("repair_apply", app, f"申请信用修复：记录 #{record.id}（{kind.zh}），"
                                      f"证明材料 {len(evidence_of(app))} 份，审核期限 {app.due_on.isoformat()}")
    for officer in reviewers_of(person):
        notify_services.notify(kind="repair_filed", title=f"{person.name} 申请信用修复",
                               body=f"请在 {app.due_on.isoformat()} 前审核（记录 #{record.id}）。",
                               link=_link("repair.detail", application_id=app.id), user=officer)
    return app


def reviewers_of(person) -> list:
    """HR officers of the nearest department on the person's path that has any (the
    person's own department first, then each parent), enabled accounts only."""
    from core.accounts.models import User, UserRole
    from core.enums import Role
    from core.registry.models import Department
    ids = [int(x) for x in person.department_path.strip("/").split("/") if x]
    if not ids:
        return []
    rows = db.session.execute(
        db.select(User, Department.depth).join(UserRole, UserRole.user_id == User.id)
        .join(Department, Department.id == User.department_id)
        .where(UserRole.role == Role.HR, User.department_id.in_(ids), User.is_enabled.is_(True))
    ).all()
    if not rows:
        return []
    deepest = max(depth for _, depth in rows)
    return [u for u, depth in rows if depth == deepest]


def _link(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # no request or app URL configuration (CLI, demo)
        return None


def _check_version(app: RepairApplication, version: int | None) -> None:
    if version is not None and int(version) != app.version:
        raise Conflict("stale_version", _("该申请已被他人处理或修改，请刷新后重试"))


def decide_repair(application: RepairApplication, decision: str, reason: str, decided_by,
                  version: int | None = None, on: date | None = None) -> RepairApplication:
    """HR's decision. ``approved``: the record becomes ``repaired`` at once (restrictions
    lift, disclosure stops, the file shows 已修复); ``rejected``: the reasons go to the
    person, who may apply again after REPAIR_REAPPLY_DAYS. Notified and audited, in the
    caller's single transaction."""
    on = on or clock.today()
    person = application.person
    require_not_self(person, decided_by)
    if not can_manage_person(decided_by, person):
        raise NotFound(_("信用修复申请不存在"))
    if getattr(decided_by, "person_id", None) == person.id:
        raise Forbidden(_("不能审核本人的信用修复申请"))
    _check_version(application, version)
    if application.status is not RepairStatus.PENDING:
        raise Conflict("illegal_state", _("该申请%(status)s，不能再作决定", status=application.status.label))
    if decision not in (RepairStatus.APPROVED.value, RepairStatus.REJECTED.value):
        raise ValidationFailed({"decision": _("请选择批准或驳回")})
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _("长度不能超过 %(REASON_MAX)s 个字符", REASON_MAX=REASON_MAX)})
    if decision == RepairStatus.REJECTED.value and not reason:
        raise ValidationFailed({"reason": _("驳回须说明理由")})
    from archive.file.models import Record
    record = db.session.get_one(Record, application.record_id)     # an application always has its record
    approved = decision == RepairStatus.APPROVED.value
    reason = reason or "符合信用修复条件，予以修复"
    application.status = RepairStatus.APPROVED if approved else RepairStatus.REJECTED
    application.decided_by_id, application.decided_on = decided_by.id, on
    application.decision_reason = reason
    if approved:
        _mark_repaired(record, application, decided_by, on)
    db.session.flush()
    verb = "批准" if approved else "驳回"
    record_event(f"repair_{decision}", application, f"{verb}信用修复申请（记录 #{record.id}）：{reason}")
    changed([application.person_id], RECORD)
    again = on + timedelta(days=settings().repair_reapply_days)
    body = (f"记录 #{record.id} 已修复，相关限制即时解除。" if approved
            else f"理由：{reason}。可于 {again.isoformat()} 起再次申请。")
    notify_services.notify(kind="repair_decided", title=f"您的信用修复申请已{verb}", body=body,
                           link=_link("repair.apply", record_id=record.id), person=person)
    if application.filed_by_id and application.filed_by_id != decided_by.id:
        filer = application.filed_by
        if filer is not None and filer.person_id != person.id:
            notify_services.notify(kind="repair_decided", title=f"{person.name} 的信用修复申请已{verb}",
                                   body=body, user=filer)
    return application


def _mark_repaired(record, application: RepairApplication, decided_by, on: date) -> None:
    from archive.file import services as file_services
    file_services.mark_repaired(record, by=decided_by, on=on,
                                reason=f"信用修复申请 #{application.id} 批准：{application.decision_reason}")


def withdraw_repair(application: RepairApplication, user) -> RepairApplication:
    """The person withdraws a pending application (no waiting period follows)."""
    if not is_own_person(user, application.person):
        raise NotFound(_("信用修复申请不存在"))
    if application.status is not RepairStatus.PENDING:
        raise Conflict("illegal_state", _("该申请%(status)s，不能撤回", status=application.status.label))
    application.status = RepairStatus.WITHDRAWN
    application.decided_on = clock.today()
    db.session.flush()
    record_event("repair_withdraw", application, f"撤回信用修复申请（记录 #{application.record_id}）")
    changed([application.person_id], RECORD)
    return application


# --------------------------------------------------------------------------- serialising


def attachment_dict(att: Attachment) -> dict:
    return {"id": att.id, "name": att.original_name, "mime": att.mime, "size": att.size, "sha256": att.sha256}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def application_dict(app: RepairApplication, evidence: list[Attachment] | None = None,
                     on: date | None = None) -> dict:
    """An application as JSON (API answers, the file's "repairs" section)."""
    out = {"id": app.id, "record_id": app.record_id, "person_id": app.person_id,
           "correction": app.correction.value, "correction_label": app.correction.zh,
           "statement": app.statement, "status": app.status.value, "status_label": app.status.zh,
           "filed_on": _iso(app.filed_on), "due_on": _iso(app.due_on),
           "overdue": app.is_overdue(on or clock.today()), "filed_by_id": app.filed_by_id,
           "decided_by_id": app.decided_by_id, "decided_on": _iso(app.decided_on),
           "decision_reason": app.decision_reason, "conditions_at_filing": list(app.conditions_at_filing or []),
           "version": app.version}
    if evidence is not None:
        out["evidence"] = [attachment_dict(a) for a in evidence]
    return out


def file_section(person, as_of: date) -> list[dict]:
    """The file's "repairs" section (archive.file FILE_SECTIONS): the person's applications
    filed on or before ``as_of``, newest first, with their evidence and the record's label
    ("政务处分·记过（2026-07-21决定）"). Three queries."""
    apps = [a for a in db.session.execute(own_applications(person.id)).scalars() if a.filed_on <= as_of]
    files: dict[int, list[Attachment]] = {a.id: [] for a in apps}
    if apps:
        for att in db.session.execute(
                db.select(Attachment).where(Attachment.owner_type == EVIDENCE_OWNER,
                                            Attachment.owner_id.in_(list(files)),
                                            Attachment.person_id == person.id)
                .order_by(Attachment.id)).scalars():
            files[att.owner_id].append(att)
    records = records_by_id(a.record_id for a in apps)
    out = []
    for a in apps:
        row = application_dict(a, evidence=files[a.id], on=as_of)
        rec = records.get(a.record_id)
        row["record_label"] = rules.record_label(rec.facts_for_rules()) if rec is not None else None
        out.append(row)
    return out


def complaint_subject(application_id: int) -> tuple[int, bool, str] | None:
    """For the file's complaints: (person id, decided?, label) of a repair application."""
    app = db.session.get(RepairApplication, application_id)
    if app is None:
        return None
    decided = app.status in (RepairStatus.APPROVED, RepairStatus.REJECTED)
    return app.person_id, decided, f"信用修复申请 #{app.id}"
