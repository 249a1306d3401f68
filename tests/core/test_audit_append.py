"""Appending to the audit chain (core/audit/services.py): on PostgreSQL the link hash is computed
by the server in the statement that moves the chain head; it must be exactly the hash the
verifier recomputes in Python, and concurrent appends must never fork the chain."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from core.audit.models import AuditChainHead, AuditEvent
from core.audit.services import GENESIS, event_hash, record_event, verify_chain
from core.extensions import db


def test_server_computed_links_equal_the_python_hash_for_awkward_text(region):
    for summary in ('引号 " 反斜杠 \\ 换行\n制表\t', "emoji 🙂 and ascii", "", "x" * 600, "控制字符 \x01"):
        record_event("file_view", region.person, summary)
    record_event("login", None, "无目标")
    db.session.commit()
    rows = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    for prev, ev in zip([None, *rows], rows):
        assert event_hash(ev) == ev.hash
        if prev is not None:
            assert ev.prev_hash == prev.hash
    report = verify_chain()
    assert report.ok and report.checked == len(rows), report


def test_a_rolled_back_append_leaves_no_gap(region):
    record_event("file_view", region.person, "one")
    db.session.commit()
    record_event("file_view", region.person, "rolled back")
    db.session.rollback()
    record_event("file_view", region.person, "two")
    db.session.commit()
    summaries = [e.summary for e in db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert summaries[-2:] == ["one", "two"] and "rolled back" not in summaries
    assert verify_chain().ok


def test_concurrent_appends_never_fork_the_chain(app, region):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers itself")
    person_id, errors = region.person.id, []
    before = verify_chain().checked

    def worker(n: int) -> None:
        with app.app_context():
            try:
                for i in range(15):
                    record_event("file_view", None, f"thread {n} view {i}", person_id=person_id)
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain()
    assert report.ok and report.checked == before + 90, report
    head = db.session.get(AuditChainHead, 1)
    last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert (head.last_id, head.last_hash) == (last.id, last.hash)


def test_a_head_behind_the_events_is_resynchronised(region):
    """Events appended without moving the head (older code during a deploy, a restore of the
    events alone): the next append takes the newest event as its predecessor, never forks."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the head row is PostgreSQL's")
    pid = region.person.id
    record_event("file_view", None, person_id=pid, summary="one")
    record_event("file_view", None, person_id=pid, summary="two")
    db.session.commit()
    first = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).scalars().all()[1]
    db.session.execute(sa.update(AuditChainHead.__table__).values(last_id=first.id, last_hash=first.hash))
    db.session.commit()
    ev = record_event("file_view", None, person_id=pid, summary="three")
    db.session.commit()
    assert ev.id == first.id + 2
    assert verify_chain().ok
    db.session.execute(sa.delete(AuditChainHead.__table__))
    db.session.commit()
    record_event("file_view", None, person_id=pid, summary="four")
    db.session.commit()
    assert verify_chain().ok
