"""Fixtures: app, db, client, login_as, factories.

The suite runs on SQLite (a file per xdist worker) and, with TEST_DATABASE_URL pointing
at a PostgreSQL server, on a fresh PostgreSQL database per worker. The schema is created
once per worker; every test starts from empty tables.
"""
from __future__ import annotations

import os
import time
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from core import clock
from core.app import create_app
from core.extensions import db as _db


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres")):
        return None
    return url


@pytest.fixture(scope="session")
def worker_name(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_name):
    worker_id = worker_name
    base = _postgres_url()
    if base is None:
        path = tmp_path_factory.mktemp(f"db-{worker_id}") / "test.db"
        yield f"sqlite:///{path}"
        return
    import psycopg
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    name = f"ia_test_{worker_id}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server = plain.rsplit("/", 1)[0]
    yield f"postgresql+psycopg://{server.split('://', 1)[1]}/{name}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["INTEGRITY_INSTANCE_DIR"] = str(instance)
    application = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, INSTANCE_DIR=str(instance),
                             UPLOAD_DIR=str(instance / "uploads"))
    with application.app_context():
        fast_sqlite_commits(_db.engine)
        _db.create_all()
        from core.schema_extras import install_database_extras
        install_database_extras(_db.engine)
    from tests import changes_verifier
    changes_verifier.install()      # every write the tests make must be noted (core/changes.py)
    cheaper_garbage_collection()
    yield application


# ---- speed (non-negotiable #8): test databases are throwaway files -------------------------------------
def fast_sqlite_commits(engine) -> None:
    """``PRAGMA synchronous = OFF`` on every connection of this (test) SQLite engine: a commit no
    longer waits for an fsync of the WAL (~10 ms each on a virtual disk, thousands per run). It
    changes durability after a power cut only: locking, WAL and transaction semantics stay the app's
    (core/db.py). Explicit, on the test engine only; nothing for PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return

    def _no_fsync(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    sa.event.listen(engine, "connect", _no_fsync)


def cheaper_garbage_collection() -> None:
    """The app, SQLAlchemy's mappers and every test module are loaded for good by now: move them out
    of the collector's sight (``gc.freeze``) and collect the young generation less often. The cyclic
    collector took ~10 % of the suite's CPU walking those long-lived objects again and again;
    reference counting still frees everything else at once, cycles are collected later."""
    import gc
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)


@pytest.fixture(autouse=True)
def db(app):
    """Every test starts with empty tables and its own app context."""
    ctx = app.app_context()
    ctx.push()
    yield _db
    _db.session.rollback()
    _db.session.remove()
    _truncate_all()
    ctx.pop()


def _truncate_all():
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET session_replication_role = replica"))
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            conn.execute(sa.text("SET session_replication_role = DEFAULT"))
        else:
            # speed: one statement finds the tables the test wrote to; only those are emptied (SQLite
            # numbers rows from 1 again by itself: no table here is AUTOINCREMENT)
            written = conn.execute(sa.text("SELECT " + ", ".join(f'EXISTS (SELECT 1 FROM "{t}")' for t in tables))
                                   ).one()
            conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
            for t, has_rows in zip(tables, written):
                if has_rows:
                    conn.execute(sa.text(f'DELETE FROM "{t}"'))
            conn.execute(sa.text("PRAGMA foreign_keys = ON"))


def pytest_terminal_summary(terminalreporter):
    """CHANGES_VERIFIER=record: list the writes nobody noted (tests/changes_verifier.py)."""
    from tests import changes_verifier
    if changes_verifier.REPORTS:
        terminalreporter.section("writes without core.changes.changed()")
        for line in sorted(set(changes_verifier.REPORTS)):
            terminalreporter.write_line(line)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Log a user in by setting the Flask-Login session (the login form has its own tests)."""
    def _login(user, c=None):
        c = c or client
        with c.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_id"] = _session_identifier(c)   # else session protection marks the login not fresh
            sess["_fresh"] = True
            sess["mfa"] = True       # the second factor counts as passed (core.security gate)
            sess["login_at"] = sess["last_seen"] = time.time()
        return c
    return _login


def _session_identifier(client) -> str:
    """Flask-Login's identifier of the test client (remote address + user agent)."""
    from flask_login.utils import _create_identifier
    with client.application.test_request_context(environ_base=client.environ_base):
        return _create_identifier()


@pytest.fixture
def api(app):
    """A JSON client with a bearer token: api(user).get('/api/v1/...')."""
    from core.accounts.tokens import create_token

    class ApiClient:
        def __init__(self, user):
            self.token = create_token(user)
            _db.session.commit()
            self.client = app.test_client()

        def _call(self, method, url, **kw):
            headers = kw.pop("headers", {})
            headers.setdefault("Authorization", f"Bearer {self.token}")
            return getattr(self.client, method)(url, headers=headers, **kw)

        def get(self, url, **kw):
            return self._call("get", url, **kw)

        def post(self, url, **kw):
            return self._call("post", url, **kw)

        def patch(self, url, **kw):
            return self._call("patch", url, **kw)

    return ApiClient


@pytest.fixture
def region(db, app):
    """A small region: 东营市 with 东营区 (two towns) and 河口区 (one town), HR of each county."""
    return built_once(app, "region", _build_region, _region_refs, _region_revive)


_REGION_ATTRS = ("city", "dongying", "wenhui", "shikou", "hekou", "liuhe", "hr", "hr_hekou", "hr_city", "person",
                 "other", "servant", "sysadmin", "auditor")


def _region_refs(r) -> dict:
    return {name: (type(getattr(r, name)), getattr(r, name).id) for name in _REGION_ATTRS}


def _region_revive(refs: dict):
    r = type("Region", (), {})()
    for name, (cls, ident) in refs.items():
        setattr(r, name, _db.session.get(cls, ident))
    return r


def _build_region():
    from tests import factories as f
    city = f.department("东营市", kind="city")
    dongying = f.department("东营区", parent=city, kind="county")
    wenhui = f.department("文汇街道", parent=dongying, kind="town")
    shikou = f.department("史口镇", parent=dongying, kind="town")
    hekou = f.department("河口区", parent=city, kind="county")
    liuhe = f.department("六合街道", parent=hekou, kind="town")
    r = type("Region", (), {})()
    r.city, r.dongying, r.wenhui, r.shikou, r.hekou, r.liuhe = city, dongying, wenhui, shikou, hekou, liuhe
    r.hr = f.user("hr", roles=("hr",), department=dongying)
    r.hr_hekou = f.user("hr_hekou", roles=("hr",), department=hekou)
    r.hr_city = f.user("hr_city", roles=("hr",), department=city)
    r.person = f.person("张伟", department=wenhui, entry_date=date(2015, 3, 1))
    r.other = f.person("李娜", department=liuhe, entry_date=date(2016, 5, 1))
    r.servant = f.user("servant", roles=("servant",), person=r.person)
    r.sysadmin = f.user("admin", roles=("sysadmin",))
    r.auditor = f.user("auditor", roles=("auditor",))
    _db.session.commit()
    return r


# ---- speed (non-negotiable #8): the big fixtures are built once per worker, then restored -------------
# Building the region through the services costs ~40 ms of CPU (644 tests ask for it), the security
# world ~130 ms (85 tests). The first build in a worker runs the real services on empty tables and keeps
# the rows of every table; a later test asking for the same fixture on empty tables, with the same
# configuration and a live clock, gets exactly those rows back (same ids, audit chain, summaries, caches)
# and its objects loaded by id. Anything else (rows already there, a frozen clock, a changed
# configuration) builds through the services as before.

_SNAPSHOTS: dict = {}


def built_once(app, name: str, build, refs, revive):
    """``build()`` the fixture, or restore the rows its first build left. ``refs(obj)`` turns the
    built object into plain data (``(model, id)`` pairs, strings); ``revive(data)`` loads it back."""
    from core import clock
    _db.session.flush()
    key = (name, _config_key(app), _db.engine.dialect.name)
    usable = clock._frozen is None and _tables_empty()
    snap = _SNAPSHOTS.get(key) if usable else None
    if snap is None:
        obj = build()
        if usable:
            _SNAPSHOTS[key] = (_dump_rows(), refs(obj))
        return obj
    rows, data = snap
    _restore_rows(rows)
    return revive(data)


def _config_key(app) -> str:
    return repr(sorted((k, repr(v)) for k, v in app.config.items()))


def _tables_empty() -> bool:
    checks = " OR ".join(f'EXISTS (SELECT 1 FROM "{t.name}")' for t in _db.metadata.sorted_tables)
    return not _db.session.execute(sa.text(f"SELECT {checks}")).scalar()


def _dump_rows() -> list:
    out = []
    for table in _db.metadata.sorted_tables:
        got = _db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings().all()
        if got:
            out.append((table, [{c.key: row[c] for c in table.columns} for row in got]))
    return out


def _restore_rows(rows: list) -> None:
    from tests.changes_verifier import RESTORING
    _db.session.info[RESTORING] = True      # rows made through the services, derived data included
    try:
        _put_rows_back(rows)
    finally:
        _db.session.info.pop(RESTORING, None)


def _put_rows_back(rows: list) -> None:
    postgres = _db.engine.dialect.name == "postgresql"
    # rows are restored as they were stored: no foreign-key order inside a table, no triggers
    _db.session.execute(sa.text("SET LOCAL session_replication_role = replica" if postgres
                                else "PRAGMA defer_foreign_keys = ON"))
    for table, table_rows in rows:
        _db.session.execute(table.insert(), table_rows)
        pk = list(table.primary_key.columns)
        if postgres and len(pk) == 1 and pk[0].autoincrement is not False and isinstance(pk[0].type, sa.Integer):
            _db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{pk[0].name}'), "
                f"(SELECT MAX(\"{pk[0].name}\") FROM \"{table.name}\"))"))
    if not postgres:
        # SQLite cannot switch triggers off: the tables they keep (coverage_cube) got the rows of the
        # snapshot and the triggers' own on top; they get exactly the snapshot's rows again
        kept = {t.name: r for t, r in rows}
        for name in _sqlite_trigger_targets():
            table = _db.metadata.tables[name]
            _db.session.execute(table.delete())
            if name in kept:
                _db.session.execute(table.insert(), kept[name])
    _db.session.commit()


def _sqlite_trigger_targets() -> set[str]:
    import re
    sql = " ".join(_db.session.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger'")).scalars())
    found = set(re.findall(r'(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', sql, re.I))
    return found & set(_db.metadata.tables)


@pytest.fixture
def today():
    return clock.today()
