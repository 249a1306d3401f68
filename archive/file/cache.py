"""The cached file document (issue 11): a person's file JSON, built once and kept until
something it was built from changes.

What is cached: the body of ``GET /api/v1/people/<id>/file`` without ``as_of`` (today's
file), per person and variant (``hr:<locale>``: with drafts, for HR managing the person;
``own:<locale>``: without drafts, for the person and committees), and the file pages' content (variant
``html:<manage><own>:<locale>``; the CSRF token is put back per request), in
``file_documents``. A view still runs the scope check (``require_person``) and writes its
audit event; only the building of the document is skipped.

When it is stale — a cached row is used only when all of these still hold:

* ``stamp`` = the person's row in ``file_stamps`` (``key`` = person id). Every write to a
  row of a table the file reads (:data:`FILE_TABLES`) that belongs to a person bumps that
  person's stamp **in the same transaction** (session listener, like the coverage facts:
  ORM flushes in ``after_flush``, ``Session.execute`` inserts/updates in
  ``do_orm_execute``, the importer's COPY through :func:`note_people`; the bump itself is
  one upsert in ``before_commit``).
* ``generation`` = ``file_stamps`` key 0: bumped by writes to shared rows the file shows
  (departments, pledge templates, courses, user names) and by any write whose people
  cannot be read from the statement (``INSERT … SELECT``, bulk ``UPDATE``).
* ``as_of`` = today (the evaluation, training year and overdue flags move with the date).
* ``fingerprint`` = hash of the rule and training settings and of the application's source
  code (a deploy or a config change starts afresh).

Why it cannot serve stale data: the reader fetches the document and the current stamps in
one statement (one snapshot). On a miss it reads the stamps *before* loading the file, so
the document it stores reflects at least that stamp; a writer that commits in between has
already moved the stamp on, and the stored row never matches again.

Not seen by the listener (call :func:`note_people` / :func:`invalidate_all`): SQL outside
``db.session.execute`` (``engine.connect()``, raw DBAPI) on the tables of the file. The
demo loader only adds new people (nothing cached yet).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from core import clock
from core.db import UTCDateTime, update_set_columns
from core.extensions import db

#: Tables read when a file document is built (load_file, file_json and the sections).
#: tests/archive/file/test_file_cache.py checks that a full file reads nothing else.
FILE_TABLES = frozenset({
    "people", "departments", "archive_files", "appraisals", "appraisal_versions", "awards", "matter_checks",
    "records", "record_versions", "objections", "complaints", "case_flags", "attachments", "users",
    "pledges", "pledge_templates", "pledge_fulfilments", "pledge_texts", "printed_documents",
    "enrolments", "courses", "repair_applications",
})
#: shared rows: a change touches every file (person_id is not the owner, or there is none)
SHARED_TABLES = frozenset({"departments", "users", "pledge_templates", "pledge_texts", "courses"})
#: of ``users`` only the display name appears in a file (logins update other columns)
USER_COLUMNS = frozenset({"display_name"})

EVERY_FILE = 0
DOCUMENT_FORMAT = 1          # bump when file_json's shape changes without a code change (never)
PENDING_IDS = "file_cache_pending_ids"
PENDING_ALL = "file_cache_pending_all"
ALL_THRESHOLD = 20_000


class FileDocument(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A built file document (JSON text) and what it was built from."""

    __tablename__ = "file_documents"

    person_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    variant: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    as_of: Mapped[date] = mapped_column(sa.Date)
    stamp: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    generation: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    fingerprint: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)


class FileStamp(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """Change counter of one person's file (``key`` = person id) or of every file (key 0)."""

    __tablename__ = "file_stamps"

    key: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), default=0)


# ---------------------------------------------------------------------------- reading and storing

def fingerprint() -> str:
    """Settings, source code, templates and translations of this application (computed once
    per app: a deploy, a template change or a config change starts afresh)."""
    from flask import current_app
    cached = current_app.extensions.get("file_cache_fingerprint")
    if cached is None:
        from archive import rules
        from training import queries as training_queries
        h = hashlib.sha256(f"{DOCUMENT_FORMAT}|{rules.RuleSettings.from_mapping(current_app.config)!r}|"
                           f"{training_queries.settings()!r}".encode())
        root = Path(__file__).resolve().parents[2]
        files = [p for package in ("archive", "core", "training") for p in (root / package).rglob("*.py")]
        files += [*(root / "templates").rglob("*.html"), *(root / "translations").rglob("*.mo")]
        for path in sorted(files):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
        cached = current_app.extensions["file_cache_fingerprint"] = h.hexdigest()[:16]
    return cached


def _stamp_of(key):
    s = FileStamp.__table__.c
    return sa.func.coalesce(sa.select(s.stamp).where(s.key == key).scalar_subquery(), 0)


def cached(person_id: int, variant: str, today: date) -> tuple[str | None, tuple[int, int]]:
    """-> (body or None, (stamp, generation) as of this read). One statement."""
    d = FileDocument.__table__.c
    stamp, generation = _stamp_of(person_id).label("s"), _stamp_of(EVERY_FILE).label("g")
    doc = (sa.select(d.body).where(d.person_id == person_id, d.variant == variant, d.as_of == today,
                                   d.fingerprint == fingerprint(), d.stamp == _stamp_of(person_id),
                                   d.generation == _stamp_of(EVERY_FILE)).scalar_subquery())
    row = db.session.execute(sa.select(doc.label("body"), stamp, generation)).one()
    return row.body, (row.s, row.g)


def store(person_id: int, variant: str, today: date, stamps: tuple[int, int], body: str) -> None:
    """Keep ``body`` (built after ``stamps`` were read) for the next view."""
    values = {"person_id": person_id, "variant": variant, "as_of": today, "stamp": stamps[0],
              "generation": stamps[1], "fingerprint": fingerprint(), "body": body, "built_at": clock.utcnow()}
    ins = _insert(db.session)(FileDocument.__table__).values(values)
    db.session.execute(ins.on_conflict_do_update(
        index_elements=["person_id", "variant"],
        set_={k: ins.excluded[k] for k in values if k not in ("person_id", "variant")}))


def file_body(person, variant: str, build) -> str:
    """Today's file document of ``person`` as text: cached, else ``build()`` -> str, stored."""
    today = clock.today()
    body, stamps = cached(person.id, variant, today)
    if body is None:
        body = build()
        store(person.id, variant, today, stamps, body)
    return body


#: the CSRF token of the request that built a cached page fragment is stored as this mark
CSRF_MARK = "@@ia-csrf-token@@"


def file_html(person, variant: str, build) -> str:
    """A rendered page fragment of today's file (HTML): cached, else ``build()`` -> str. The
    forms in it carry the current session's CSRF token, never the builder's."""
    from flask_wtf.csrf import generate_csrf
    token = generate_csrf()
    today = clock.today()
    body, stamps = cached(person.id, variant, today)
    if body is None:
        body = build()
        store(person.id, variant, today, stamps, body.replace(token, CSRF_MARK))
        return body
    return body.replace(CSRF_MARK, token)


def prune(before: date | None = None) -> int:
    """Delete documents built for an earlier day (they are never used again)."""
    t = FileDocument.__table__
    result = cast("sa.CursorResult[Any]", db.session.execute(sa.delete(t).where(t.c.as_of < (before or clock.today()))))
    return result.rowcount or 0   # DELETE: a CursorResult


# ---------------------------------------------------------------------------- invalidation

def _insert(session: Session | scoped_session[Any]) -> Callable[..., Any]:
    """The dialect's INSERT (both have on_conflict_do_update)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert


def note_people(ids: Iterable[int], session: Session | scoped_session[Any] | None = None) -> None:
    """Mark the files of ``ids`` changed in this transaction (for writes the listener cannot see)."""
    session = session or db.session
    pending = session.info.setdefault(PENDING_IDS, set())
    pending.update(i for i in ids if isinstance(i, int))
    if len(pending) > ALL_THRESHOLD:
        invalidate_all(session)
        pending.clear()


def invalidate_all(session: Session | scoped_session[Any] | None = None) -> None:
    """Mark every file changed in this transaction."""
    (session or db.session).info[PENDING_ALL] = True


def bump(session: Session, keys: Iterable[int]) -> None:
    """Move the stamps of ``keys`` on (one upsert; keys sorted so concurrent bumps do not deadlock)."""
    keys = sorted(set(keys))
    if not keys:
        return
    t = FileStamp.__table__
    ins = _insert(session)(t).values([{"key": k, "stamp": 1} for k in keys])
    session.execute(ins.on_conflict_do_update(index_elements=["key"], set_={"stamp": t.c.stamp + 1}))


def _owner_ids(obj, table_name: str) -> list[int]:
    state = sa.inspect(obj)
    key = "id" if table_name == "people" else "person_id"
    if key not in state.attrs:
        return []
    hist = state.attrs[key].history
    return [v for v in (*hist.added, *hist.unchanged, *hist.deleted) if isinstance(v, int)]


def _after_flush(session: Session, flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        name = getattr(getattr(obj, "__table__", None), "name", None)
        if name not in FILE_TABLES:
            continue
        if name in SHARED_TABLES or name == "people":
            # a new shared row (or person) is in no file yet: it enters one with a person's row
            if obj in session.new:
                continue
            if name == "users" and obj not in session.deleted:
                state = sa.inspect(obj)
                if not any(state.attrs[c].history.has_changes() for c in USER_COLUMNS):
                    continue
            if name != "people":
                invalidate_all(session)
                continue
        ids = _owner_ids(obj, name)
        if ids:
            note_people(ids, session)
        else:
            invalidate_all(session)


def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name not in FILE_TABLES:
        return
    if state.is_insert and (name in SHARED_TABLES or name == "people"):
        return      # new rows, in no file yet
    session = state.session
    params = state.parameters
    rows = list(params) if isinstance(params, list | tuple) else [params] if params else []
    if name == "users" and state.is_update:
        columns = update_set_columns(state.statement, rows)
        if columns is not None and not columns & USER_COLUMNS:
            return
    if (state.is_insert and rows
            and all(isinstance(r, dict) and isinstance(r.get("person_id"), int) for r in rows)):
        note_people((r["person_id"] for r in rows), session)
        return
    invalidate_all(session)


def on_changed(session: Session, changes: dict) -> None:
    """core.changes handler: the files of the people whose data changed."""
    if any(ids is None for ids in changes.values()):
        invalidate_all(session)
    else:
        note_people({i for ids in changes.values() for i in ids}, session)
    _apply_pending(session)


def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    _apply_pending(session)


def _apply_pending(session: Session) -> None:
    every = session.info.pop(PENDING_ALL, False)
    ids = session.info.pop(PENDING_IDS, set())
    if every:
        bump(session, [EVERY_FILE])
    elif ids:
        bump(session, ids)


def _after_rollback(session: Session, previous_transaction) -> None:
    if session.in_transaction():
        return      # a savepoint: what the outer transaction changed still commits
    session.info.pop(PENDING_ALL, None)
    session.info.pop(PENDING_IDS, None)


_installed = False


def install_listeners() -> None:
    """Listen on every Session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed = True
