"""Pledges as plain data: the API shape and the pledges section of the integrity file
(registered as ``archive.file.services.FILE_SECTIONS["pledges"]`` by hooks.py)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import lazyload, selectinload

from archive.enums import PledgeKind
from archive.pledges import queries
from archive.pledges.models import Pledge, PledgeFulfilment
from core.extensions import db
from core.text import N_


def pledges_for_person(person) -> list[Pledge]:
    """Every pledge of a person, newest first."""
    return list(db.session.execute(queries.pledges_of_person(person.id)).scalars())


def todo_items(person, today: date) -> list:
    """The pledges waiting for a signature, as to-do items of "my file" (archive.file.todo):
    registered by hooks.py as ``TODO_PROVIDERS["pledges"]``; the button opens the sign page."""
    from flask import url_for
    from flask_babel import gettext as _

    from archive.file.todo import TodoItem
    from archive.pledges.models import PledgeStatus, PledgeTemplate
    rows = db.session.execute(
        db.select(Pledge.id, Pledge.due_on, PledgeTemplate.title)
        .join(PledgeTemplate, PledgeTemplate.id == Pledge.template_id)
        .where(Pledge.person_id == person.id, Pledge.status == PledgeStatus.ASSIGNED)
        .order_by(Pledge.due_on, Pledge.id)).all()
    return [TodoItem("pledge", pid, title, due_on, url_for("pledges.sign", pledge_id=pid), _("签署"),
                     overdue=due_on < today) for pid, due_on, title in rows]


def pledge_json(p: Pledge) -> dict:
    return {"id": p.id, "person_id": p.person_id, "template_id": p.template_id, "kind": p.kind.value,
            "title": p.template.title, "template_version": p.template.version, "status": p.status.value,
            "assigned_at": _iso(p.assigned_at), "due_on": _iso(p.due_on), "post": p.post_at_assignment,
            "signed_at": _iso(p.signed_at), "sha256": p.sha256, "published": p.published,
            "reminders_sent": p.reminders_sent, "document_serial": p.document_serial, "version": p.version}


def file_section(person, as_of: date | None = None) -> list[dict]:
    """The pledges section of the file (page and API ``"pledges"``): one dict per pledge
    assigned by ``as_of`` (pledge_json + ``kind_label``, ``status_label``,
    ``valid_for_current_post`` and ``fulfilments`` [{period, kept, facts, record_id}])."""
    since = person.appointed_on or person.entry_date
    out = []
    # fulfilments and printed documents of every pledge in one query each (no query per pledge);
    # the person is the one in hand (identity map), not joined again
    stmt = queries.pledges_of_person(person.id).options(
        selectinload(Pledge.fulfilments).lazyload(PledgeFulfilment.pledge), selectinload(Pledge.documents),
        lazyload(Pledge.person))
    for p in db.session.execute(stmt).scalars():
        if as_of is not None and p.assigned_on > as_of:
            continue
        row = pledge_json(p)
        # Text: the Chinese name in JSON, the user's language on the page (core/text.py)
        row["kind_label"] = N_(p.kind.zh)
        row["status_label"] = N_(p.status.zh)
        row["valid_for_current_post"] = bool(p.kind is PledgeKind.PRE_APPOINTMENT and p.is_signed
                                             and p.signed_on and p.signed_on >= since)
        row["fulfilments"] = [{"period": f.period, "kept": f.kept, "facts": f.facts, "record_id": f.record_id}
                              for f in sorted(p.fulfilments, key=lambda f: f.period)]
        out.append(row)
    return out


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
