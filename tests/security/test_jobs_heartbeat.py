"""Jobs whose worker died (issue 17, item 12): a running job stamps a heartbeat; without one it is
detected, marked failed, its partial files are removed and the serials it issued are voided; it
can be retried. In-process runner always; RQ with a real worker process when Redis answers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.clock import utcnow
from core.documents import PrintedDocument, find_document, new_serial
from core.extensions import db
from core.jobs import Job, check_alive, enqueue, job_dir, job_json, retry

ROOT = Path(__file__).resolve().parents[2]
SEEN: dict = {}


def beating_job(job_id: int) -> dict:
    """Runs long enough for a few heartbeats; records what another connection sees meanwhile."""
    started = utcnow()
    time.sleep(0.8)
    with db.engine.connect() as conn:
        SEEN["beat"] = conn.execute(sa.select(Job.heartbeat_at).where(Job.id == job_id)).scalar_one()
    SEEN["started"] = started
    return {}


def dies_first_time(job_id: int) -> dict:
    """The worker process is killed (OOM killer, a restart) on the first attempt."""
    attempts = db.session.execute(sa.select(Job.attempts).where(Job.id == job_id)).scalar_one()
    path = job_dir() / f"job-{job_id}.parts"
    path.mkdir(parents=True, exist_ok=True)
    (path / "0000.pdf").write_bytes(b"%PDF-partial")
    if attempts == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"path": None}


def fine_job(job_id: int) -> dict:
    return {}


def test_a_running_job_stamps_its_heartbeat(app, config):
    config(JOB_HEARTBEAT_SECONDS=0.1)
    job = enqueue("tests.security.test_jobs_heartbeat:beating_job", kind="test")
    db.session.refresh(job)
    assert job.state == "done"
    assert SEEN["beat"] is not None and SEEN["beat"] > SEEN["started"]


def _dead_job(minutes_ago: float = 10) -> tuple[Job, str]:
    job = Job(kind="review_print", func="tests.security.test_jobs_heartbeat:fine_job", args=[], state="running",
              attempts=1, heartbeat_at=utcnow() - timedelta(minutes=minutes_ago))
    db.session.add(job)
    db.session.flush()
    serial = new_serial()
    db.session.add(PrintedDocument(serial=serial, kind="integrity_file", owner_type="jobs", owner_id=job.id,
                                   sha256="0" * 64, size=10, title="未交付"))
    db.session.commit()
    parts = job_dir() / f"job-{job.id}.parts"
    parts.mkdir(parents=True, exist_ok=True)
    (parts / "0000.pdf").write_bytes(b"%PDF-partial")
    (job_dir() / f"job-{job.id}.zip.part").write_bytes(b"PK")
    return job, serial


def test_a_job_without_heartbeat_is_failed_cleaned_and_retryable(app):
    job, serial = _dead_job()
    assert find_document(serial) is not None
    data = job_json(job)                      # what the progress bar polls
    assert data["state"] == "failed" and "error" in data
    assert not list(job_dir().glob(f"job-{job.id}.*"))
    doc = db.session.execute(sa.select(PrintedDocument).filter_by(serial=serial)).scalar_one()
    assert doc.voided_at is not None and find_document(serial) is None
    event = db.session.execute(sa.select(AuditEvent).filter_by(action="job_dead")).scalar_one()
    assert f"#{job.id}" in event.summary and "作废 1 个" in event.summary
    retry(job)                                 # synchronous in tests: runs again, to the end
    db.session.refresh(job)
    assert job.state == "done" and job.attempts == 2


def test_a_job_with_a_recent_heartbeat_is_left_alone(app):
    job, serial = _dead_job(minutes_ago=0.2)
    assert check_alive(job).state == "running"
    assert find_document(serial) is not None and list(job_dir().glob(f"job-{job.id}.*"))


def test_the_reap_command(app):
    job, _serial = _dead_job()
    result = app.test_cli_runner().invoke(args=["jobs", "reap"])
    assert result.exit_code == 0 and "1 dead job" in result.output
    db.session.refresh(job)
    assert job.state == "failed"


def _redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        from redis import Redis
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis: the RQ test is skipped
        return None
    return url


def _worker(app, database_url, redis_url, queue) -> subprocess.CompletedProcess:
    env = {**os.environ, "INTEGRITY_CONFIG": "test", "TEST_DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "RQ_QUEUE": queue, "INTEGRITY_INSTANCE_DIR": app.config["INSTANCE_DIR"], "WORKER_MEMORY_MB": "0"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_rq_worker_killed_mid_job_is_detected_and_the_retry_completes(app, config, database_url):
    redis_url = _redis_url()
    if redis_url is None:
        pytest.skip("Redis is not reachable")
    if database_url.startswith("sqlite:///:memory:") or database_url == "sqlite://":
        pytest.skip("the worker process needs a database file or server")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    config(REDIS_URL=redis_url, RQ_QUEUE=queue, JOB_DEAD_AFTER_SECONDS=1)
    job = enqueue("tests.security.test_jobs_heartbeat:dies_first_time", kind="test")
    first = _worker(app, database_url, redis_url, queue)
    assert first.returncode != 0          # the worker process died with the job
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "running" and list(job_dir().glob(f"job-{job.id}.*"))
    time.sleep(1.5)
    assert job_json(job)["state"] == "failed"
    assert not list(job_dir().glob(f"job-{job.id}.*"))
    retry(job)
    second = _worker(app, database_url, redis_url, queue)
    assert second.returncode == 0, second.stderr[-2000:]
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "done" and job.attempts == 2
