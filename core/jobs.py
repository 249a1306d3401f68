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
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import TimestampMixin, UTCDateTime
from core.extensions import db

log = logging.getLogger("integrity.jobs")


class Job(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
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
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   # the running worker's last sign of life


def apply_memory_limit(megabytes: int | None) -> int | None:
    """Cap this process's private memory (RLIMIT_DATA: heap and anonymous mappings) at
    ``megabytes``; the job worker sets ``WORKER_MEMORY_MB`` at start (issue 17, item 6), so a job
    that tries to allocate far more (a workbook bomb the size checks of core/excel/ missed)
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
    check_alive(job)
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
        Queue(current_app.config.get("RQ_QUEUE", "integrity"), connection=Redis.from_url(url)).enqueue(
            run_job, job.id, job_timeout=3600)
        return
    if current_app.config.get("JOBS_SYNCHRONOUS"):
        run_job(job.id)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug LocalProxy, typed as Flask
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
    job.state, job.attempts, job.heartbeat_at = "running", job.attempts + 1, clock.utcnow()
    db.session.commit()
    module, name = job.func.split(":")
    beat = _Heartbeat(job_id)
    try:
        fn = getattr(importlib.import_module(module), name)
        result = fn(job_id, *job.args)
    except Exception as exc:  # noqa: BLE001 - any failure marks the job failed, retryable
        beat.stop()
        log.exception("job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        assert job is not None   # loaded above; jobs are never deleted
        job.state, job.error, job.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], clock.utcnow()
        job.result_path = None
        db.session.commit()
        return
    finally:
        beat.stop()
    job = db.session.get(Job, job_id)
    assert job is not None       # loaded above; jobs are never deleted
    if isinstance(result, dict):
        job.result_path = result.get("path")
        job.result_name = result.get("name")
        job.result_mime = result.get("mime")
    job.state, job.finished_at = "done", clock.utcnow()
    job.done = job.total or job.done
    db.session.commit()


def progress(job_id: int, done: int, total: int | None = None) -> None:
    """Report progress from inside a job (its own short transaction)."""
    values = {"done": done, "heartbeat_at": clock.utcnow()}
    if total is not None:
        values["total"] = total
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


# ---- heartbeat: a job whose worker died is detected, failed, cleaned up and retryable (issue 17, item 12) ----

class _Heartbeat:
    """Stamps ``heartbeat_at`` every ``JOB_HEARTBEAT_SECONDS`` from a thread of the process that runs
    the job, on its own connection (never the job's transaction). A worker that dies (killed, out of
    memory, a machine restart) stops stamping: :func:`check_alive` then finds the job stale."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.engine = db.engine
        self.every = float(current_app.config.get("JOB_HEARTBEAT_SECONDS", 15))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.update(Job.__table__).where(Job.__table__.c.id == self.job_id,
                                                                Job.__table__.c.state == "running")
                                 .values(heartbeat_at=clock.utcnow()))
            except Exception:  # noqa: BLE001 - a missed beat is retried; a dead database kills the job anyway
                log.warning("heartbeat of job %s not written", self.job_id, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()


def is_dead(job: Job, now: datetime | None = None) -> bool:
    """A running job whose last heartbeat is older than ``JOB_DEAD_AFTER_SECONDS``."""
    if job.state != "running":
        return False
    from datetime import timedelta
    last = job.heartbeat_at or job.updated_at or job.created_at
    limit = timedelta(seconds=float(current_app.config.get("JOB_DEAD_AFTER_SECONDS", 120)))
    return last is not None and (now or clock.utcnow()) - last > limit


def check_alive(job: Job) -> Job:
    """Fail a job whose worker died (no heartbeat): its partial files are removed and the serials
    it issued are voided (never delivered, /verify answers 作废); it can then be retried.
    Called whenever a job's state is shown or retried, and by ``flask --app wsgi jobs reap`` (cron)."""
    if not is_dead(job):
        return job
    from core.audit.services import record_event
    try:
        claimed = cast("sa.CursorResult[Any]", db.session.execute(   # UPDATE: a CursorResult
            sa.update(Job).where(Job.id == job.id, Job.state == "running",
                                 Job.heartbeat_at.is_not_distinct_from(job.heartbeat_at))
            .values(state="failed", finished_at=clock.utcnow(), result_path=None,
                    error=_("任务进程已停止（心跳中断），可以重试"))
            .execution_options(synchronize_session=False))).rowcount
    except sa.exc.OperationalError:     # SQLite: a writer holds the lock (the job itself, alive after all)
        db.session.rollback()
        return job
    db.session.expire(job)
    if claimed != 1:          # another request reaped it, or the worker beat again meanwhile
        return job
    files, serials = cleanup_partial(job.id)
    record_event("job_dead", None, f"任务 #{job.id}（{job.kind}）的进程已停止：标记为失败，"
                 f"删除 {files} 个未完成文件，作废 {serials} 个未交付的编号", actor=None)
    db.session.commit()
    log.warning("job %s: worker died; failed, %d partial files removed, %d serials voided", job.id, files, serials)
    return job


def cleanup_partial(job_id: int) -> tuple[int, int]:
    """Remove what a dead job left (``job-N.parts/``, ``job-N*.part``, an unfinished result) and void
    the documents it issued; the caller commits. Returns (files removed, serials voided)."""
    import shutil

    from core.documents import PrintedDocument
    directory, removed = job_dir(), 0
    for path in directory.glob(f"job-{job_id}.*"):
        if path.is_dir():
            removed += sum(1 for p in path.rglob("*") if p.is_file())
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
            removed += 1
    docs = db.session.execute(db.select(PrintedDocument).where(
        PrintedDocument.owner_type == "jobs", PrintedDocument.owner_id == job_id,
        PrintedDocument.voided_at.is_(None))).scalars().all()
    for doc in docs:
        doc.voided_at = clock.utcnow()
    db.session.flush()
    return removed, len(docs)


def reap_dead_jobs() -> int:
    """Every running job without a heartbeat: failed and cleaned up (cron, worker start)."""
    running = db.session.execute(db.select(Job).where(Job.state == "running")).scalars().all()
    return sum(1 for job in running if is_dead(job) and check_alive(job).state == "failed")


def write_result(job_id: int, data: bytes | memoryview, suffix: str) -> Path:
    """Write a result atomically: a temporary name, then rename (no half files)."""
    final = job_dir() / f"job-{job_id}{suffix}"
    tmp = final.with_suffix(final.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(final)
    return final


def job_json(job: Job, download_url: str | None = None) -> dict:
    check_alive(job)
    data = {"id": job.id, "state": job.state, "done": job.done, "total": job.total, "kind": job.kind}
    if job.state == "done" and download_url:
        data["download_url"] = download_url
    if job.state == "failed":
        data["error"] = "任务失败，可以重试"
    return data
