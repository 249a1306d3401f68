"""Database roles (issue 17, item 3): on PostgreSQL the application's role may only SELECT and
INSERT on the audit tables; it cannot UPDATE, DELETE, TRUNCATE, ALTER them or switch their
trigger off. `flask --app wsgi db roles` sets it up; the application works as that role."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from core.audit.services import record_event, verify_chain
from core.extensions import db

pytestmark = pytest.mark.usefixtures("db")

ATTACKS = [
    "UPDATE audit_events SET summary = 'x'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "UPDATE audit_checkpoints SET head_hash = 'x'",
    "DELETE FROM audit_checkpoints",
    "TRUNCATE audit_checkpoints",
    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
    "ALTER TABLE audit_events ADD COLUMN x int",
    "ALTER TABLE audit_checkpoints RENAME TO cps",
    "DROP TRIGGER audit_events_no_change ON audit_events",
    "DROP TABLE audit_events",
    "SET session_replication_role = replica",
    "CREATE TABLE intruder (id int)",
]


def test_sqlite_has_nothing_to_set_up_and_the_statements_can_be_printed(app):
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["db", "roles", "--role", "integrity_app", "--password", "s3cret'x", "--print-sql"])
    assert printed.exit_code == 0, printed.output
    assert 'GRANT SELECT, INSERT ON TABLE "public"."audit_events" TO "integrity_app"' in printed.output
    assert "s3cret" not in printed.output
    bad = runner.invoke(args=["db", "roles", "--role", 'x"; DROP TABLE people; --', "--print-sql"])
    assert bad.exit_code != 0
    if db.engine.dialect.name == "sqlite":
        assert "SQLite has no roles" in runner.invoke(args=["db", "roles"]).output


@pytest.fixture
def app_role(app, database_url):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    role, password = f"ia_app_{uuid.uuid4().hex[:8]}", "App-role-pw-2026"
    result = app.test_cli_runner().invoke(args=["db", "roles", "--role", role, "--password", password])
    assert result.exit_code == 0, result.output
    # idempotent: run again after a migration
    assert app.test_cli_runner().invoke(args=["db", "roles", "--role", role]).exit_code == 0
    url = sa.engine.make_url(database_url).set(username=role, password=password)
    engine = sa.create_engine(url)
    yield role, url, engine
    engine.dispose()
    db.session.remove()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')


def test_the_application_role_cannot_change_the_audit_tables(app, app_role):
    role, _url, engine = app_role
    record_event("test_event", None, "before", actor=None)
    db.session.commit()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT current_user")).scalar_one() == role
        assert conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() == 1
    for sql in ATTACKS:
        with engine.connect() as conn:
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"):
                conn.execute(sa.text(sql))
    with engine.connect() as conn:      # ordinary rights elsewhere
        conn.execute(sa.text("UPDATE audit_chain_head SET last_id = last_id WHERE key = 1"))
        conn.execute(sa.text("SELECT count(*) FROM people"))
    assert verify_chain().ok


def test_the_application_works_as_that_role(app, app_role, make_app):
    from tests import factories as f
    from tests.security.test_auth import login
    _role, url, _engine = app_role
    f.user("clerk", roles=("servant",), person=f.person("职员"))
    db.session.commit()
    as_app = make_app(SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    with as_app.app_context():
        client = as_app.test_client()
        login(client, "clerk", "wrong")
        login(client, "clerk")
        assert client.get("/").status_code in (200, 302)
        record_event("test_event", None, "as the application role", actor=None)
        db.session.commit()
        assert verify_chain().ok
        db.session.remove()
    actions = db.session.execute(sa.text("SELECT action FROM audit_events ORDER BY id")).scalars().all()
    assert "login_failed" in actions and "login" in actions and actions[-1] == "test_event"
