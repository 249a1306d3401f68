"""The coverage cube (``coverage_cube``): coverage_facts counted by group, kept by triggers.

The dashboard (services.by_child_select) sums ``n`` over the cube rows of a subtree instead
of counting its people in coverage_facts: a few dozen rows per department instead of
thousands of people, with the same numbers for any as_of (the metrics' conditions only read
the grouped columns).

The cube is kept exact by the database itself, whoever writes the facts:

* PostgreSQL: three AFTER … FOR EACH STATEMENT triggers with transition tables (INSERT,
  UPDATE, DELETE). Each statement on coverage_facts adds its rows' net change per group in
  ONE upsert (``n = n + delta``, groups in key order) and deletes the groups reaching 0: a
  one-person refresh touches one or two cube rows, a full rebuild or the demo's first fill
  of a million facts is one aggregate over the statement's rows (no per-row trigger calls,
  no million updates of the same few cube rows).
* SQLite (no statement triggers): AFTER … FOR EACH ROW triggers, an
  ``INSERT … ON CONFLICT DO UPDATE`` for the new group and a decrement (deleting the row at
  0) for the old one. SQLite is the development and test database: the bulk paths at a
  million people are PostgreSQL's.

The years are stored as 0 instead of NULL (``coalesce``): the conditions read them through
``coalesce(…, 0)`` and a NULL could not be part of the key.

TRUNCATE fires no trigger: truncate coverage_cube with coverage_facts (the test suite does)
or call :func:`rebuild`. The same SQL is run by migration 4d9a3b6c1e52 (which copies it: a
migration never imports application code) and, for schemas built with ``create_all`` (the
tests), by the ``after_create`` event installed below.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from archive.coverage.models import CUBE_GROUP, CoverageCube, CoverageFacts
from core.extensions import db

KEY = ", ".join(CUBE_GROUP)


def _group_exprs(alias: str, named: bool = False) -> str:
    """The grouped columns of a facts row (``alias``: NEW, OLD, a table alias)."""
    return ", ".join(f"coalesce({alias}.{c}, 0)" + (f" AS {c}" if named else "") if c.endswith("_year")
                     else f"{alias}.{c}" for c in CUBE_GROUP)


def _key_match(alias: str) -> str:
    return " AND ".join(f"{c} = coalesce({alias}.{c}, 0)" if c.endswith("_year") else f"{c} = {alias}.{c}"
                        for c in CUBE_GROUP)


# ---------------------------------------------------------------------------- PostgreSQL

_PG_APPLY = f"""
    FOR g IN
        INSERT INTO coverage_cube ({KEY}, n)
        SELECT {KEY}, sum(d) FROM (
            {{rows}}
        ) AS changes
        GROUP BY {KEY} HAVING sum(d) <> 0
        ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET n = coverage_cube.n + EXCLUDED.n
        RETURNING {KEY}, n
    LOOP
        IF g.n <= 0 THEN
            DELETE FROM coverage_cube c WHERE {" AND ".join(f"c.{c} = g.{c}" for c in CUBE_GROUP)};
        END IF;
    END LOOP;
"""
_PG_NEW = f"SELECT {_group_exprs('r', True)}, 1 AS d FROM cube_new AS r"
_PG_OLD = f"SELECT {_group_exprs('r', True)}, -1 AS d FROM cube_old AS r"

PG_TRIGGER_SQL = [
    f"""
    CREATE OR REPLACE FUNCTION coverage_cube_on_insert() RETURNS trigger AS $$
    DECLARE g record;
    BEGIN
        {_PG_APPLY.format(rows=_PG_NEW)}
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE OR REPLACE FUNCTION coverage_cube_on_update() RETURNS trigger AS $$
    DECLARE g record;
    BEGIN
        {_PG_APPLY.format(rows=_PG_NEW + " UNION ALL " + _PG_OLD)}
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE OR REPLACE FUNCTION coverage_cube_on_delete() RETURNS trigger AS $$
    DECLARE g record;
    BEGIN
        {_PG_APPLY.format(rows=_PG_OLD)}
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS coverage_cube_insert ON coverage_facts",
    "DROP TRIGGER IF EXISTS coverage_cube_update ON coverage_facts",
    "DROP TRIGGER IF EXISTS coverage_cube_delete ON coverage_facts",
    """
    CREATE TRIGGER coverage_cube_insert AFTER INSERT ON coverage_facts
    REFERENCING NEW TABLE AS cube_new
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_cube_on_insert()
    """,
    """
    CREATE TRIGGER coverage_cube_update AFTER UPDATE ON coverage_facts
    REFERENCING OLD TABLE AS cube_old NEW TABLE AS cube_new
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_cube_on_update()
    """,
    """
    CREATE TRIGGER coverage_cube_delete AFTER DELETE ON coverage_facts
    REFERENCING OLD TABLE AS cube_old
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_cube_on_delete()
    """,
]
PG_DROP_SQL = [
    "DROP TRIGGER IF EXISTS coverage_cube_insert ON coverage_facts",
    "DROP TRIGGER IF EXISTS coverage_cube_update ON coverage_facts",
    "DROP TRIGGER IF EXISTS coverage_cube_delete ON coverage_facts",
    "DROP FUNCTION IF EXISTS coverage_cube_on_insert()",
    "DROP FUNCTION IF EXISTS coverage_cube_on_update()",
    "DROP FUNCTION IF EXISTS coverage_cube_on_delete()",
]

# ---------------------------------------------------------------------------- SQLite

_SQLITE_ADD = (f"INSERT INTO coverage_cube ({KEY}, n) VALUES ({_group_exprs('NEW')}, 1) "
               f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;")
_SQLITE_REMOVE = (f"UPDATE coverage_cube SET n = n - 1 WHERE {_key_match('OLD')}; "
                  f"DELETE FROM coverage_cube WHERE {_key_match('OLD')} AND n <= 0;")
_SQLITE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CUBE_GROUP)

SQLITE_TRIGGER_SQL = [
    "DROP TRIGGER IF EXISTS coverage_cube_insert",
    "DROP TRIGGER IF EXISTS coverage_cube_update",
    "DROP TRIGGER IF EXISTS coverage_cube_delete",
    f"CREATE TRIGGER coverage_cube_insert AFTER INSERT ON coverage_facts BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER coverage_cube_update AFTER UPDATE ON coverage_facts WHEN {_SQLITE_CHANGED} "
    f"BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
    f"CREATE TRIGGER coverage_cube_delete AFTER DELETE ON coverage_facts BEGIN {_SQLITE_REMOVE} END",
]
SQLITE_DROP_SQL = [
    "DROP TRIGGER IF EXISTS coverage_cube_insert",
    "DROP TRIGGER IF EXISTS coverage_cube_update",
    "DROP TRIGGER IF EXISTS coverage_cube_delete",
]

#: the whole cube from the facts (migration, repair)
REBUILD_SQL = [
    "DELETE FROM coverage_cube",
    f"INSERT INTO coverage_cube ({KEY}, n) SELECT {_group_exprs('f')}, count(*) FROM coverage_facts AS f "
    f"GROUP BY {_group_exprs('f')}",
]


def trigger_sql(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return PG_TRIGGER_SQL
    if dialect == "sqlite":
        return SQLITE_TRIGGER_SQL
    raise RuntimeError(f"the coverage cube needs PostgreSQL or SQLite, not {dialect}")  # pragma: no cover


def install_triggers(connection) -> None:
    for stmt in trigger_sql(connection.dialect.name):
        connection.execute(sa.text(stmt))


def rebuild(session=None) -> None:
    """Recount the whole cube from the facts (in the current transaction)."""
    session = session or db.session
    for stmt in REBUILD_SQL:
        session.execute(sa.text(stmt))


def group_counts(session=None) -> dict[tuple, int]:
    """The cube as {group: n} (tests and checks)."""
    session = session or db.session
    c = CoverageCube.__table__.c
    return {tuple(r[:-1]): r[-1] for r in session.execute(sa.select(*(c[k] for k in CUBE_GROUP), c.n))}


def facts_group_counts(session=None) -> dict[tuple, int]:
    """The same counted from coverage_facts (what the cube must always equal)."""
    session = session or db.session
    f = CoverageFacts.__table__.c
    cols = [sa.func.coalesce(f[k], 0) if k.endswith("_year") else f[k] for k in CUBE_GROUP]
    return {tuple(r[:-1]): r[-1] for r in session.execute(sa.select(*cols, sa.func.count()).group_by(*cols))}


@event.listens_for(CoverageFacts.__table__, "after_create")
def _install_after_create(target, connection, **kw) -> None:
    """Schemas built with ``create_all`` (tests) get the triggers too. coverage_cube is created
    before or after coverage_facts depending on the sort; the triggers only name it in their
    bodies, which both dialects resolve when they fire."""
    install_triggers(connection)
