"""The unit of work of derived data: services say what they changed, derived data follows once
per transaction.

A service that changes something derived data is computed from calls
``changed(person_ids, what)`` (``what``: "person", "record", "pledge", "training", ...; ``None``
ids: everyone). Nothing is recomputed then: the calls of a transaction are collected on the
session and handed, once, just before the transaction commits, to every handler registered in
core.wiring (``CHANGE_HANDLER``: fn(session, {what: ids or None})), in registration order — the
training summary first (training.register), then what reads it (coverage facts, the file
cache). A rollback forgets them. :func:`install` is the factory's ``register_unit_of_work`` step.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

from core import wiring
from core.extensions import db

PENDING = "changes_pending"
EVERYONE = None


def changed(person_ids: Iterable[int] | None, what: str, *, session: Session | None = None) -> None:
    """Note that ``what`` changed for ``person_ids`` (None: for everyone) in this transaction."""
    info = (session or db.session).info
    pending: dict[str, set[int] | None] = info.setdefault(PENDING, {})
    noted = pending.setdefault(what, set())
    if person_ids is None or noted is None:
        pending[what] = None
        return
    noted.update(int(i) for i in person_ids if i is not None)


def pending(session: Session | None = None) -> dict[str, set[int] | None]:
    return dict((session or db.session).info.get(PENDING, {}))


def flush(session: Session | None = None) -> None:
    """Hand what this transaction changed to the handlers (called before commit; callers that
    read derived data inside the transaction may call it earlier)."""
    s = session or db.session
    while s.info.get(PENDING):              # a handler may note further changes
        batch = s.info.pop(PENDING)
        if s.new or s.dirty or s.deleted:
            s.flush()
        for handler in wiring.hooks(wiring.CHANGE_HANDLER):
            handler(s, batch)


def _before_commit(session: Session) -> None:
    if session.info.get(PENDING):
        flush(session)


def _after_rollback(session: Session, previous_transaction: object) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING, None)


_installed = False


def install() -> None:
    """Flush the noted changes before every commit (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
        _installed = True
