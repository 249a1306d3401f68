"""The per-person coverage facts (``coverage_facts``), kept current on write.

How the table stays current without touching the services that change the facts:

* A SQLAlchemy session listener (installed once by archive/coverage/hooks.py) notes the
  person ids of every changed row of the source models: ``Person`` (status, department,
  appointment, entry date, leading post), the file (established flag), appraisals,
  pledges and the training tables. ORM flushes are seen in ``after_flush``; statements
  run through ``Session.execute`` (``insert(Model)`` with a list of rows, as the demo
  loader and the importers do) in ``do_orm_execute``: the ids are read from the rows'
  ``person_id`` (``id`` for people). When the rows cannot be read, each source's policy
  (archive/coverage/sources.py) decides: people inserted without ids get facts for "people
  without facts yet"; pledge INSERT … SELECT (assignments, born unsigned) is ignored;
  training_status upserts name their people in an ``IN`` list; an UPDATE that sets none of
  the columns a fact depends on (reminder counters) is ignored; anything else marks
  "everything" (one full rebuild at commit).
* ``before_commit`` flushes and recomputes the noted persons set-based with
  :func:`refresh_facts` (one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per 5,000 ids),
  or everything with :func:`refresh_all_facts`, inside the same transaction: the facts
  commit (or roll back) with the change. Coverage read in the same transaction first
  applies what is pending (:func:`apply_pending`).

What the listener cannot see, and who must call :func:`refresh_facts` /
:func:`refresh_all_facts` themselves:

* SQL that does not go through ``db.session.execute`` (``engine.connect()``,
  ``session.connection().execute(...)``, raw DBAPI ``COPY``) on the source tables;
* long bulk loads may :func:`defer` the per-commit refresh and end with
  :func:`refresh_all_facts` (the demo does: its coverage step runs last);
* the calendar: the appraisal year and the training year move on 1 January (and the
  training requirements depend on the year). ``coverage snapshot`` (monthly cron) and
  ``coverage refresh`` rebuild everything, and the metrics rebuild it once themselves
  when no full refresh has run in the current year (:func:`ensure_current`).

The flags are computed in SQL from the source tables with the rules of their owners
(:func:`archive.pledges.queries.valid_pre_appointment_pledge_clause` and so on); nothing
here loops over people in Python.
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from archive.coverage import sources
from archive.coverage.models import CoverageFacts, CoverageRefresh
from core import clock
from core.db import UTCDateTime, update_set_columns
from core.extensions import db

log = logging.getLogger("integrity.coverage")

PENDING_IDS = "coverage_pending_ids"
PENDING_ALL = "coverage_pending_all"
PENDING_NEW = "coverage_pending_new_people"
REFRESHING = "coverage_refreshing"
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
    with _paused(session):
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
    with _paused(session):
        fresh = session.execute(sa.select(CoverageFacts.person_id).limit(1)).first() is None
        _upsert(session, _facts_select(as_of, None), fresh=fresh)
        people = session.execute(sa.select(sa.func.count()).select_from(CoverageFacts)).scalar_one()
        session.add(CoverageRefresh(as_of=as_of, people=people, seconds=time.perf_counter() - t0))
        session.flush()
    for key in (PENDING_IDS, PENDING_ALL, PENDING_NEW, DEFERRED):
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


def refresh_new_people(as_of: date | None = None, *, session: Session | None = None) -> None:
    """Add the facts of people who have none yet (bulk-inserted people), set-based."""
    from core.registry.models import Person
    session = session or db.session()     # the scoped session's current Session
    p = Person.__table__
    with _paused(session):
        _upsert(session, _facts_select(as_of or clock.today(), None).where(
            ~sa.exists().where(CoverageFacts.__table__.c.person_id == p.c.id)))


def _pending(session: Session) -> bool:
    return bool(session.info.get(PENDING_IDS) or session.info.get(PENDING_ALL) or session.info.get(PENDING_NEW))


def apply_pending(session: Session | None = None) -> None:
    """Refresh what this transaction changed so far (before reading coverage in it)."""
    session = session or db.session()     # the scoped session's current Session
    if not _pending(session):
        return
    session.flush()
    ids = session.info.pop(PENDING_IDS, set())
    everything = session.info.pop(PENDING_ALL, False)
    new_people = session.info.pop(PENDING_NEW, False)
    if everything:
        refresh_all_facts(session=session)
        return
    if new_people:
        refresh_new_people(session=session)
    if ids:
        refresh_facts(ids, session=session)


# ---------------------------------------------------------------------------- the listener

@contextlib.contextmanager
def _paused(session: Session):
    """While refreshing, the listener stands aside (our statements touch no source table)."""
    session.info[REFRESHING] = session.info.get(REFRESHING, 0) + 1
    try:
        yield
    finally:
        session.info[REFRESHING] -= 1


def _note(session: Session, ids: Iterable[int]) -> None:
    pending = session.info.setdefault(PENDING_IDS, set())
    pending.update(i for i in ids if i is not None)
    if len(pending) > PENDING_CAP:
        session.info[PENDING_ALL] = True
        pending.clear()


def _note_all(session: Session) -> None:
    session.info[PENDING_ALL] = True


def _after_flush(session: Session, flush_context) -> None:
    if session.info.get(REFRESHING):
        return
    tracked = sources.tracked_models()
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        spec = tracked.get(type(obj))
        if spec is None:
            continue
        state = sa.inspect(obj)
        if obj in session.dirty and spec.attrs is not None:
            if not any(state.attrs[a].history.has_changes() for a in spec.attrs):
                continue
        hist = state.attrs[spec.person_key].history
        ids.update(v for v in (*hist.added, *hist.unchanged, *hist.deleted) if isinstance(v, int))
    if ids:
        _note(session, ids)


def _listed_ints(statement) -> list[int]:
    """Integers of the expanding ``IN`` lists of a statement (training_status refreshes)."""
    from sqlalchemy.sql import visitors
    from sqlalchemy.sql.elements import BindParameter
    found: list[int] = []
    for element in visitors.iterate(statement):
        if isinstance(element, BindParameter) and element.expanding and isinstance(element.value, list | tuple):
            found += [v for v in element.value if isinstance(v, int)]
    return found


def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    session = state.session
    if session.info.get(REFRESHING):
        return
    spec = sources.tracked_tables().get(getattr(getattr(state.statement, "table", None), "name", None))
    if spec is None:
        return
    params = state.parameters
    rows = list(params) if isinstance(params, list | tuple) else [params] if params else []
    if state.is_insert:
        if rows and all(isinstance(r, dict) and spec.person_key in r for r in rows):
            _note(session, (r[spec.person_key] for r in rows))
            return
        if not rows and spec.unknown_insert == sources.IGNORE:
            return
        if spec.unknown_insert == sources.NEW_ROWS:     # people inserted without their ids
            session.info[PENDING_NEW] = True
            return
        if not rows and spec.unknown_insert == sources.LISTED_IDS:
            ids = _listed_ints(state.statement)
            if ids:
                _note(session, ids)
                return
    elif state.is_update and spec.attrs is not None:
        columns = update_set_columns(state.statement, rows)
        if columns is not None and not columns & {*spec.attrs, spec.person_key}:
            return          # e.g. pledge reminder counters: no fact can change
    _note_all(session)


def _before_commit(session: Session) -> None:
    if session.info.get(REFRESHING) or session.info.get(DEFERRED):
        return
    if session.new or session.dirty or session.deleted:
        session.flush()     # the commit would flush anyway; flushing first lets us see it
    apply_pending(session)


def on_changed(session: Session, changes: dict) -> None:
    """core.changes handler: recompute the facts of the people whose data changed (registered
    after training's handler, so the training summary it reads is current)."""
    if any(ids is None for ids in changes.values()):
        _note_all(session)
    else:
        _note(session, {i for ids in changes.values() for i in ids})
    if not session.info.get(DEFERRED):
        apply_pending(session)


def defer(session: Session | None = None) -> None:
    """Stop refreshing at each commit (a long bulk load); changes keep being noted. Pair
    with :func:`resume` or a final :func:`refresh_all_facts` (which also resumes)."""
    (session or db.session).info[DEFERRED] = True


def resume(session: Session | None = None) -> None:
    (session or db.session).info.pop(DEFERRED, None)


_installed = False


def install_listeners() -> None:
    """Listen on every Session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "before_commit", _before_commit)
    _installed = True
