"""Domain acts of exchange: run an import (sync or as a job), log it, audit it.

The credit-platform export and the public disclosure query live in credit.py and
disclosure.py; the Excel list exports in exports.py.
"""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import current_app

from core import clock
from core.audit.services import record_event
from core.errors import Conflict, DomainError, NotFound
from core.excel import ExcelError, count_rows, read_table, template_workbook
from core.extensions import db

from .importers import importer_for
from .importing import ImportContext
from .models import ImportBatch


def import_dir() -> Path:
    path = Path(current_app.config["INSTANCE_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sync_limit() -> int:
    return int(current_app.config.get("IMPORT_SYNC_ROWS", 5000))


def require_importer(kind: str):
    imp = importer_for(kind)
    if imp is None:
        raise NotFound("不支持的导入类型", code="unknown_kind")
    return imp


def template_bytes(kind: str) -> tuple[str, bytes]:
    imp = require_importer(kind)
    data = template_workbook(imp.columns, imp.instructions, title=imp.title, examples=imp.examples)
    return f"{imp.title}导入模板.xlsx", data


# ---- batches ------------------------------------------------------------------------------

def create_batch(kind: str, data: bytes, filename: str, *, user=None, dry_run: bool, via: str,
                 keep_file: bool = False) -> ImportBatch:
    """Log an upload (the file is kept under a random name when it is needed later)."""
    require_importer(kind)
    name = Path(filename or "upload.xlsx").name[:200] or "upload.xlsx"
    batch = ImportBatch(kind=kind, filename=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                        dry_run=dry_run, via=via, created_by_id=getattr(user, "id", None), state="uploaded",
                        errors=[])
    if keep_file:
        batch.stored_name = secrets.token_hex(16) + ".xlsx"
        (import_dir() / batch.stored_name).write_bytes(data)
    db.session.add(batch)
    db.session.flush()
    return batch


def batch_file(batch: ImportBatch) -> bytes:
    if not batch.stored_name:
        raise Conflict("file_gone", "该批次的文件已导入或已删除，请重新上传")
    path = import_dir() / batch.stored_name
    if not path.exists():
        raise Conflict("file_gone", "该批次的文件已不存在，请重新上传")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != batch.sha256:
        raise Conflict("file_changed", "该批次的文件已被改动，请重新上传")
    return data


def run_batch(batch: ImportBatch, data: bytes, *, user=None, dry_run: bool, progress=None) -> ImportBatch:
    """Validate the whole file; when clean and not a dry run, import it (caller commits).

    Nothing is written but the batch log unless every row is valid. The import is one
    transaction: the rows, their history, the batch log and one audit event with counts.
    """
    imp = require_importer(batch.kind)
    batch.dry_run = dry_run
    try:
        table = read_table(data, imp.columns)
    except ExcelError as exc:
        return _finish(batch, rows=0, errors=exc.errors, state="rejected", user=user)
    if progress is not None:
        progress(0, len(table))
    ctx = ImportContext(user=user, batch_id=batch.id,
                        progress=(lambda done: progress(done, len(table))) if progress is not None else None)
    plan = imp.plan(table, ctx)
    batch.unchanged = plan.unchanged
    if not plan.clean:
        return _finish(batch, rows=plan.rows, errors=plan.problems.sorted(), state="rejected", user=user)
    if dry_run:
        batch.imported = 0
        return _finish(batch, rows=plan.rows, errors=[], state="validated", user=user, new=plan.new)
    try:
        with db.session.begin_nested():
            imported = plan.apply() if plan.new else 0     # notes what it wrote (core.changes)
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - a concurrent change (unique key) during the insert
        from sqlalchemy.exc import IntegrityError
        if isinstance(exc, IntegrityError):
            raise Conflict("import_conflict", "导入时数据被他人同时修改（唯一性冲突），未导入任何数据，请重新导入") from None
        raise
    batch.imported = imported
    _drop_file(batch)
    record_event("import", batch, f"{imp.title}导入：{plan.rows} 行，新增 {imported}，未变化 {plan.unchanged}"
                 f"（{batch.filename}）", actor=user if user is not None else None)
    return _finish(batch, rows=plan.rows, errors=[], state="imported", user=user)


def _finish(batch: ImportBatch, *, rows: int, errors: list[dict], state: str, user, new: int | None = None
            ) -> ImportBatch:
    batch.rows, batch.errors, batch.error_count, batch.state = rows, errors, len(errors), state
    batch.finished_at = clock.utcnow()
    if state == "rejected":
        batch.imported = 0
        record_event("import_check", batch, f"导入检查未通过：{len(errors)} 个问题（{batch.filename}）",
                     outcome="failure", actor=user if user is not None else None)
    elif state == "validated":
        record_event("import_check", batch, f"导入预检通过：{rows} 行，可新增 {new}，未变化 {batch.unchanged}"
                     f"（{batch.filename}）", actor=user if user is not None else None)
    db.session.flush()
    return batch


def _drop_file(batch: ImportBatch) -> None:
    if batch.stored_name:
        try:
            (import_dir() / batch.stored_name).unlink(missing_ok=True)
        except OSError:
            pass
        batch.stored_name = None


def import_file(kind: str, data: bytes, filename: str, *, user=None, dry_run: bool = False, via: str = "api"
                ) -> ImportBatch:
    """The synchronous import of the API and the CLI: log, validate, import (caller commits)."""
    batch = create_batch(kind, data, filename, user=user, dry_run=dry_run, via=via)
    return run_batch(batch, data, user=user, dry_run=dry_run)


def is_big(data: bytes) -> bool:
    """More rows than IMPORT_SYNC_ROWS: the web page runs it as a background job."""
    try:
        return count_rows(data) > sync_limit()
    except ExcelError:
        return False


def start_job(batch: ImportBatch, *, user, dry_run: bool):
    """Run a batch in a background job (the caller has committed the batch row)."""
    from core import jobs
    batch.state = "queued"
    batch.dry_run = dry_run
    db.session.flush()
    job = jobs.enqueue("archive.exchange.services:import_job", batch.id, dry_run, kind="import",
                       created_by=user, owner=batch)
    batch = db.session.get_one(ImportBatch, batch.id)      # flushed above, committed by enqueue
    batch.job_id = job.id
    db.session.commit()
    return job


def import_job(job_id: int, batch_id: int, dry_run: bool) -> dict:
    """Job body: progress while validating; the import itself is one transaction."""
    from core import jobs
    from core.accounts.models import User
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.state not in ("queued", "running", "failed"):
        return {}
    user = db.session.get(User, batch.created_by_id) if batch.created_by_id else None
    batch.state = "running"
    db.session.commit()

    def progress(done: int, total: int) -> None:
        jobs.progress(job_id, done, total + 1)

    try:
        run_batch(batch, batch_file(batch), user=user, dry_run=dry_run, progress=progress)
        db.session.commit()
    except Exception:
        db.session.rollback()
        failed = db.session.get(ImportBatch, batch_id)
        if failed is not None:      # the row committed above; never mask the job's own error
            failed.state = "failed"
            db.session.commit()
        raise
    return {}


def activation_codes_for_import(batch: ImportBatch, user=None):
    """Activation codes for the people a people import just registered (an option of the
    import, issue 18): one code batch, delivered or printed like any other (caller commits)."""
    if batch.kind != "people" or batch.state != "imported" or not batch.imported:
        return None
    from core.accounts.activation import create_batch
    from core.registry.models import PersonChange
    reason = f"Excel 导入（批次 #{batch.id}）"
    ids = list(db.session.execute(db.select(PersonChange.person_id).where(
        PersonChange.action == "create", PersonChange.reason == reason)).scalars())
    if not ids:
        return None
    return create_batch(actor=user, person_ids=ids).batch
