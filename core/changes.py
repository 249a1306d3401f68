"""The unit of work of derived data: services say what they changed, derived data follows once
per transaction.

Derived data — the training summary (``training_status``), the coverage facts
(``coverage_facts``) and the cached file documents (``file_documents`` / ``file_stamps``) — is
kept current by one explicit contract, with no listener guessing from flushed rows: a service
that writes a row derived data is computed from calls ``changed(person_ids, what)`` in the same
transaction (``None`` ids: everyone, for shared rows). Nothing is recomputed then: the calls of a
transaction are collected on the session and handed, once, just before the transaction commits
(or earlier, to a reader that calls :func:`flush`), to every handler registered in core.wiring
(``CHANGE_HANDLER``: fn(session, {what: ids or None})), in registration order — the training
summary first (training.register), then what reads it (the file cache, the coverage facts). A
rollback forgets them. :func:`install` is the factory's ``register_unit_of_work`` step.

``what`` — the vocabulary (each table of the file and of coverage belongs to one):

=============  ==============================================================================
PERSON         ``people``: the person's own fields (status, department, post, entry date,
               leading post, names). Training summary, coverage facts, file.
FILE           the file's own rows: ``archive_files`` (established), ``awards``,
               ``matter_checks``, ``attachments``, ``printed_documents``. Coverage, file.
RECORD         ``records``, ``record_versions``, ``objections``, ``complaints``,
               ``case_flags``, ``repair_applications``. File only.
APPRAISAL      ``appraisals``, ``appraisal_versions``. Coverage, file.
PLEDGE         ``pledges``, ``pledge_fulfilments``. Coverage, file.
TRAINING       ``enrolments`` and the training summary ``training_status`` (the training
               services refresh the summary of the year they touch, then note it). Coverage,
               file.
SHARED         rows shown in every file: ``departments``, ``users.display_name``,
               ``pledge_templates``, ``pledge_texts``, ``courses`` (always ``None``). File.
=============  ==============================================================================

Handlers may skip a ``what`` that cannot matter to them (coverage ignores RECORD and SHARED;
the training summary follows PERSON only). :data:`TABLE_WHAT` is the same table written as
data; :data:`FACT_TABLES` are the tables whose rows a handler other than the file cache reads,
so for those the ``what`` must be the table's own (a pledge noted as RECORD would leave the
coverage facts stale); for the rest any ``what`` naming the person will do.

Completeness is proven by tests, not by a hidden listener: tests/changes_verifier.py (installed
by tests/conftest.py for the whole suite, never by the application) watches every flush and
every ``Session.execute`` write on the tables of :data:`TABLE_WHAT` and fails the test when a
transaction commits a row of person X without ``changed([X, ...], what)`` (or ``None``) noted.
Writes made by the handlers themselves (inside :func:`flush`, marked by :data:`APPLYING`) are
derived data and exempt. Raw SQL outside the session (the importer's and the demo's ``COPY``)
is not seen by it: those paths call :func:`changed` with the ids they wrote.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from core import wiring
from core.db import listen_once
from core.extensions import db

PENDING = "changes_pending"
#: set on the session while the handlers run (their writes are derived data)
APPLYING = "changes_applying"
EVERYONE = None

PERSON = "person"
FILE = "file"
RECORD = "record"
APPRAISAL = "appraisal"
PLEDGE = "pledge"
TRAINING = "training"
SHARED = "shared"
WHATS = (PERSON, FILE, RECORD, APPRAISAL, PLEDGE, TRAINING, SHARED)

#: table -> the ``what`` that names a change of its rows
TABLE_WHAT: dict[str, str] = {
    "people": PERSON,
    "archive_files": FILE, "awards": FILE, "matter_checks": FILE, "attachments": FILE,
    "printed_documents": FILE,
    "records": RECORD, "record_versions": RECORD, "objections": RECORD, "complaints": RECORD,
    "case_flags": RECORD, "repair_applications": RECORD,
    "appraisals": APPRAISAL, "appraisal_versions": APPRAISAL,
    "pledges": PLEDGE, "pledge_fulfilments": PLEDGE,
    "enrolments": TRAINING, "training_status": TRAINING,
    "departments": SHARED, "users": SHARED, "pledge_templates": SHARED, "pledge_texts": SHARED,
    "courses": SHARED,
}
#: tables read by a handler other than the file cache: noted with their own ``what``
FACT_TABLES = frozenset({"people", "archive_files", "appraisals", "pledges", "enrolments", "training_status"})
#: shared rows (no owner): a change is noted for everyone
SHARED_TABLES = frozenset(t for t, w in TABLE_WHAT.items() if w == SHARED)


def changed(person_ids: Iterable[int | None] | None, what: str, *, session: Session | None = None) -> None:
    """Note that ``what`` changed for ``person_ids`` (None: for everyone) in this transaction."""
    if what not in WHATS:
        raise ValueError(f"unknown change {what!r} (core.changes.WHATS)")
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
        s.info[APPLYING] = s.info.get(APPLYING, 0) + 1
        try:
            for handler in wiring.hooks(wiring.CHANGE_HANDLER):
                handler(s, batch)
        finally:
            s.info[APPLYING] -= 1


def _before_commit(session: Session) -> None:
    if session.info.get(PENDING):
        flush(session)


def _after_rollback(session: Session, previous_transaction: object) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING, None)


def install() -> None:
    """Flush the noted changes before every commit (idempotent)."""
    listen_once(Session, "before_commit", _before_commit)
    listen_once(Session, "after_soft_rollback", _after_rollback)
