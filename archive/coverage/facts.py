"""The per-person coverage facts (``coverage_facts``), kept current on write.

How the table stays current: the services that change a fact's sources say so. Each write
of a source row — the person (status, department, appointment, entry date, leading post),
the file (established flag), appraisals, pledges, enrolments and the training summary — is
followed, in the same transaction, by ``core.changes.changed(person_ids, what)``
(archive/coverage/sources.py lists the sources and the ``what`` of each). Once per
transaction, before it commits, the unit of work hands the noted changes to
:func:`on_changed` (registered after the training summary's handler, so the summary it reads
is current), which skips changes no fact depends on (records, complaints, shared rows:
:data:`FACT_CHANGES`) and recomputes the noted persons set-based with :func:`refresh_facts`
(one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per 5,000 ids), or everyone with
:func:`refresh_all_facts` for a change noted for everyone, inside the same transaction: the
facts commit (or roll back) with the change. Coverage read in the same transaction first
applies what is pending (:func:`apply_pending`, which flushes the unit of work first).

No listener watches the session: tests/changes_verifier.py (test-only) proves that every
write the suite makes is noted (core/changes.py).

Bulk loads and the calendar:

* long bulk loads may :func:`defer` the per-commit refresh (the changes they note keep
  being collected) and end with :func:`refresh_all_facts` (the demo does: its coverage
  step runs last; the importer's COPY path notes the ids it wrote);
* the calendar: the appraisal year and the training year move on 1 January (and the
  training requirements depend on the year). ``coverage snapshot`` (monthly cron) and
  ``coverage refresh`` rebuild everything, and the metrics rebuild it once themselves
  when no full refresh has run in the current year (:func:`ensure_current`).

The flags are computed in SQL from the source tables with the rules of their owners
(:func:`archive.pledges.queries.valid_pre_appointment_pledge_clause` and so on); nothing
here loops over people in Python.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.coverage import sources
from archive.coverage.models import CoverageFacts, CoverageRefresh
from core import changes, clock
from core.db import UTCDateTime
from core.extensions import db

log = logging.getLogger("integrity.coverage")

PENDING_IDS = "coverage_pending_ids"
PENDING_ALL = "coverage_pending_all"
DEFERRED = "coverage_deferred"
CHUNK = 5000
#: up to this many pending ids, refresh by id lists (a full refresh is never cheaper) ...
ALL_THRESHOLD = 20000
#: ... beyond, a full refresh when the ids are more than this share of all people (a full
#: rebuild costs ~9 s at 1,000,000 people; 100,000 ids by lists ~1-2 s) ...
ALL_SHARE = 0.25
#: ... and always beyond this many (the pending set is not kept larger)
PENDING_CAP = 250_000

FACT_COLUMNS = ("person_id", "department_path", "active", "established", "pledge_ok",
                "last_appraisal_year", "training_year", "training_met", "refreshed_at")


# ---------------------------------------------------------------------------- refreshing

def _facts_select(as_of: date, ids: list[int] | None):
    """SELECT of the facts of ``ids`` (all people when None), computed from the sources."""
    from core.enums import PersonStatus
    from core.registry.models import Person
    p = Person.__table__
    sel = sa.select(
        p.c.id.label("person_id"),
        p.c.department_path,
        (p.c.status == PersonStatus.ACTIVE.value).label("active"),
        sources.established(p).label("established"),
        sources.pledge_ok(p, as_of).label("pledge_ok"),
        sources.last_appraisal_year(p, as_of).label("last_appraisal_year"),
        sa.literal(as_of.year, sa.Integer).label("training_year"),
        sources.training_met(p, as_of.year, as_of).label("training_met"),
        sa.literal(clock.utcnow(), UTCDateTime).label("refreshed_at"),
    )
    # a WHERE is always present: SQLite needs it before an upsert's ON CONFLICT
    return sel.where(p.c.id.in_(ids)) if ids is not None else sel.where(p.c.id.is_not(None))


def _upsert(session: Session, select, *, fresh: bool = False) -> None:
    """INSERT … SELECT … ON CONFLICT DO UPDATE (only rows whose facts moved are rewritten);
    ``fresh``: the table is empty, a plain INSERT … SELECT (a demo load, a new database)."""
    if fresh:
        # written in department order: a subtree's facts lie on adjacent pages (the dashboard
        # reads one county's rows from ~1/5 of the table instead of from nearly every page)
        ordered = select.order_by(sa.literal_column("department_path"), sa.literal_column("person_id"))
        session.execute(sa.insert(CoverageFacts.__table__).from_select(list(FACT_COLUMNS), ordered))
        return
    from sqlalchemy.dialects import postgresql, sqlite
    dialect = session.get_bind().dialect.name
    table = CoverageFacts.__table__
    ins: postgresql.Insert | sqlite.Insert    # the dialect's INSERT (both have ON CONFLICT)
    if dialect == "postgresql":
        ins = postgresql.insert(table)
    elif dialect == "sqlite":
        ins = sqlite.insert(table)
    else:  # pragma: no cover - the application supports PostgreSQL and SQLite
        raise RuntimeError(f"coverage facts need PostgreSQL or SQLite, not {dialect}")
    ins = ins.from_select(list(FACT_COLUMNS), select)
    compared = [c for c in FACT_COLUMNS if c not in ("person_id", "refreshed_at")]
    ins = ins.on_conflict_do_update(
        index_elements=["person_id"],
        set_={c: ins.excluded[c] for c in FACT_COLUMNS if c != "person_id"},
        # rows whose facts did not change are left alone: a full refresh rewrites only what moved
        where=sa.or_(*(table.c[c].is_distinct_from(ins.excluded[c]) for c in compared)))
    session.execute(ins)


def refresh_facts(person_ids: Iterable[int], as_of: date | None = None, *,
                  session: Session | None = None) -> int:
    """Recompute the facts of ``person_ids`` (set-based, in the current transaction)."""
    session = session or db.session()     # the scoped session's current Session
    ids = sorted({int(i) for i in person_ids if i is not None})
    if not ids:
        return 0
    if _full_refresh_cheaper(session, len(ids)):
        return refresh_all_facts(as_of, session=session)
    as_of = as_of or clock.today()
    for start in range(0, len(ids), CHUNK):
        _upsert(session, _facts_select(as_of, ids[start:start + CHUNK]))
    return len(ids)


def _full_refresh_cheaper(session: Session, count: int) -> bool:
    """Whether rebuilding everyone beats refreshing ``count`` listed people."""
    if count <= ALL_THRESHOLD:
        return False
    if count > PENDING_CAP:
        return True
    people = None
    if session.get_bind().dialect.name == "postgresql":      # the planner's estimate: no scan
        people = session.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'people'::regclass")).scalar()
    if people is None or people < 0:
        from core.registry.models import Person
        people = session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one()
    return count > ALL_SHARE * people


def refresh_all_facts(as_of: date | None = None, *, session: Session | None = None) -> int:
    """Recompute every person's facts (demo load, imports, the year turning over)."""
    session = session or db.session()     # the scoped session's current Session
    as_of = as_of or clock.today()
    t0 = time.perf_counter()
    fresh = session.execute(sa.select(CoverageFacts.person_id).limit(1)).first() is None
    _upsert(session, _facts_select(as_of, None), fresh=fresh)
    people = session.execute(sa.select(sa.func.count()).select_from(CoverageFacts)).scalar_one()
    session.add(CoverageRefresh(as_of=as_of, people=people, seconds=time.perf_counter() - t0))
    session.flush()
    for key in (PENDING_IDS, PENDING_ALL, DEFERRED):
        session.info.pop(key, None)
    log.info("coverage facts refreshed: %s people in %.2f s", people, time.perf_counter() - t0)
    return people


def ensure_current(today: date | None = None, *, session: Session | None = None) -> bool:
    """Rebuild the facts once a year (the appraisal and training years move on 1 January).

    Returns True when a rebuild ran. Cheap: one lookup in the small refresh log.
    """
    session = session or db.session()     # the scoped session's current Session
    today = today or clock.today()
    last = session.execute(sa.select(sa.func.max(CoverageRefresh.as_of))).scalar()
    if last is not None and last.year >= today.year:
        return False
    if last is None and not session.execute(sa.select(CoverageFacts.person_id).limit(1)).first():
        # never refreshed and empty: a fresh database, or one filled only through the ORM
        from core.registry.models import Person
        if not session.execute(sa.select(Person.id).limit(1)).first():
            return False
    refresh_all_facts(today, session=session)
    return True


def _pending(session: Session) -> bool:
    return bool(session.info.get(PENDING_IDS) or session.info.get(PENDING_ALL))


def apply_pending(session: Session | None = None) -> None:
    """Refresh what this transaction changed so far (before reading coverage in it): the
    changes noted with core.changes are handed to the handlers first."""
    session = session or db.session()     # the scoped session's current Session
    changes.flush(session)
    _apply(session)


def _apply(session: Session) -> None:
    if not _pending(session):
        return
    session.flush()
    ids = session.info.pop(PENDING_IDS, set())
    everything = session.info.pop(PENDING_ALL, False)
    if everything:
        refresh_all_facts(session=session)
        return
    if ids:
        refresh_facts(ids, session=session)


# ---------------------------------------------------------------------------- the unit of work

def _note(session: Session, ids: Iterable[int]) -> None:
    pending = session.info.setdefault(PENDING_IDS, set())
    pending.update(i for i in ids if i is not None)
    if len(pending) > PENDING_CAP:
        session.info[PENDING_ALL] = True
        pending.clear()


def _note_all(session: Session) -> None:
    session.info[PENDING_ALL] = True


#: the changes a fact can follow (core.changes): a record, a complaint or a shared row cannot
#: move a coverage flag
FACT_CHANGES = frozenset({changes.PERSON, changes.FILE, changes.APPRAISAL, changes.PLEDGE, changes.TRAINING})


def on_changed(session: Session, changed: dict[str, set[int] | None]) -> None:
    """core.changes handler: recompute the facts of the people whose data changed (registered
    after training's handler, so the training summary it reads is current). Changes that no
    fact depends on (:data:`FACT_CHANGES`) are skipped."""
    relevant = {what: ids for what, ids in changed.items() if what in FACT_CHANGES}
    if not relevant:
        return
    if any(ids is None for ids in relevant.values()):
        _note_all(session)
    else:
        _note(session, {i for ids in relevant.values() if ids for i in ids})
    if not session.info.get(DEFERRED):
        _apply(session)


def defer(session: Session | None = None) -> None:
    """Stop refreshing at each commit (a long bulk load); changes keep being noted. Pair
    with :func:`resume` or a final :func:`refresh_all_facts` (which also resumes)."""
    (session or db.session).info[DEFERRED] = True


def resume(session: Session | None = None) -> None:
    (session or db.session).info.pop(DEFERRED, None)
