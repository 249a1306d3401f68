"""HR worklists of the file (set-based, scoped queries): records, objections, complaints,
two consecutive 不称职, and the HR home cards (core.views.WORKLIST_PROVIDERS)."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from archive import rules
from archive.enums import Grade, RecordStatus
from archive.file.models import Appraisal, Complaint, ComplaintStatus, Objection, ObjectionStatus, Record

# the SQL twin of rules.status_at lives next to its rule (docs/rules-sql.md, "Rules and their SQL twins")
from archive.rules.sql import status_clause  # noqa: F401 - re-exported for the file's views and API
from core import clock
from core.accounts.permissions import person_scope_clause
from core.extensions import db
from core.registry.models import Person


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
    repair_review = _count(records_select(user).where(Record.repair_review.is_(True)).with_only_columns(Record.id))
    cards = [
        (drafts, _("待告知的失信记录"), url_for("file.records", status="draft"), "primary"),
        (overdue, _("逾期未处理的异议"), url_for("file.objections", due="overdue"), "danger"),
        (due_soon, _("7日内到期的异议"), url_for("file.objections", due="soon"), "warning"),
        (pending - overdue - due_soon, _("其他待处理异议"), url_for("file.objections"), "info"),
        (complaints, _("待答复的投诉"), url_for("file.objections", _anchor="complaints"), "warning"),
        (incompetent, _("连续两年不称职"), url_for("file.incompetent"), "danger"),
        # docs/rules.md §4.6: statutory sanctions are not repairable; earlier repairs are reviewed
        (repair_review, _("法定处分曾被信用修复，待复核"), url_for("file.records", status="repaired", review="1"), "danger"),
    ]
    return [{"title": title, "count": n, "url": url, "level": level} for n, title, url, level in cards if n]
