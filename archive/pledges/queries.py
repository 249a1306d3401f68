"""Set-based queries on pledges: validity, selection for bulk assignment, scoped lists.

Everything returns SQLAlchemy clauses or ``select()`` objects (the caller pages or counts);
nothing loops over people in Python. Correct on SQLite and PostgreSQL (dates are compared
as DATE columns on both).

For other packages (coverage, repair, file):

* :func:`valid_pre_appointment_pledge_clause` - an EXISTS condition on ``Person`` rows.
* :func:`people_with_valid_pledge_select` - ``SELECT person_id`` of everyone holding a
  valid pre-appointment pledge (docs/rules.md §5: signed on or after the appointment to the current
  post, or the entry date when there is no appointment date).
* :func:`has_valid_pre_appointment_pledge` - the same for one person (archive/rules/).
* :func:`signed_pledge_dates` - the local dates a person signed pledges of a kind (repair).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from archive import rules
from archive.enums import PledgeKind
from archive.pledges.models import Pledge, PledgeStatus, PledgeTemplate

# the SQL twin of rules.has_valid_pre_appointment_pledge lives next to its rule (docs/rules-sql.md)
from archive.rules.sql import post_since as _post_since
from archive.rules.sql import valid_pre_appointment_pledge_clause
from core.accounts.permissions import person_scope_clause, subtree_clause
from core.enums import PersonStatus
from core.extensions import db
from core.registry.models import Person


def people_with_valid_pledge_select():
    """``SELECT DISTINCT pledges.person_id`` of every person (any status, any department) who
    holds a valid pre-appointment pledge. Join or ``IN`` it with the people of a subtree:

        covered = select(func.count()).select_from(Person).where(
            Person.status == "active", subtree_clause(Person.department_path, path),
            Person.id.in_(people_with_valid_pledge_select()))
    """
    return (sa.select(Pledge.person_id)
            .join(Person, Person.id == Pledge.person_id)
            .where(Pledge.kind == PledgeKind.PRE_APPOINTMENT, Pledge.status == PledgeStatus.SIGNED,
                   Pledge.signed_on >= _post_since())
            .distinct())


def signed_pledge_dates(person, kind: PledgeKind | str = PledgeKind.PRE_APPOINTMENT) -> list[date]:
    """The dates (local, Asia/Shanghai) on which ``person`` signed pledges of ``kind``."""
    return [day for day in db.session.execute(
        sa.select(Pledge.signed_on).where(Pledge.person_id == person.id, Pledge.kind == PledgeKind(kind),
                                          Pledge.status == PledgeStatus.SIGNED)
        .order_by(Pledge.signed_on)).scalars() if day is not None]       # a signed pledge has its day


def has_valid_pre_appointment_pledge(person) -> bool:
    """Whether one person holds a valid pre-appointment pledge (archive.rules decides)."""
    return rules.has_valid_pre_appointment_pledge(signed_pledge_dates(person), person.appointed_on,
                                                  person.entry_date)


def holding_clause(kind: PledgeKind | str, today: date):
    """EXISTS condition on ``Person``: already holds a pledge of ``kind`` that makes a new
    assignment pointless (the person is *skipped*):

    * pre-appointment, service: a pending (unsigned) one, or one signed for the current post;
    * annual: one assigned or signed this calendar year (not cancelled), or pending;
    * repair: a pending one (a repair pledge is signed again for each record).
    """
    kind = PledgeKind(kind)
    p = aliased(Pledge)
    pending = p.status == PledgeStatus.ASSIGNED
    if kind in (PledgeKind.PRE_APPOINTMENT, PledgeKind.SERVICE):
        cond = sa.or_(pending, sa.and_(p.status == PledgeStatus.SIGNED, p.signed_on >= _post_since()))
    elif kind is PledgeKind.ANNUAL:
        year_start = date(today.year, 1, 1)
        cond = sa.or_(pending, sa.and_(p.status == PledgeStatus.SIGNED,
                                       sa.or_(p.assigned_on >= year_start, p.signed_on >= year_start)))
    else:
        cond = pending
    return sa.exists().where(p.person_id == Person.id, p.kind == kind, cond)


def select_people(*, person_ids=None, department=None, include_children: bool = True,
                  leading_only: bool = False, status: PersonStatus | str | None = PersonStatus.ACTIVE,
                  missing_pre_appointment: bool = False, within=None):
    """``SELECT people.id`` for a bulk act: explicit ids and/or a department (with or without
    its subtree), filters (leading posts only, a status), "missing a valid pre-appointment
    pledge", and ``within`` a user's manage scope."""
    sel = sa.select(Person.id)
    if person_ids is not None:
        sel = sel.where(Person.id.in_(list(person_ids)) if not isinstance(person_ids, sa.Select)
                        else Person.id.in_(person_ids))
    if department is not None:
        sel = sel.where(subtree_clause(Person.department_path, department.path) if include_children
                        else Person.department_id == department.id)
    if leading_only:
        sel = sel.where(Person.leading.is_(True))
    if status is not None:
        sel = sel.where(Person.status == PersonStatus(status))
    if missing_pre_appointment:
        sel = sel.where(~valid_pre_appointment_pledge_clause())
    if within is not None:
        sel = sel.where(person_scope_clause(within, manage=True))
    return sel


# ---- lists ----------------------------------------------------------------------------------

def pledges_in_scope(user):
    """Pledges of the people ``user`` may see (join Person, scope clause)."""
    return (sa.select(Pledge).join(Person, Person.id == Pledge.person_id)
            .join(PledgeTemplate, PledgeTemplate.id == Pledge.template_id)
            .where(person_scope_clause(user)))


def overdue_clause(today: date):
    return sa.and_(Pledge.status == PledgeStatus.ASSIGNED, Pledge.due_on < today)


def overdue_in_scope(user, today: date):
    """Unsigned pledges past their due date, of active people in ``user``'s manage scope."""
    return (pledges_in_scope(user).where(overdue_clause(today), Person.status == PersonStatus.ACTIVE,
                                         person_scope_clause(user, manage=True)))


def pledges_of_person(person_id: int):
    return (sa.select(Pledge).where(Pledge.person_id == person_id)
            .order_by(Pledge.assigned_at.desc(), Pledge.id.desc()))


def public_pledges():
    """Published signed pledges for the public page (承诺公示), newest first."""
    return (sa.select(Pledge).join(Person, Person.id == Pledge.person_id)
            .join(PledgeTemplate, PledgeTemplate.id == Pledge.template_id)
            .where(Pledge.published.is_(True), Pledge.status == PledgeStatus.SIGNED,
                   Person.status == PersonStatus.ACTIVE))
