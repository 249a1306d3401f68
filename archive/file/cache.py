"""The cached file document (issue 11): a person's file JSON, built once and kept until
something it was built from changes.

What is cached: the body of ``GET /api/v1/people/<id>/file`` without ``as_of`` (today's
file), per person and :class:`FileVariant` (``FileVariant.api(manage=...)``: with drafts for
HR managing the person, without for the person and committees), and the file pages' content
(``FileVariant.page(manage=..., own=...)``, ``FileVariant.my()``; the CSRF token is put back
per request), in ``file_documents``. A view still runs the scope check (``require_person``) and writes its
audit event; only the building of the document is skipped.

When it is stale — a cached row is used only when all of these still hold:

* ``stamp`` = the person's row in ``file_stamps`` (``key`` = person id). A service that writes
  a row of a table the file reads (:data:`FILE_TABLES`) says so with
  ``core.changes.changed([person ids], what)``; once per transaction, before it commits, the
  unit of work hands those ids to :func:`on_changed`, which bumps the stamps **in the same
  transaction** (one upsert).
* ``generation`` = ``file_stamps`` key 0: bumped by a change noted for everyone (``None``
  ids: shared rows the file shows — departments, pledge templates, courses, user names —
  and bulk statements whose people are not listed) or for more than :data:`ALL_THRESHOLD`
  people at once.
* ``as_of`` = today (the evaluation, training year and overdue flags move with the date).
* ``fingerprint`` = hash of the rule and training settings and of the application's source
  code (a deploy or a config change starts afresh).

Why it cannot serve stale data: the reader fetches the document and the current stamps in
one statement (one snapshot). On a miss it reads the stamps *before* loading the file, so
the document it stores reflects at least that stamp; a writer that commits in between has
already moved the stamp on, and the stored row never matches again.

Why no write is missed: there is no listener guessing from flushed rows. Every service,
importer, CLI command, job and demo loader that writes calls ``changed()`` itself, and the
test suite proves it: tests/changes_verifier.py fails any test whose transaction commits a
row of these tables for a person nobody noted (core/changes.py).

The variant (who sees which document) is a typed value, :class:`FileVariant`: two users who
get the same variant get the same bytes (apart from the CSRF token put back per request), and
its :attr:`FileVariant.key` is the ``variant`` column.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from core import clock
from core.db import UTCDateTime
from core.extensions import db

#: Tables read when a file document is built (load_file, file_json and the sections).
#: tests/archive/file/test_file_cache.py checks that a full file reads nothing else.
FILE_TABLES = frozenset({
    "people", "departments", "archive_files", "appraisals", "appraisal_versions", "awards", "matter_checks",
    "records", "record_versions", "objections", "complaints", "case_flags", "attachments", "users",
    "pledges", "pledge_templates", "pledge_fulfilments", "pledge_texts", "printed_documents",
    "enrolments", "courses", "repair_applications",
})

KEY_LENGTH = 20               # file_documents.variant
EVERY_FILE = 0
DOCUMENT_FORMAT = 1          # bump when file_json's shape changes without a code change (never)
ALL_THRESHOLD = 20_000        # more people than this changed at once: every file starts afresh
CHUNK = 5_000                 # stamps per upsert


class FileDocument(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A built file document (JSON text) and what it was built from."""

    __tablename__ = "file_documents"

    person_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    variant: Mapped[str] = mapped_column(sa.String(KEY_LENGTH), primary_key=True)   # FileVariant.key
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


# ---------------------------------------------------------------------------- the variant

@dataclass(frozen=True)
class FileVariant:
    """Which document of a person's file a viewer gets: everything the cached bytes depend on
    besides the person and the day. Two viewers with the same variant get the same bytes (the
    CSRF token of a page fragment is put back per request), so nothing else about the viewer
    may reach the document; tests/archive/file/test_file_cache.py holds that.

    ``kind``: ``api`` (the JSON of ``GET /people/<id>/file``), ``page`` (the file page's
    content), ``my`` (the "my file" page's content). ``manage``: built for someone who manages
    the person (drafts and HR's actions shown). ``own``: the viewer is the person (the page
    offers the person's own actions; the JSON does not differ, so ``api`` keeps it False).
    ``locale``: the language the texts are in.
    """

    kind: str
    manage: bool
    own: bool
    locale: str

    KINDS: ClassVar[tuple[str, ...]] = ("api", "page", "my")

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(f"unknown file variant kind {self.kind!r}")
        if self.kind == "api" and self.own:
            raise ValueError("the file JSON does not depend on who views it: api variants have own=False")
        if self.kind == "my" and (self.manage or not self.own):
            raise ValueError("my file is the person's own, without managing rights")
        if len(self.key) > KEY_LENGTH:
            raise ValueError(f"variant key {self.key!r} longer than the column ({KEY_LENGTH})")

    @classmethod
    def api(cls, *, manage: bool, locale: str | None = None) -> FileVariant:
        return cls("api", manage, False, locale or _locale())

    @classmethod
    def page(cls, *, manage: bool, own: bool, locale: str | None = None) -> FileVariant:
        return cls("page", manage, own, locale or _locale())

    @classmethod
    def my(cls, *, locale: str | None = None) -> FileVariant:
        return cls("my", False, True, locale or _locale())

    @property
    def key(self) -> str:
        """The ``file_documents.variant`` column: ``hr:zh`` / ``own:zh`` (JSON), ``html:mo:zh``
        (file page: m = manage, o = own, - = not), ``my:-o:zh`` (my file)."""
        if self.kind == "api":
            return f"{'hr' if self.manage else 'own'}:{self.locale}"
        flags = f"{'m' if self.manage else '-'}{'o' if self.own else '-'}"
        return f"{'html' if self.kind == 'page' else 'my'}:{flags}:{self.locale}"


def _locale() -> str:
    from flask_babel import get_locale
    return str(get_locale())


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


def cached(person_id: int, variant: FileVariant, today: date) -> tuple[str | None, tuple[int, int]]:
    """-> (body or None, (stamp, generation) as of this read). One statement."""
    d = FileDocument.__table__.c
    stamp, generation = _stamp_of(person_id).label("s"), _stamp_of(EVERY_FILE).label("g")
    doc = (sa.select(d.body).where(d.person_id == person_id, d.variant == variant.key, d.as_of == today,
                                   d.fingerprint == fingerprint(), d.stamp == _stamp_of(person_id),
                                   d.generation == _stamp_of(EVERY_FILE)).scalar_subquery())
    row = db.session.execute(sa.select(doc.label("body"), stamp, generation)).one()
    return row.body, (row.s, row.g)


def store(person_id: int, variant: FileVariant, today: date, stamps: tuple[int, int], body: str) -> None:
    """Keep ``body`` (built after ``stamps`` were read) for the next view."""
    values = {"person_id": person_id, "variant": variant.key, "as_of": today, "stamp": stamps[0],
              "generation": stamps[1], "fingerprint": fingerprint(), "body": body, "built_at": clock.utcnow()}
    ins = _insert(db.session)(FileDocument.__table__).values(values)
    db.session.execute(ins.on_conflict_do_update(
        index_elements=["person_id", "variant"],
        set_={k: ins.excluded[k] for k in values if k not in ("person_id", "variant")}))


def file_body(person, variant: FileVariant, build) -> str:
    """Today's file document of ``person`` as text: cached, else ``build()`` -> str, stored."""
    today = clock.today()
    body, stamps = cached(person.id, variant, today)
    if body is None:
        body = build()
        store(person.id, variant, today, stamps, body)
    return body


#: the CSRF token of the request that built a cached page fragment is stored as this mark
CSRF_MARK = "@@ia-csrf-token@@"


def file_html(person, variant: FileVariant, build) -> str:
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


def bump(session: Session, keys: Iterable[int]) -> None:
    """Move the stamps of ``keys`` on (one upsert; keys sorted so concurrent bumps do not deadlock)."""
    keys = sorted(set(keys))
    if not keys:
        return
    t = FileStamp.__table__
    for start in range(0, len(keys), CHUNK):
        ins = _insert(session)(t).values([{"key": k, "stamp": 1} for k in keys[start:start + CHUNK]])
        session.execute(ins.on_conflict_do_update(index_elements=["key"], set_={"stamp": t.c.stamp + 1}))


def on_changed(session: Session, changes: dict[str, set[int] | None]) -> None:
    """core.changes handler: move on the stamps of the files of the people whose data changed
    (every ``what`` matters: the file shows all of it); a change for everyone, or for more than
    :data:`ALL_THRESHOLD` people, moves the generation of every file instead."""
    if any(ids is None for ids in changes.values()):
        bump(session, [EVERY_FILE])
        return
    ids = {i for ids in changes.values() if ids for i in ids}
    bump(session, [EVERY_FILE] if len(ids) > ALL_THRESHOLD else ids)
