"""Database objects that are not tables: the PostgreSQL trigger that makes the audit log
append-only for the application. Installed by the migration; the test suite (which
builds its schema with create_all) installs it with the same SQL.
"""
from __future__ import annotations

import sqlalchemy as sa

AUDIT_TRIGGER_SQL = [
    """
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    """
    CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """,
]
AUDIT_TRIGGER_DROP_SQL = [
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_append_only()",
]


def install_database_extras(engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for stmt in AUDIT_TRIGGER_SQL:
            conn.execute(sa.text(stmt))


#: Indexes that exist only where the database supports them (created by their migration when it
#: does): the pinyin-ordered people list on PostgreSQL with ICU ("zh-x-icu"). Autogenerate and
#: the migration test leave them out of the model/database comparison.
OPTIONAL_INDEXES = frozenset({"ix_people_name_icu"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: everything but the optional indexes."""
    return not (type_ == "index" and name in OPTIONAL_INDEXES)
