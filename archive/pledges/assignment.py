"""Assigning a pledge template to people (docs/rules.md §5): set-based (one INSERT ... SELECT of
the pledges, one of their inbox notifications, one audit event), its preview with the same
conditions, and the registry hook that assigns the pre-appointment pledge on registration and
appointment. Re-exported by archive/pledges/services.py."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from archive.enums import PledgeKind
from archive.pledges import queries
from archive.pledges.common import due_days, sign_link_parts
from archive.pledges.models import Pledge, PledgeStatus, PledgeTemplate, TemplateStatus
from archive.pledges.templates import latest_published
from core import clock
from core.accounts.permissions import person_scope_clause
from core.audit.services import record_event
from core.changes import PLEDGE, changed
from core.db import UTCDateTime
from core.enums import PersonStatus
from core.errors import ValidationFailed
from core.extensions import db
from core.notify.models import Notification
from core.registry.models import Person

# ---- assignment -------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignResult:
    assigned: int
    skipped: int
    batch: str | None = None

    def __iter__(self):
        return iter((self.assigned, self.skipped))


def _people_condition(people):
    """A WHERE condition on ``people`` for ``people`` given as a ``select(Person.id)``, Person
    objects or ids. A plain select on the people table contributes its WHERE clause itself
    (no self-join: the planner never has to guess the size of an IN over people)."""
    if isinstance(people, sa.Select):
        froms = people.get_final_froms()
        if (len(froms) == 1 and froms[0] is Person.__table__ and len(people.selected_columns) == 1
                and people.whereclause is not None and not people._group_by_clauses and people._limit_clause is None):
            return people.whereclause
        return Person.id.in_(sa.select(people.subquery().c[0]))
    return Person.id.in_(sorted({p if isinstance(p, int) else p.id for p in people}))


def _sign_link_sql():
    """Each assignment notice opens its own pledge's sign page (issue 19): prefix || id || suffix."""
    prefix, suffix = sign_link_parts()
    return sa.literal(prefix, sa.String) + sa.cast(Pledge.id, sa.String) + sa.literal(suffix, sa.String)
def assign_preview(template: PledgeTemplate, people, *, due_on: date | None = None, assigned_by=None,
                   today: date | None = None) -> AssignResult:
    """What :func:`assign` would do, without doing it (the confirmation step of bulk actions):
    the same checks and the same conditions, counted. ``batch`` is None."""
    if template is None or template.status is not TemplateStatus.PUBLISHED:
        raise ValidationFailed({"template_id": _("只能分配已发布的承诺书模板")})
    today = today or clock.today()
    if due_on is not None and due_on < today:
        raise ValidationFailed({"due_on": _("签署截止日期不能早于今天")})
    asked, eligible = _assignment_conditions(template, people, assigned_by, today)
    will = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(*eligible)).scalar_one()
    return AssignResult(will, asked - will, None)


def _assignment_conditions(template: PledgeTemplate, people, assigned_by, today: date) -> tuple[int, list]:
    """(people asked for, the WHERE conditions of those who get the pledge): active, in
    ``assigned_by``'s manage scope (when given), not already holding one. One definition for
    :func:`assign` and its preview."""
    wanted = _people_condition(people)
    asked = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(wanted)).scalar_one()
    eligible = [wanted, Person.status == PersonStatus.ACTIVE, ~queries.holding_clause(template.kind, today)]
    if assigned_by is not None:
        eligible.append(person_scope_clause(assigned_by, manage=True))
    return asked, eligible


def assign(template: PledgeTemplate, people, *, due_on: date | None = None, assigned_by=None,
           today: date | None = None, notify: bool = True) -> AssignResult:
    """Assign ``template`` to ``people`` (a ``select(Person.id)``, Person objects or ids).

    Set-based: one INSERT ... SELECT for the people who are active, in ``assigned_by``'s
    manage scope (when given) and not already holding one (:func:`queries.holding_clause`);
    one INSERT ... SELECT of their inbox notifications; one audit event. Returns
    (assigned, skipped): skipped = people asked for - assigned.
    """
    if template is None or template.status is not TemplateStatus.PUBLISHED:
        raise ValidationFailed({"template_id": _("只能分配已发布的承诺书模板")})
    today = today or clock.today()
    due_on = due_on or today + timedelta(days=due_days())
    if due_on < today:
        raise ValidationFailed({"due_on": _("签署截止日期不能早于今天")})
    asked, eligible = _assignment_conditions(template, people, assigned_by, today)
    batch, now = uuid.uuid4().hex, clock.utcnow()
    source = sa.select(
        Person.id, sa.literal(template.id), sa.literal(template.kind.value), sa.literal(batch),
        sa.literal(now, UTCDateTime()), sa.literal(today, sa.Date()),
        sa.literal(getattr(assigned_by, "id", None), sa.Integer()), sa.literal(due_on, sa.Date()),
        Person.post, sa.func.coalesce(Person.appointed_on, Person.entry_date),
        sa.literal(PledgeStatus.ASSIGNED.value), sa.literal(0), sa.false(), sa.literal(1),
        sa.literal(now, UTCDateTime()), sa.literal(now, UTCDateTime()),
    ).where(*eligible)
    db.session.execute(sa.insert(Pledge).from_select(
        ["person_id", "template_id", "kind", "batch", "assigned_at", "assigned_on", "assigned_by_id", "due_on",
         "post_at_assignment", "post_since", "status", "reminders_sent", "published", "version",
         "created_at", "updated_at"], source))
    assigned = db.session.execute(sa.select(sa.func.count()).select_from(Pledge)
                                  .where(Pledge.batch == batch)).scalar_one()
    if assigned and notify:
        body = f"请于{due_on.year}年{due_on.month}月{due_on.day}日前阅读并在线签署《{template.title}》。"
        db.session.execute(sa.insert(Notification).from_select(
            ["kind", "title", "body", "link", "person_id", "created_at"],
            sa.select(sa.literal("pledge_assigned"), sa.literal(f"待签署承诺：{template.title}"[:200]),
                      sa.literal(body), _sign_link_sql(), Pledge.person_id,
                      sa.literal(now, UTCDateTime())).where(Pledge.batch == batch)))
    changed(db.session.execute(sa.select(Pledge.person_id).where(Pledge.batch == batch)).scalars(), PLEDGE)
    single = None
    if assigned == 1 and asked == 1:
        single = db.session.execute(sa.select(Pledge.person_id).where(Pledge.batch == batch)).scalar_one()
    record_event("pledge_assign", template,
                 f"分配《{template.title}》第{template.version}版：已分配 {assigned} 人，跳过 {asked - assigned} 人，"
                 f"截止 {due_on.isoformat()}", person_id=single)
    return AssignResult(assigned, asked - assigned, batch if assigned else None)


def auto_assign_pre_appointment(person: Person) -> AssignResult | None:
    """Registry hook (registration, appointment to a new post): assign the current
    pre-appointment template unless the person already holds one for this post."""
    template = latest_published(PledgeKind.PRE_APPOINTMENT)
    if template is None or person is None or person.id is None:
        return None
    db.session.flush()
    return assign(template, [person.id])
