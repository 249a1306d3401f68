"""A person's audit trail: the events about them, including the batch events that touched them.

Most events name their person (``audit_events.person_id``). An import, a bulk pledge
assignment or a bulk enrolment is one event for many people and names none; the domain
packages register a *trail source* that finds those events from what the batch left on the
person (the import batch number of their registry change or record, the time and template of
their pledge, ...). :func:`person_trail_clause` ORs them together.

Also here: resolving the auditor's "人员" search (a name, a full id number or its last 4-6
characters) to people, and who an event's actor is when nobody was logged in.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from core import wiring
from core.audit.models import AuditEvent
from core.extensions import db

#: actions done by the public, without an account (the /verify pages)
PUBLIC_ACTIONS = frozenset({"document_verify"})
MAX_PEOPLE = 50


def register_trail_source(fn: Callable[[list[int]], list]) -> None:
    """Add a trail source (fn(person_ids) -> SQL conditions on AuditEvent), from a package's register()."""
    wiring.add_hook(wiring.AUDIT_TRAIL, fn)


def person_trail_clause(person_ids: list[int]):
    """SQL condition on AuditEvent: the events of these people, batch events included."""
    if not person_ids:
        return sa.false()
    clauses = [AuditEvent.person_id.in_(person_ids)]
    for source in wiring.hooks(wiring.AUDIT_TRAIL):
        clauses += source(person_ids)
    return sa.or_(*clauses)


def find_people(text: str):
    """People matching the auditor's search: a full id number, its last 4-6 characters, or a
    name (exact first; else a substring). At most MAX_PEOPLE, in name order."""
    from core.registry.models import Person
    from core.registry.services import search_clause
    text = (text or "").strip()[:50]
    if not text:
        return []
    exact = db.session.execute(sa.select(Person).where(Person.name == text).order_by(Person.id)
                               .limit(MAX_PEOPLE)).scalars().all()
    if exact:
        return exact
    return db.session.execute(sa.select(Person).where(search_clause(text)).order_by(Person.name, Person.id)
                              .limit(MAX_PEOPLE)).scalars().all()


def actor_kind(event: AuditEvent) -> str:
    """``user`` (an account), ``public`` (an anonymous check on /verify), ``anonymous`` (another
    request without an account, e.g. a failed login) or ``system`` (CLI, jobs)."""
    if event.actor_name and event.actor_name != "cli":
        return "user"
    if event.ip == "cli" or event.actor_name == "cli":
        return "system"
    if event.action in PUBLIC_ACTIONS:
        return "public"
    return "anonymous"
