"""The audit log (SECURITY.md "Audit"): events for every login, failure, write, view, reveal and
refusal; the hash chain and HMAC checkpoints detect edits, deletions, a cut-off tail and a
rebuilt chain; PostgreSQL refuses UPDATE/DELETE; nothing deletes events (retention)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.audit.models import AuditCheckpoint, AuditEvent
from core.audit.services import event_hash, record_event, verify_chain
from core.extensions import db
from core.guards import BulkWriteRefused
from tests import factories as f
from tests.security.test_auth import login


def events(action=None):
    q = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        q = q.where(AuditEvent.action == action)
    return db.session.execute(q).scalars().all()


def is_pg() -> bool:
    return db.engine.dialect.name == "postgresql"


def tamper(sql: str, **params) -> None:
    """Change audit rows behind the application's back (on PostgreSQL as superuser, trigger off)."""
    if is_pg():
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text(sql), params)
    db.session.commit()


def verify_cli(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


class TestEvents:
    def test_login_and_failed_login(self, app, db):
        f.user("aud", roles=("servant",), person=f.person("审计"))
        db.session.commit()
        c = app.test_client()
        login(c, "aud", "wrong", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        login(c, "aud")
        failed, ok = events("login_failed")[0], events("login")[0]
        assert failed.outcome == "failure" and failed.ip == "10.1.2.3" and failed.actor_name == "aud"
        assert ok.outcome == "success" and ok.actor_name == "aud" and ok.occurred_at.tzinfo is not None

    def test_write_view_reveal_and_refusal(self, app, world, session_login):
        hr = session_login(world.user("hr"))
        pid = world.id("people", "servant_own")
        resp = app.test_client().post("/api/v1/people", headers={"Authorization": f"Bearer {world.tokens['hr']}"},
                                      json={"name": "新人", "id_number": f.id_number(), "entry_date": "2021-01-01",
                                            "department_id": world.id("depts", "史口镇")})
        assert resp.status_code == 201
        hr.get(f"/people/{pid}/registry")
        hr.post(f"/people/{pid}/reveal")
        session_login(world.user("servant")).get("/people")          # 403
        create, view, reveal = events("person_create")[-1], events("person_view")[-1], events("id_reveal")[-1]
        assert create.actor_name == "hr" and create.target_type == "people" and create.target_id == resp.json["id"]
        assert view.person_id == pid and reveal.person_id == pid and reveal.actor_name == "hr"
        denied = events("access_denied")
        assert len(denied) == 1 and denied[0].actor_name == "servant" and denied[0].outcome == "failure"
        assert "/people" in denied[0].summary
        for ev in (create, view, reveal, denied[0]):
            assert ev.ip and ev.occurred_at and ev.action and ev.outcome

    def test_api_refusal_is_audited(self, app, world):
        app.test_client().get("/api/v1/people", headers={"Authorization": f"Bearer {world.tokens['auditor']}"})
        assert [e.actor_name for e in events("access_denied")] == ["auditor"]


def _some_events(n=8):
    for i in range(n):
        record_event("test_event", None, f"事件 {i}", actor=None)
    db.session.commit()


class TestChain:
    def test_intact_chain_passes(self, app, db):
        _some_events()
        result = verify_cli(app)
        assert result.exit_code == 0 and "intact: 8 events" in result.output

    def test_edited_event_is_named(self, app, db):
        _some_events()
        if is_pg():
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                db.session.execute(sa.text("UPDATE audit_events SET summary = 'x' WHERE id = 3"))
                db.session.flush()
            db.session.rollback()
        tamper("UPDATE audit_events SET summary = '改过了' WHERE id = 3")
        result = verify_cli(app)
        assert result.exit_code == 1 and "event 3" in result.output

    def test_deleted_event_is_named(self, app, db):
        _some_events()
        if is_pg():
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                db.session.execute(sa.text("DELETE FROM audit_events WHERE id = 4"))
            db.session.rollback()
        tamper("DELETE FROM audit_events WHERE id = 4")
        result = verify_cli(app)
        assert result.exit_code == 1 and "event 4" in result.output

    def test_application_cannot_update_or_delete_audit_rows_on_postgresql(self, app, db):
        if not is_pg():
            pytest.skip("the append-only trigger exists on PostgreSQL (SQLite: guards only)")
        _some_events(2)
        for sql in ("UPDATE audit_events SET outcome = 'x'", "DELETE FROM audit_events",
                    "UPDATE audit_events SET hash = prev_hash WHERE id = 2"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                db.session.execute(sa.text(sql))
            db.session.rollback()
        assert len(events()) == 2

    def test_orm_and_bulk_deletes_of_events_are_refused(self, app, db):
        _some_events(2)
        db.session.delete(events()[0])
        with pytest.raises(BulkWriteRefused):
            db.session.flush()
        db.session.rollback()
        for stmt in (sa.delete(AuditEvent), sa.update(AuditEvent).values(summary="x")):
            with pytest.raises(BulkWriteRefused):
                db.session.execute(stmt)
            db.session.rollback()
        assert len(events()) == 2


@pytest.fixture
def checkpointed(app, db, config):
    config(AUDIT_CHECKPOINT_EVERY=3, AUDIT_CHECKPOINT_KEY="checkpoint-key-kept-outside-the-database")
    _some_events(8)
    cps = db.session.execute(sa.select(AuditCheckpoint.event_id).order_by(AuditCheckpoint.event_id)).scalars().all()
    assert cps == [3, 6]
    assert verify_chain().ok


class TestCheckpoints:
    def test_cut_off_tail_is_detected(self, app, checkpointed):
        tamper("DELETE FROM audit_events WHERE id >= 5")
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 5 and "截断" in report.problem
        assert verify_cli(app).exit_code == 1

    def test_fully_rebuilt_chain_is_detected(self, app, checkpointed):
        """Rewrite event 2 and recompute every later hash: the chain alone looks intact."""
        rows = events()
        rows[1].summary = "伪造的内容"
        prev = rows[0].hash
        new = []
        for ev in rows[1:]:
            ev.prev_hash = prev
            ev.hash = event_hash(ev)
            prev = ev.hash
            new.append((ev.id, ev.summary, ev.prev_hash, ev.hash))
        db.session.rollback()
        if is_pg():
            db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for eid, summary, prev_hash, h in new:
            db.session.execute(sa.text("UPDATE audit_events SET summary = :s, prev_hash = :p, hash = :h WHERE id = :i"),
                               {"s": summary, "p": prev_hash, "h": h, "i": eid})
        db.session.commit()
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 3 and "重建" in report.problem

    def test_forged_checkpoint_without_the_key_is_detected(self, app, checkpointed):
        import hashlib
        import hmac
        head = events()[2].hash
        forged = hmac.new(b"a guessed key", f"3:{head}".encode(), hashlib.sha256).hexdigest()
        db.session.execute(sa.text("UPDATE audit_checkpoints SET signature = :s WHERE event_id = 3"), {"s": forged})
        db.session.commit()
        report = verify_chain()
        assert not report.ok and "签名无效" in report.problem

    def test_the_key_is_not_in_the_database(self, app, checkpointed, config):
        key = app.config["AUDIT_CHECKPOINT_KEY"]
        for table in ("audit_checkpoints", "audit_events"):
            for row in db.session.execute(sa.text(f"SELECT * FROM {table}")).mappings():  # noqa: S608
                assert all(key not in str(v) for v in row.values())
        config(AUDIT_CHECKPOINT_KEY="another-key")
        assert not verify_chain().ok


class TestRetention:
    def test_retention_at_least_180_days_and_no_purge_command(self, app):
        assert app.config["AUDIT_RETENTION_DAYS"] >= 180
        names = set()
        for group in app.cli.commands.values():
            names.add(group.name)
            names.update(getattr(group, "commands", {}).keys())
        # records cache-prune deletes cached file documents (archive/file/cache.py), derived data, not records
        purges = {n for n in names if ("purge" in n or "prune" in n) and n != "cache-prune"}
        # a purge, if one is ever added, must be tested to keep every event younger than the retention
        assert not purges, purges

    def test_no_application_code_deletes_audit_events(self):
        from pathlib import Path
        root = Path(__file__).resolve().parents[2]
        offenders = []
        for package in ("core", "archive", "training"):
            for path in (root / package).rglob("*.py"):
                text = path.read_text(encoding="utf-8")
                if "delete(AuditEvent" in text or "DELETE FROM AUDIT_EVENTS" in text.upper():
                    offenders.append(str(path.relative_to(root)))
        assert not offenders, offenders
