"""The audit witness outside the database (issue 17, item 3): whoever owns the database can
rebuild the chain, cut its tail and delete the checkpoints; the witness file (and syslog)
still names it. Only committed events are witnessed."""
from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.audit.models import AuditCheckpoint, AuditEvent
from core.audit.services import GENESIS, _sign, event_hash, record_event, verify_chain
from core.audit.witness import read_witness
from core.extensions import db
from tests.security.test_audit_chain import events, is_pg, tamper, verify_cli

KEY = "checkpoint-key-kept-outside-the-database"


def _events(n: int, label: str = "事件") -> None:
    for i in range(n):
        record_event("test_event", None, f"{label} {i}", actor=None)
        db.session.commit()


@pytest.fixture
def witnessed(app, config, tmp_path):
    path = tmp_path / "audit-witness.log"
    config(AUDIT_WITNESS_PATH=str(path), AUDIT_CHECKPOINT_EVERY=3, AUDIT_CHECKPOINT_KEY=KEY)
    _events(8)
    w = read_witness(path)
    assert sorted(w.events) == list(range(1, 9)) and sorted(w.checkpoints) == [3, 6]
    assert w.events == {e.id: e.hash for e in events()}
    report = verify_chain()
    assert report.ok and "8 个事件、2 个检查点一致" in report.witness, report
    return path


def _rebuild_from(first_id: int, summary: str = "伪造的内容") -> None:
    """What a database owner can do: rewrite an event and recompute every later link."""
    rows = events()
    prev = rows[first_id - 2].hash if first_id > 1 else GENESIS
    new = []
    for ev in rows[first_id - 1:]:
        if ev.id == first_id:
            ev.summary = summary
        ev.prev_hash = prev
        ev.hash = event_hash(ev)
        prev = ev.hash
        new.append({"s": ev.summary, "p": ev.prev_hash, "h": ev.hash, "i": ev.id})
    db.session.rollback()
    if is_pg():
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    for params in new:
        db.session.execute(sa.text("UPDATE audit_events SET summary = :s, prev_hash = :p, hash = :h WHERE id = :i"),
                           params)
    db.session.commit()


def _resign_checkpoints_without_the_key() -> None:
    """The owner cannot sign: he deletes the checkpoints that would give him away."""
    tamper("DELETE FROM audit_checkpoints")


class TestWitnessFile:
    def test_only_committed_events_are_witnessed(self, app, config, tmp_path):
        path = tmp_path / "w.log"
        config(AUDIT_WITNESS_PATH=str(path))
        record_event("test_event", None, "committed", actor=None)
        db.session.commit()
        record_event("test_event", None, "rolled back", actor=None)
        db.session.rollback()
        record_event("test_event", None, "kept", actor=None)
        with db.session.begin_nested():
            record_event("test_event", None, "in a savepoint that commits", actor=None)
        savepoint = db.session.begin_nested()
        record_event("test_event", None, "in a savepoint rolled back", actor=None)
        savepoint.rollback()
        db.session.commit()
        rows = events()
        assert [e.summary for e in rows] == ["committed", "kept", "in a savepoint that commits"]
        assert read_witness(path).events == {e.id: e.hash for e in rows}
        lines = path.read_text().splitlines()
        assert len(lines) == 3 and all(line.startswith("E\t") for line in lines)
        assert verify_chain().ok

    def test_intact_chain_and_witness_pass_through_the_cli(self, app, witnessed):
        result = verify_cli(app)
        assert result.exit_code == 0 and "intact: 8 events" in result.output and "见证文件" in result.output

    def test_edited_and_rehashed_last_event_is_detected(self, app, witnessed):
        """The newest event has no successor and no checkpoint: only the witness knows its hash."""
        _rebuild_from(8)
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 8 and "见证文件" in report.problem
        assert verify_cli(app).exit_code == 1

    def test_deleted_event_is_detected(self, app, witnessed):
        tamper("DELETE FROM audit_events WHERE id = 5")
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 5

    @pytest.mark.parametrize("cut", [1, 2, 5, 8])
    def test_cut_tail_of_any_length_with_its_checkpoints_is_detected(self, app, witnessed, cut):
        first = 9 - cut
        tamper("DELETE FROM audit_events WHERE id >= :f", f=first)
        tamper("DELETE FROM audit_checkpoints WHERE event_id >= :f", f=first)
        report = verify_chain()
        assert not report.ok and report.first_broken_id == first, report
        assert "截断" in report.problem or "删除" in report.problem
        assert verify_cli(app).exit_code == 1

    def test_fully_rebuilt_chain_without_checkpoints_is_detected(self, app, witnessed):
        _rebuild_from(1)
        _resign_checkpoints_without_the_key()
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 1 and "重建" in report.problem

    def test_deleted_checkpoints_are_detected(self, app, witnessed):
        tamper("DELETE FROM audit_checkpoints WHERE event_id = 6")
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 6 and "检查点" in report.problem

    def test_a_forged_event_appended_in_the_database_is_detected(self, app, witnessed):
        last = events()[-1]
        forged = AuditEvent(id=9, occurred_at=clock.utcnow() - timedelta(hours=1), actor_id=None, actor_name="hr",
                            action="login", target_type=None, target_id=None, person_id=None, ip="1.2.3.4",
                            outcome="success", summary="伪造", prev_hash=last.hash)
        forged.hash = event_hash(forged)
        db.session.rollback()
        tamper("INSERT INTO audit_events (id, occurred_at, actor_name, action, ip, outcome, summary, prev_hash, hash)"
               " VALUES (9, :t, 'hr', 'login', '1.2.3.4', 'success', '伪造', :p, :h)",
               t=forged.occurred_at, p=forged.prev_hash, h=forged.hash)
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 9 and "不在见证文件中" in report.problem

    def test_a_young_event_not_yet_witnessed_is_accepted_within_the_grace_window(self, app, witnessed, config):
        config(AUDIT_WITNESS_PATH="off")          # the process died between the commit and the witness write
        _events(1, "lost")
        config(AUDIT_WITNESS_PATH=str(witnessed))
        assert verify_chain().ok
        config(AUDIT_WITNESS_GRACE_SECONDS=0)
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 9

    def test_a_database_replaced_by_another_is_detected(self, app, witnessed):
        """A new database (or one restored from an old dump and written again) under the same witness."""
        tamper("DELETE FROM audit_checkpoints")
        tamper("DELETE FROM audit_events")
        if is_pg():
            tamper("DELETE FROM audit_chain_head")
        _events(3, "另一个数据库")
        report = verify_chain()
        assert not report.ok and report.first_broken_id == 1

    def test_concurrent_appends_are_all_witnessed(self, app, witnessed):
        errors = []

        def worker(n: int) -> None:
            with app.app_context():
                try:
                    for i in range(5):
                        record_event("test_event", None, f"thread {n} {i}", actor=None)
                        db.session.commit()
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
                finally:
                    db.session.remove()
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert read_witness(witnessed).events == {e.id: e.hash for e in events()}
        assert verify_chain().ok

    def test_witness_lines_go_to_syslog_too(self, app, config, tmp_path):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        try:
            config(AUDIT_WITNESS_PATH="off", AUDIT_WITNESS_SYSLOG=f"127.0.0.1:{sock.getsockname()[1]}",
                   AUDIT_CHECKPOINT_KEY=KEY)
            record_event("test_event", None, "to syslog", actor=None)
            db.session.commit()
            ev = events()[-1]
            message = sock.recv(4096).decode()
        finally:
            sock.close()
        assert "integrity-audit E" in message and ev.hash in message and f" {ev.id} " in message

    def test_checkpoint_lines_carry_the_signature(self, app, witnessed):
        w = read_witness(witnessed)
        for eid, (head, signature) in w.checkpoints.items():
            assert signature == _sign(eid, head)
        cps = db.session.execute(sa.select(AuditCheckpoint)).scalars().all()
        assert {cp.event_id: (cp.head_hash, cp.signature) for cp in cps} == w.checkpoints


def test_demo_load_ends_with_a_checkpoint(app, config, tmp_path):
    config(AUDIT_WITNESS_PATH=str(tmp_path / "w.log"))
    result = app.test_cli_runner().invoke(args=["demo", "load", "--people", "12", "--seed", "3"])
    assert result.exit_code == 0, result.output
    last = events()[-1]
    cp = db.session.execute(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.event_id.desc())).scalars().first()
    assert cp is not None and cp.event_id == last.id and cp.head_hash == last.hash
    assert read_witness(tmp_path / "w.log").checkpoints[last.id][0] == last.hash
