"""Background jobs: RQ on Redis when REDIS_URL is set, an in-process thread otherwise.

``enqueue("package.module:function", *args)`` creates a Job row (state, done/total for the
progress bar, result file) and runs the function with ``job_id`` as its first argument.
The function reports progress with ``progress(job_id, done, total)`` and finishes by
returning the path of its result file (written to a temporary name and renamed, so a
crash never leaves a half file offered for download). A failed job can be retried.
"""
from __future__ import annotations

import importlib
import logging
import threading
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import TimestampMixin, UTCDateTime
from core.extensions import db

log = logging.getLogger("integrity.jobs")


class Job(TimestampMixin, db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    func: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[list] = mapped_column(sa.JSON, default=list)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")   # queued running done failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    result_path: Mapped[str | None] = mapped_column(sa.String(300))
    result_name: Mapped[str | None] = mapped_column(sa.String(200))
    result_mime: Mapped[str | None] = mapped_column(sa.String(100))
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    owner_type: Mapped[str | None] = mapped_column(sa.String(40))
    owner_id: Mapped[int | None] = mapped_column(sa.Integer)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)


def apply_memory_limit(megabytes: int | None) -> int | None:
    """Cap this process's private memory (RLIMIT_DATA: heap and anonymous mappings) at
    ``megabytes``; the job worker sets ``WORKER_MEMORY_MB`` at start (issue 17, item 6), so a job
    that tries to allocate far more (a workbook bomb the size checks of core/excel.py missed)
    fails in that worker alone instead of taking the machine's memory from every other process.
    Returns the limit in bytes (None: unlimited)."""
    import resource
    if not megabytes:
        return None
    limit = int(megabytes) * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    return limit


def job_dir() -> Path:
    path = Path(current_app.config["INSTANCE_DIR"]) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def enqueue(func: str, *args, kind: str, created_by=None, owner=None, total: int = 0) -> Job:
    """Create the Job row, commit it, and start it (RQ or a thread)."""
    job = Job(kind=kind, func=func, args=list(args), total=total, created_by_id=getattr(created_by, "id", None),
              owner_type=getattr(owner, "__tablename__", None), owner_id=getattr(owner, "id", None))
    db.session.add(job)
    db.session.commit()
    _start(job)
    return job


def retry(job: Job) -> Job:
    if job.state != "failed":
        from core.errors import Conflict
        raise Conflict("illegal_state", _("只有失败的任务可以重试"))
    job.state, job.done, job.error = "queued", 0, None
    db.session.commit()
    _start(job)
    return job


def _start(job: Job) -> None:
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue
        Queue("integrity", connection=Redis.from_url(url)).enqueue(run_job, job.id, job_timeout=3600)
        return
    if current_app.config.get("JOBS_SYNCHRONOUS"):
        run_job(job.id)
        return
    app = current_app._get_current_object()
    threading.Thread(target=_run_in_app, args=(app, job.id), daemon=True).start()


def _run_in_app(app, job_id: int) -> None:
    with app.app_context():
        run_job(job_id)


def run_job(job_id: int) -> None:
    """Execute a job (in a worker or a thread); needs an app context."""
    if not current_app:
        raise RuntimeError("run_job needs an application context")
    job = db.session.get(Job, job_id)
    if job is None or job.state not in ("queued", "running"):
        return
    job.state, job.attempts = "running", job.attempts + 1
    db.session.commit()
    module, name = job.func.split(":")
    try:
        fn = getattr(importlib.import_module(module), name)
        result = fn(job_id, *job.args)
    except Exception as exc:  # noqa: BLE001 - any failure marks the job failed, retryable
        log.exception("job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.state, job.error, job.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], clock.utcnow()
        job.result_path = None
        db.session.commit()
        return
    job = db.session.get(Job, job_id)
    if isinstance(result, dict):
        job.result_path = result.get("path")
        job.result_name = result.get("name")
        job.result_mime = result.get("mime")
    job.state, job.finished_at = "done", clock.utcnow()
    job.done = job.total or job.done
    db.session.commit()


def progress(job_id: int, done: int, total: int | None = None) -> None:
    """Report progress from inside a job (its own short transaction)."""
    values = {"done": done}
    if total is not None:
        values["total"] = total
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def write_result(job_id: int, data: bytes, suffix: str) -> Path:
    """Write a result atomically: a temporary name, then rename (no half files)."""
    final = job_dir() / f"job-{job_id}{suffix}"
    tmp = final.with_suffix(final.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(final)
    return final


def job_json(job: Job, download_url: str | None = None) -> dict:
    data = {"id": job.id, "state": job.state, "done": job.done, "total": job.total, "kind": job.kind}
    if job.state == "done" and download_url:
        data["download_url"] = download_url
    if job.state == "failed":
        data["error"] = "任务失败，可以重试"
    return data
