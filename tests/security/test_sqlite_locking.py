"""SQLite while a job runs (issue 17, item 14): write-ahead logging and a busy timeout, so a page
reads while a job holds the writer lock, and a second writer waits instead of failing with
"database is locked"."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.audit.services import record_event, verify_chain
from core.db import SQLITE_BUSY_TIMEOUT_MS
from core.extensions import db


@pytest.fixture
def file_app(make_app, tmp_path):
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'wal.db'}")
    with application.app_context():
        db.create_all()
        db.session.remove()
    return application


def test_connections_use_wal_and_a_busy_timeout(file_app):
    with file_app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one().lower() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == SQLITE_BUSY_TIMEOUT_MS >= 10_000
        db.session.remove()


def test_pages_read_and_writers_wait_while_a_job_holds_the_writer_lock(file_app):
    with file_app.app_context():
        record_event("test_event", None, "before the job", actor=None)
        db.session.commit()
        engine = db.engine
        held, release, errors = threading.Event(), threading.Event(), []

        def job() -> None:          # a long job step: the writer lock held, rows written, not yet committed
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("BEGIN EXCLUSIVE")
                    conn.exec_driver_sql("UPDATE audit_chain_head SET key = key WHERE 1 = 0")
                    held.set()
                    release.wait(10)
                    time.sleep(0.5)
                    conn.exec_driver_sql("COMMIT")
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                held.set()

        worker = threading.Thread(target=job)
        worker.start()
        assert held.wait(10)
        t0 = time.perf_counter()
        count = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
        read_seconds = time.perf_counter() - t0
        db.session.rollback()
        release.set()
        record_event("test_event", None, "written while the job commits", actor=None)   # waits for the lock
        db.session.commit()
        worker.join()
        assert errors == [] and count == 1
        assert read_seconds < 2, f"the read waited {read_seconds:.1f} s for the job"
        assert verify_chain().ok and verify_chain().checked == 2
        db.session.remove()
