"""Objections (异议) and complaints (投诉) about the handling of objections and repairs
(docs/rules.md §4.5). Re-exported by archive/file/services.py."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from archive import rules
from archive.file import common as c
from archive.file.loader import rule_settings
from archive.file.models import Complaint, ComplaintStatus, Objection, ObjectionStatus, Record
from core import clock, wiring
from core.audit.services import record_event
from core.changes import RECORD, changed
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.notify.services import notify

#: subject_type -> fn(subject_id) -> (person_id, decided: bool, label) or None; "objection" is
#: registered below, the repair package registers "repair".
COMPLAINT_SUBJECTS: dict[str, Callable[[int], tuple[int, bool, str] | None]] = wiring.table(wiring.COMPLAINT_SUBJECT)


# --------------------------------------------------------------------------- objections

def objection_window_problem(record: Record, on: date, filed_by, late_reason: str | None,
                             settings: rules.RuleSettings) -> Conflict | None:
    """The objection window (docs/rules.md §4.5; 公务员法 art. 95): after its last day the
    person's own objection is refused (409 ``objection_window_closed`` naming the day);
    HR may register a late one only with ``late_reason``."""
    if record.notified_on is None:
        return None
    last = rules.objection_window_ends(record.notified_on, settings)
    if on <= last:
        return None
    own = getattr(filed_by, "person_id", None) == record.person_id
    if own:
        return Conflict("objection_window_closed",
                        _("异议期已于%(day)s届满，不能再提出异议；如确有正当理由，请联系人事干部登记", day=last.isoformat()),
                        details=[{"last_day": last.isoformat()}])
    if not (late_reason or "").strip():
        return Conflict("objection_window_closed",
                        _("异议期已于%(day)s届满；人事干部代为登记逾期异议须说明理由", day=last.isoformat()),
                        fields={"late_reason": _("逾期登记须说明理由")}, details=[{"last_day": last.isoformat()}])
    return None


def file_objection(record: Record, reasons: str, filed_by, attachments: Iterable = (), *,
                   on: date | None = None, late_reason: str | None = None) -> Objection:
    """异议 (docs/rules.md §4.5) on a notified or effective record, by the person or HR for
    them, within the objection window (HR: later only with ``late_reason``). The record
    becomes under_objection; HR must decide by rules.objection_due. -> Objection."""
    on = on or clock.today()
    fields: dict[str, str] = {}
    reasons = c.required_text(reasons, "reasons", _("异议理由"), 5000, fields)
    late_reason = c.text(late_reason, "late_reason", _("逾期登记理由"), 1000, fields, required=False)
    if fields:
        raise ValidationFailed(fields)
    settings = rule_settings()
    problem = objection_window_problem(record, on, filed_by, late_reason, settings)
    if problem is not None:
        raise problem
    if late_reason and (record.notified_on is None or on <= rules.objection_window_ends(record.notified_on, settings)):
        late_reason = None
    c.keep_version(record, "object", filed_by, reasons, lambda: record.open_objection(on, settings))
    objection = Objection(record_id=record.id, person_id=record.person_id, filed_by_id=c.uid(filed_by),
                          reasons=reasons, filed_on=on, due_on=rules.objection_due(on, settings),
                          status=ObjectionStatus.PENDING, late_reason=late_reason)
    db.session.add(objection)
    db.session.flush()
    from core.files import save_upload
    for storage in attachments or ():
        if getattr(storage, "filename", ""):
            save_upload(storage, owner_type="objection", owner_id=objection.id, person_id=record.person_id,
                        uploaded_by=c.actor(filed_by))
    record_event("objection_file", objection, f"对{c.label(record)}提出异议")
    changed([record.person_id], RECORD)
    if record.entered_by_id and record.entered_by_id != c.uid(filed_by):
        from core.accounts.models import User
        notify(kind="objection_filed", user=db.session.get(User, record.entered_by_id),
               title=f"收到异议：{c.label(record)}", body=f"请于{objection.due_on.isoformat()}前处理。",
               link=c.link("file.objection_detail", objection_id=objection.id))
    return objection


def other_hr_in_scope(person, user_id: int | None) -> bool:
    """Whether an enabled HR officer other than ``user_id`` has ``person`` in scope."""
    from core.accounts.models import User, UserRole
    from core.enums import Role
    from core.registry.models import Department
    row = db.session.execute(
        db.select(sa.literal(1)).select_from(User).join(UserRole, UserRole.user_id == User.id)
        .join(Department, Department.id == User.department_id)
        .where(UserRole.role == Role.HR, User.is_enabled.is_(True), User.id != (user_id or 0),
               sa.literal(person.department_path).startswith(Department.path))).first()
    return row is not None


def may_decide(objection: Objection, record: Record, person, user) -> str | None:
    """Why ``user`` may not decide ``objection`` (Chinese), or None: not about their own
    file; not the officer who entered the record while another HR officer in scope exists."""
    if getattr(user, "person_id", None) == objection.person_id:
        return "不能处理针对本人档案的异议"
    if record.entered_by_id and record.entered_by_id == getattr(user, "id", None) \
            and other_hr_in_scope(person, user.id):
        return "您是该记录的录入人，应由本范围内的其他人事干部处理此异议（回避）"
    return None


def decide_objection(objection: Objection, decision: str, reason: str, decided_by, *, person=None,
                     corrections: dict | None = None, version: int | None = None,
                     on: date | None = None) -> Objection:
    """Decide an objection (docs/rules.md §4.5). ``upheld`` → the record is revoked (or, with
    ``corrections``, corrected and back to its state) and restrictions lift at once;
    ``rejected`` → back to effective (or notified while the window is open). The person is
    notified either way. -> Objection."""
    from core.registry.models import Person
    c.check_version(objection, version, _("该异议"))
    if objection.status is not ObjectionStatus.PENDING:
        raise Conflict("illegal_state", _("该异议已处理（%(status)s），不能重复处理", status=objection.status.label))
    fields: dict[str, str] = {}
    if decision not in (ObjectionStatus.UPHELD.value, ObjectionStatus.REJECTED.value):
        fields["decision"] = _("请选择处理结果（异议成立或不成立）")
    reason = c.required_text(reason, "reason", _("处理理由"), 5000, fields)
    if fields:
        raise ValidationFailed(fields)
    record = db.session.get(Record, objection.record_id)
    assert record is not None   # objections.record_id is a foreign key; nothing is deleted
    person = person or db.session.get(Person, objection.person_id)
    refusal = may_decide(objection, record, person, decided_by)
    if refusal:
        raise Forbidden(refusal, code="recused")
    on, settings = on or clock.today(), rule_settings()
    upheld = decision == ObjectionStatus.UPHELD.value
    if upheld and corrections:
        from archive.file.records import update_record
        update_record(record, corrections, version=None, reason=f"异议成立，更正：{reason}", by=decided_by,
                      action="correct")
    c.keep_version(record, "uphold" if upheld else "reject", decided_by, reason,
                  lambda: record.close_objection(upheld, on, settings, reason=f"异议成立：{reason}",
                                                 corrected=bool(corrections)))
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.decided_by_id, objection.decided_on = c.uid(decided_by), on
    objection.decision_reason, objection.corrected = reason, bool(upheld and corrections)
    db.session.flush()
    record_event("objection_decide", objection, f"{objection.status.zh}：{reason}")
    changed([objection.person_id], RECORD)
    if upheld:
        outcome = "记录已更正" if corrections else "记录已撤销，相关限制即时解除"
    else:
        outcome = f"记录维持（{record.status.zh}）"
    notify(kind="objection_decided", person=person, title=f"异议处理结果：{objection.status.zh}",
           body=f"关于{c.label(record)}的异议：{objection.status.zh}。{outcome}。理由：{reason}",
           link=c.link("file.objection_detail", objection_id=objection.id))
    return objection


def _objection_subject(subject_id: int):
    o = db.session.get(Objection, subject_id)
    return None if o is None else (o.person_id, o.status is not ObjectionStatus.PENDING, f"异议 #{o.id}")



# --------------------------------------------------------------------------- complaints

def file_complaint(person, *, subject_type: str, subject_id: int, text: str, by=None,
                   on: date | None = None) -> Complaint:
    """投诉 about the handling of an objection or repair; it goes to HR of the parent
    department of the person's department (docs/rules.md §4.5). -> Complaint."""
    from core.registry.models import Department
    fields: dict[str, str] = {}
    text = c.required_text(text, "text", _("投诉内容"), 5000, fields)
    loader = COMPLAINT_SUBJECTS.get(subject_type)
    subject = loader(int(subject_id)) if loader else None
    if subject is None or subject[0] != person.id:
        raise NotFound(_("投诉对象不存在"))
    if not subject[1]:
        raise Conflict("illegal_state", _("%(n)s尚未处理，处理后方可投诉", n=subject[2]))
    if fields:
        raise ValidationFailed(fields)
    dept = person.department
    handler = db.session.get(Department, dept.parent_id) if dept.parent_id else dept
    assert handler is not None  # parent_id is a foreign key; nothing is deleted
    complaint = Complaint(person_id=person.id, subject_type=subject_type, subject_id=int(subject_id), text=text,
                          filed_on=on or clock.today(), filed_by_id=c.uid(by), handler_department_id=handler.id,
                          handler_path=handler.path, status=ComplaintStatus.PENDING)
    db.session.add(complaint)
    db.session.flush()
    record_event("complaint_file", complaint, f"投诉{subject[2]}的处理，转{handler.name}人事部门")
    changed([complaint.person_id], RECORD)
    return complaint


def complaint_handler_clause(user):
    """SQL condition: complaints ``user`` answers (HR of the handler department or above)."""
    if not user.has_role("hr") or user.department is None:
        return sa.false()
    return Complaint.handler_path.startswith(user.department.path, autoescape=True)


def can_answer_complaint(user, complaint: Complaint) -> bool:
    return bool(user.has_role("hr") and user.department is not None
                and complaint.handler_path.startswith(user.department.path)
                and getattr(user, "person_id", None) != complaint.person_id)


def answer_complaint(complaint: Complaint, answer: str, *, by=None, version: int | None = None) -> Complaint:
    """Answer a complaint (HR of the parent department); the person is notified."""
    c.check_version(complaint, version, _("该投诉"))
    if complaint.status is not ComplaintStatus.PENDING:
        raise Conflict("illegal_state", _("该投诉已答复"))
    fields: dict[str, str] = {}
    answer = c.required_text(answer, "answer", _("答复内容"), 5000, fields)
    if fields:
        raise ValidationFailed(fields)
    complaint.status, complaint.answer = ComplaintStatus.ANSWERED, answer
    complaint.answered_by_id, complaint.answered_on = c.uid(by), clock.today()
    db.session.flush()
    record_event("complaint_answer", complaint, "答复投诉")
    changed([complaint.person_id], RECORD)
    c.notify_person(complaint.person_id, kind="complaint_answered", title="您的投诉已答复", body=answer[:500],
                   link=c.link("file.complaint_detail", complaint_id=complaint.id))
    return complaint
