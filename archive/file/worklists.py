"""HR worklists of the file (set-based, scoped queries): records, objections, complaints,
two consecutive 不称职, and the HR home cards (core.views.WORKLIST_PROVIDERS)."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import aliased

from archive import rules
from archive.enums import Grade, RecordStatus
from archive.file.models import Appraisal, Complaint, ComplaintStatus, Objection, ObjectionStatus, Record
from core import clock
from core.accounts.permissions import person_scope_clause
from core.extensions import db
from core.registry.models import Person

_RESTRICTING = (RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE)


def status_clause(status: RecordStatus, today: date, settings: rules.RuleSettings):
    """SQL condition: records whose status at ``today`` is ``status`` (rules.status_at with
    each record's own end; the file page also combines periods, art. 15)."""
    end_passed = sa.and_(Record.permanent.is_(False), Record.restricted_until.is_not(None),
                         Record.restricted_until < today)
    window_passed = Record.notified_on < today - timedelta(days=settings.objection_window_days)
    if status is RecordStatus.EXPIRED:
        return sa.or_(Record.status == RecordStatus.EXPIRED, sa.and_(Record.status.in_(_RESTRICTING), end_passed))
    if status is RecordStatus.NOTIFIED:
        return sa.and_(Record.status == RecordStatus.NOTIFIED, sa.not_(window_passed), sa.not_(end_passed))
    if status is RecordStatus.EFFECTIVE:
        return sa.and_(sa.or_(Record.status == RecordStatus.EFFECTIVE,
                              sa.and_(Record.status == RecordStatus.NOTIFIED, window_passed)), sa.not_(end_passed))
    if status is RecordStatus.UNDER_OBJECTION:
        return sa.and_(Record.status == RecordStatus.UNDER_OBJECTION, sa.not_(end_passed))
    return Record.status == status


def records_select(user, *, status: RecordStatus | None = None, category=None, today: date | None = None,
                   settings: rules.RuleSettings | None = None):
    """(Record, Person) rows of the records of the people ``user`` manages."""
    sel = (db.select(Record, Person).join(Person, Person.id == Record.person_id)
           .where(person_scope_clause(user, manage=True)))
    if status is not None:
        sel = sel.where(status_clause(status, today or clock.today(), settings or rules.RuleSettings()))
    if category is not None:
        sel = sel.where(Record.category == category)
    return sel


def objections_select(user, *, pending_only: bool = True):
    """(Objection, Record, Person) rows of objections about people ``user`` manages."""
    sel = (db.select(Objection, Record, Person).join(Record, Record.id == Objection.record_id)
           .join(Person, Person.id == Objection.person_id).where(person_scope_clause(user, manage=True)))
    if pending_only:
        sel = sel.where(Objection.status == ObjectionStatus.PENDING)
    return sel


def complaints_select(user, *, pending_only: bool = True):
    """(Complaint, Person) rows of complaints ``user`` answers (HR of the parent department)."""
    from archive.file.services import complaint_handler_clause
    sel = (db.select(Complaint, Person).join(Person, Person.id == Complaint.person_id)
           .where(complaint_handler_clause(user), Complaint.person_id != (user.person_id or 0)))
    if pending_only:
        sel = sel.where(Complaint.status == ComplaintStatus.PENDING)
    return sel


def incompetent_select(user, since_year: int):
    """(Person, year) of people in scope with 不称职 in year-1 and year (公务员法 art. 88), year >= since_year."""
    prev = aliased(Appraisal)
    return (db.select(Person, Appraisal.year).join(Appraisal, Appraisal.person_id == Person.id)
            .join(prev, sa.and_(prev.person_id == Appraisal.person_id, prev.year == Appraisal.year - 1))
            .where(person_scope_clause(user, manage=True), Appraisal.grade == Grade.INCOMPETENT,
                   prev.grade == Grade.INCOMPETENT, Appraisal.year >= since_year))


def _count(sel) -> int:
    return db.session.execute(db.select(sa.func.count()).select_from(sel.subquery())).scalar_one()


def worklist_cards(user) -> list[dict]:
    """HR home cards: records to notify, objections pending / overdue, complaints, 连续不称职."""
    if not user.has_role("hr"):
        return []
    today = clock.today()
    drafts = _count(records_select(user).where(Record.status == RecordStatus.DRAFT).with_only_columns(Record.id))
    pending = _count(objections_select(user).with_only_columns(Objection.id))
    overdue = _count(objections_select(user).where(Objection.due_on < today).with_only_columns(Objection.id))
    due_soon = _count(objections_select(user).where(Objection.due_on >= today,
                                                    Objection.due_on <= today + timedelta(days=7))
                      .with_only_columns(Objection.id))
    complaints = _count(complaints_select(user).with_only_columns(Complaint.id))
    incompetent = _count(incompetent_select(user, today.year - 2).with_only_columns(Person.id).distinct())
    cards = [
        (drafts, "待告知的失信记录", url_for("file.records", status="draft"), "primary"),
        (overdue, "逾期未处理的异议", url_for("file.objections", due="overdue"), "danger"),
        (due_soon, "7日内到期的异议", url_for("file.objections", due="soon"), "warning"),
        (pending - overdue - due_soon, "其他待处理异议", url_for("file.objections"), "info"),
        (complaints, "待答复的投诉", url_for("file.objections", _anchor="complaints"), "warning"),
        (incompetent, "连续两年不称职", url_for("file.incompetent"), "danger"),
    ]
    return [{"title": title, "count": n, "url": url, "level": level} for n, title, url, level in cards if n]
