"""A narrow person lookup for forms of people who may not browse the registry (the sysadmin
linking an account to a person): name, department and masked id number only, a few at a time."""
from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from core.registry.models import Person
from core.registry.search_keys import is_tail_query
from core.registry.services import search_clause


def lookup_people(text: str, *, limit: int = 10) -> list[Person]:
    """People matching ``text``: a full id number, its last 4-6 characters, or a name (exact
    matches first, then names containing it; at least 2 characters). Active people first."""
    text = (text or "").strip()[:50]
    if not text or (len(text) < 2 and not is_tail_query(text)):
        return []
    limit = max(1, min(limit, 20))
    order = (sa.case((Person.status == "active", 0), else_=1), Person.name, Person.id)
    exact = db.session.execute(sa.select(Person).where(Person.name == text).order_by(*order).limit(limit)
                               ).scalars().all()
    if exact:
        return list(exact)
    return list(db.session.execute(sa.select(Person).where(search_clause(text)).order_by(*order).limit(limit))
                .scalars())
