"""Test-only proof that every write the suite makes is noted for derived data (core/changes.py).

The application keeps derived data (training summary, coverage facts, file cache) current
through one explicit contract: whoever writes a row of a table derived data reads calls
``core.changes.changed(person_ids, what)`` in the same transaction. Nothing in the application
watches the session to catch a forgotten call; this verifier does, in the tests only
(installed by tests/conftest.py, never by the application factory).

It watches every ORM flush (``after_flush``) and every ``Session.execute`` INSERT / UPDATE /
DELETE (``do_orm_execute``) on the tables of ``core.changes.TABLE_WHAT`` and works out whose
rows they are:

* ORM rows: the ``person_id`` before and after (``id`` for people); a changed ``users`` row
  only when its ``display_name`` changed; updated or deleted shared rows (departments,
  templates, courses): everyone;
* INSERT with rows: their ``person_id``; INSERT … SELECT, UPDATE and DELETE statements: the
  people they touch, read with a SELECT of the same rows before the statement runs (everyone
  when that cannot be done); people inserted without ids: the new ids, read at commit.

At commit (after the unit of work handed its changes to the handlers) each written person
must have been noted — with the table's own ``what`` for the tables a handler other than the
file cache reads (``core.changes.FACT_TABLES``), with any ``what`` for the rest — or a change
for everyone noted; shared rows need a change for everyone. Otherwise the commit raises
:class:`UnnotedWrite` naming the table, the people and where the write came from, and the
test fails. Writes made by the handlers themselves (``core.changes.APPLYING``) are derived
data and exempt. Set ``CHANGES_VERIFIER=record`` to collect the reports of a run without
raising (they are printed at the end, and appended to the file ``CHANGES_VERIFIER_LOG`` names
as they come), ``CHANGES_VERIFIER=off`` to switch it off.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from core import changes, wiring

WRITES = "changes_verifier_writes"
NOTED = "changes_verifier_noted"
NEW_PEOPLE_AFTER = "changes_verifier_people_after"
NEW_SHARED = "changes_verifier_new_shared"
EVERYONE = None
USER_COLUMNS = frozenset({"display_name"})
ROOT = Path(__file__).resolve().parents[1]

#: reports collected in ``record`` mode
REPORTS: list[str] = []

#: set by tests/conftest.py while it restores a snapshot built through the services (a copy of a
#: consistent state, its derived data included: nothing to note)
RESTORING = "changes_verifier_restoring"


class UnnotedWrite(AssertionError):
    """A transaction wrote rows derived data reads without noting the change."""


@dataclass
class Write:
    table: str
    ids: set[int] | None          # None: the write may touch anyone (needs a change for everyone)
    where: str
    verb: str = "write"
    origin: list[str] = field(default_factory=list)


def mode() -> str:
    return os.environ.get("CHANGES_VERIFIER", "raise")


def _origin() -> list[str]:
    """The project's frames (application and tests) that led to a write, innermost last."""
    frames = []
    for f in traceback.extract_stack()[:-3]:
        path = Path(f.filename)
        if ROOT in path.parents and ".venv" not in path.parts and path.name != "changes_verifier.py":
            frames.append(f"{path.relative_to(ROOT)}:{f.lineno} {f.name}")
    return frames[-4:]


def _record(session: Session, write: Write) -> None:
    write.origin = _origin()
    session.info.setdefault(WRITES, []).append(write)


def _key(table: str) -> str:
    return "id" if table == "people" else "person_id"


# ---------------------------------------------------------------------------- watching writes

def update_set_columns(statement, rows: list) -> set[str] | None:
    """The names of the columns an UPDATE statement sets (None: unknown): an UPDATE of
    ``users`` that leaves the display name alone shows in no file."""
    values = getattr(statement, "_values", None) or {}
    ordered = getattr(statement, "_ordered_values", None) or ()
    names = {str(getattr(k, "key", k)) for k in (*values, *(k for k, _ in ordered))}
    if not names and rows and all(isinstance(r, dict) for r in rows):
        names = {k for r in rows for k in r}
    return names or None


def _after_flush(session: Session, flush_context) -> None:
    if session.info.get(changes.APPLYING) or session.info.get(RESTORING):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(getattr(obj, "__table__", None), "name", None)
        if table not in changes.TABLE_WHAT:
            continue
        state = sa.inspect(obj)
        new, deleted = obj in session.new, obj in session.deleted
        if not new and not deleted and not session.is_modified(obj, include_collections=False):
            continue
        if table == "people" and not new and not deleted and not _read_columns_changed(state):
            continue
        verb = "insert" if new else "delete" if deleted else "update"
        if table in changes.SHARED_TABLES:
            born = session.info.setdefault(NEW_SHARED, set())
            if new:
                born.add(state)
                continue        # a new shared row is in no file until a person's row points at it
            if state in born:
                continue        # ... also when it is completed in the transaction that made it
            if table == "users" and not deleted:
                if not any(state.attrs[c].history.has_changes() for c in USER_COLUMNS):
                    continue
            _record(session, Write(table, EVERYONE, f"{type(obj).__name__} #{state.identity}", verb))
            continue
        hist = state.attrs[_key(table)].history
        ids = {v for v in (*hist.added, *hist.unchanged, *hist.deleted) if isinstance(v, int)}
        if ids:
            _record(session, Write(table, ids, f"{type(obj).__name__} #{state.identity}", verb))


#: people columns no derived data reads: the id number's ciphertext (re-encrypted by
#: ``keys rotate``; the file shows the masked number) and the row's bookkeeping
UNREAD_PERSON_COLUMNS = frozenset({"id_cipher", "version", "updated_at"})


def _read_columns_changed(state) -> bool:
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in UNREAD_PERSON_COLUMNS)


def _select_ids(session: Session, table: sa.Table, where) -> set[int] | None:
    """The owners of the rows ``where`` selects (None: not readable)."""
    try:
        query = sa.select(table.c[_key(table.name)]).distinct()
        if where is not None:
            query = query.where(where)
        with session.no_autoflush:
            return {i for i in session.execute(query).scalars() if i is not None}
    except Exception:  # noqa: BLE001 - e.g. an executemany UPDATE whose WHERE has bind parameters
        return None


def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    session = state.session
    if session.info.get(changes.APPLYING) or session.info.get(RESTORING):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in changes.TABLE_WHAT:
        return
    stmt = state.statement
    params = state.parameters
    rows = list(params) if isinstance(params, list | tuple) else [params] if params else []
    key = _key(name)
    label = f"{'INSERT' if state.is_insert else 'UPDATE' if state.is_update else 'DELETE'} {name}"
    if state.is_insert:
        if name in changes.SHARED_TABLES:
            return
        select = getattr(stmt, "select", None)
        if name == "people" and (select is not None or not rows or any(key not in r for r in rows)):
            # new people without ids: the ids above the current maximum, read at commit
            if NEW_PEOPLE_AFTER not in session.info:
                with session.no_autoflush:
                    session.info[NEW_PEOPLE_AFTER] = (
                        session.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0, _origin())
            return
        if select is not None:
            names = [str(getattr(n, "key", n)) for n in getattr(stmt, "_select_names", None) or ()]
            ids = None
            if key in names:
                sub = select.subquery()
                try:
                    with session.no_autoflush:
                        ids = {i for i in session.execute(sa.select(list(sub.c)[names.index(key)])).scalars()
                               if i is not None}
                except Exception:  # noqa: BLE001
                    ids = None
            _record(session, Write(name, ids, label + " … SELECT", "insert"))
            return
        ids = {r.get(key) for r in rows if isinstance(r, dict)} - {None}
        if rows and not all(isinstance(r, dict) for r in rows):
            _record(session, Write(name, EVERYONE, label, "insert"))
        elif ids:
            _record(session, Write(name, ids, label, "insert"))
        return
    # UPDATE / DELETE
    if name == "users" and state.is_update:
        columns = update_set_columns(stmt, rows)
        if columns is not None and not columns & USER_COLUMNS:
            return
    if name in changes.SHARED_TABLES:
        _record(session, Write(name, EVERYONE, label, "update" if state.is_update else "delete"))
        return
    ids = _select_ids(session, table, stmt.whereclause) if not rows or state.is_delete else None
    if state.is_update and ids is not None:
        values = getattr(stmt, "_values", None) or {}
        for k, v in values.items():     # an UPDATE that moves rows to another person
            if str(getattr(k, "key", k)) == key:
                value = getattr(v, "value", None)
                if isinstance(value, int):
                    ids.add(value)
                else:
                    ids = None
                    break
    if ids == set():
        return
    _record(session, Write(name, ids, label, "update" if state.is_update else "delete"))


# ---------------------------------------------------------------------------- the check

def _observe(session: Session, batch: dict[str, set[int] | None]) -> None:
    """A CHANGE_HANDLER that only remembers what the transaction noted (handlers see every
    batch the unit of work hands out, also the ones handed early to a reader)."""
    noted = session.info.setdefault(NOTED, {})
    for what, ids in batch.items():
        if ids is None or noted.get(what, set()) is None:
            noted[what] = None
        else:
            noted.setdefault(what, set()).update(ids)


def _covered(noted: dict[str, set[int] | None], write: Write, person: int | None) -> bool:
    wanted = {changes.TABLE_WHAT[write.table]} if write.table in changes.FACT_TABLES else set(noted)
    for what in wanted & set(noted):
        ids = noted[what]
        if ids is None or (person is not None and person in ids):
            return True
    return False


def unnoted(session: Session) -> list[str]:
    """The writes of this transaction nobody noted (messages)."""
    noted = session.info.get(NOTED, {})
    writes: list[Write] = list(session.info.get(WRITES, []))
    after = session.info.get(NEW_PEOPLE_AFTER)
    if after is not None:
        from core.registry.models import Person
        with session.no_autoflush:
            ids = set(session.execute(sa.select(Person.id).where(Person.id > after[0])).scalars())
        if ids:
            writes.append(Write("people", ids, "INSERT people (ids read at commit)", "insert", after[1]))
    problems = []
    for write in writes:
        if write.ids is None:
            missing: list[int | None] = [] if _covered(noted, write, None) else [None]
        else:
            missing = sorted(i for i in write.ids if not _covered(noted, write, i))
        if missing:
            who = "everyone" if missing == [None] else f"people {missing[:10]}"
            want = (changes.TABLE_WHAT[write.table] if write.table in changes.FACT_TABLES else "any what")
            problems.append(f"{write.verb} of {write.table} ({write.where}) for {who} without "
                            f"core.changes.changed(…, {want!r}) noted; from: " + " <- ".join(reversed(write.origin)))
    return problems


def _before_commit(session: Session) -> None:
    # runs after core.changes' own before_commit: what was noted has been handed out
    if session.new or session.dirty or session.deleted:
        session.flush()
    changes.flush(session)          # a change noted during that flush (there should be none)
    problems = unnoted(session)
    _forget(session)
    if not problems:
        return
    if mode() == "record":
        REPORTS.extend(problems)
        log = os.environ.get("CHANGES_VERIFIER_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as out:
                out.write("".join(p + "\n" for p in problems))
        return
    raise UnnotedWrite("derived data would go stale — " + "\n".join(problems))


def _forget(session: Session) -> None:
    for key in (WRITES, NOTED, NEW_PEOPLE_AFTER, NEW_SHARED):
        session.info.pop(key, None)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        _forget(session)


_installed = False


def install() -> None:
    """Watch every Session (idempotent; tests only)."""
    global _installed
    if _installed or mode() == "off":
        return
    changes.install()       # the verifier's before_commit must run after the unit of work's
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    wiring.add_hook(wiring.CHANGE_HANDLER, _observe)
    _installed = True
