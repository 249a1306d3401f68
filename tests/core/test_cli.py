"""The command line of API.md: users create, tokens create, audit verify, demo load."""
from __future__ import annotations

from core.accounts.models import User
from core.audit.models import AuditEvent
from core.extensions import db
from core.registry.models import Department, Person


def test_users_create_reads_password_from_stdin(app, region):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "hr2", "--role", "hr", "--department", str(region.dongying.id),
                                 "--password-stdin"], input="Strong@Pass2026\n")
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).filter_by(username="hr2")).scalar_one()
    assert user.roles == {"hr"} and user.department_id == region.dongying.id


def test_users_create_refuses_weak_password_and_writes_nothing(app, region):
    result = app.test_cli_runner().invoke(args=["users", "create", "weak", "--role", "servant", "--person",
                                                str(region.other.id), "--password-stdin"], input="123456\n")
    assert result.exit_code == 2
    assert "password" in result.output
    assert db.session.execute(db.select(User).filter_by(username="weak")).first() is None


def test_tokens_create_prints_a_working_token(app, region, client):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "hr"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("ia_")
    resp = client.get("/api/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert db.session.execute(db.text("SELECT count(*) FROM api_tokens WHERE token_hash = :t"),
                              {"t": token}).scalar() == 0   # only the hash is stored


def test_audit_verify_intact_then_names_the_edited_event(app, region, login_as):
    login_as(region.hr).get(f"/people/{region.person.id}/registry")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    if db.engine.dialect.name == "postgresql":
        return   # the trigger refuses the edit itself: tests/security covers PostgreSQL
    victim = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id).limit(1).offset(2)).scalar_one()
    db.session.execute(db.text("UPDATE audit_events SET summary = 'edited' WHERE id = :i"), {"i": victim.id})
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"event {victim.id}" in broken.output


def test_demo_load_is_deterministic_for_a_seed(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load", "--people", "60", "--seed", "7"])
    assert first.exit_code == 0, first.output
    snapshot = db.session.execute(db.select(Person.name, Person.id_hash, Person.department_path)
                                  .order_by(Person.id)).all()
    assert len(snapshot) == 60
    assert db.session.execute(db.select(db.func.count()).select_from(Department)).scalar() > 40
    accounts = {u.username for u in db.session.execute(db.select(User)).scalars()}
    assert {"hr", "servant", "committee", "admin", "auditor"} <= accounts
    again = runner.invoke(args=["demo", "load", "--people", "60", "--seed", "7", "--if-empty"])
    assert "already has data" in again.output
    from tests.conftest import _truncate_all
    db.session.remove()
    _truncate_all()
    assert runner.invoke(args=["demo", "load", "--people", "60", "--seed", "7"]).exit_code == 0
    replay = db.session.execute(db.select(Person.name, Person.id_hash, Person.department_path)
                                .order_by(Person.id)).all()
    assert replay == snapshot
