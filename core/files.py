"""Uploaded files (evidence, scans): type by content, random names outside the web root.

Files are served only through access-checked routes of the packages that own them
(``send_attachment`` after the caller checked the scope).

A file is written before its row is committed; if the transaction then rolls back (a later
upload of the same form refused, a rule broken, a fault), the files it wrote are removed,
so the folder never holds a file that no row references.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, send_file
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.audit.services import record_event
from core.changes import FILE, changed
from core.db import UTCDateTime, listen_once
from core.errors import DomainError
from core.extensions import db
from core.guards import audited

# magic bytes -> (mime type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
)
EVIDENCE_TYPES = ("pdf", "jpg", "png")


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, mime, ext in SIGNATURES:
        if head.startswith(magic):
            return mime, ext
    return None


@audited
class Attachment(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(sa.String(40))       # record / objection / repair / course ...
    owner_id: Mapped[int | None] = mapped_column(sa.Integer)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    mime: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    __table_args__ = (sa.Index("ix_attachments_owner", "owner_type", "owner_id"),
                      sa.Index("ix_attachments_uploader", "uploaded_by_id", "uploaded_at"))


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


_WRITTEN = "ia_uploaded_files"


def _keep_written_files(session) -> None:
    session.info.pop(_WRITTEN, None)


def _remove_written_files(session) -> None:
    for path in session.info.pop(_WRITTEN, ()):
        path.unlink(missing_ok=True)


def install() -> None:
    """Keep the files a transaction wrote when it commits, remove them when it rolls back (the
    factory's ``register_extensions`` step)."""
    listen_once(Session, "after_commit", _keep_written_files)
    listen_once(Session, "after_rollback", _remove_written_files)


#: owner types of files uploaded ahead of the form that will claim them (owner_id NULL until then);
#: packages add theirs (archive.repair: "repair_draft"). Unclaimed after a day they are cleaned up.
DRAFT_OWNERS: set[str] = set()
EXPIRED_DRAFT = "expired_draft"


def _current_user_id() -> int | None:
    from flask import has_request_context
    from flask_login import current_user
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return getattr(current_user, "id", None)
    return None


def check_quota(user_id: int | None, size: int) -> None:
    """Per-user upload quota (issue 17, item 11): at most ``UPLOAD_QUOTA_BYTES`` in any 24 hours."""
    quota = current_app.config.get("UPLOAD_QUOTA_BYTES") or 0
    if not quota or user_id is None:
        return
    from datetime import timedelta
    since = clock.utcnow() - timedelta(hours=24)
    used = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(Attachment.size), 0)).where(
        Attachment.uploaded_by_id == user_id, Attachment.uploaded_at >= since)).scalar_one()
    if used + size > quota:
        mb = quota // (1024 * 1024)
        raise DomainError("quota_exceeded", _("24 小时内上传的文件已达 %(mb)s MB 的上限，请明天再上传", mb=mb),
                          {"file": _("已达上传配额（24 小时内 %(mb)s MB）", mb=mb)}, status=429)


def clean_unclaimed_drafts(older_than_hours: float = 24) -> tuple[int, int]:
    """Remove the files of drafts no form claimed within ``older_than_hours`` (cron, daily).

    The rows stay (nothing is hard-deleted; attachments are audited): they are marked
    ``expired_draft`` and can no longer be claimed. Returns (files, bytes); the caller commits."""
    from datetime import timedelta
    if not DRAFT_OWNERS:
        return 0, 0
    before = clock.utcnow() - timedelta(hours=older_than_hours)
    drafts = db.session.execute(sa.select(Attachment).where(
        Attachment.owner_type.in_(sorted(DRAFT_OWNERS)), Attachment.owner_id.is_(None),
        Attachment.uploaded_at < before)).scalars().all()
    freed = 0
    for att in drafts:
        path = upload_dir() / att.stored_name
        if path.exists():
            freed += att.size
            path.unlink()
        att.owner_type = EXPIRED_DRAFT
    if drafts:
        db.session.flush()
        changed({att.person_id for att in drafts}, FILE)
        record_event("draft_cleanup", None, f"清理 {len(drafts)} 个超过 {older_than_hours:g} 小时未使用的草稿附件"
                     f"（{freed} 字节）", actor=None)
    return len(drafts), freed


def save_upload(storage, *, owner_type: str, owner_id: int | None = None, person_id: int | None = None,
                allowed=EVIDENCE_TYPES, uploaded_by=None) -> Attachment:
    """Check and store one uploaded file; raise DomainError with a Chinese message if refused."""
    if storage is None or not getattr(storage, "filename", ""):
        raise DomainError("no_file", _("请选择要上传的文件"), {"file": _("请选择文件")})
    data = storage.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        limit = current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)
        raise DomainError("too_large", _("文件超过 %(limit)s MB 的大小限制", limit=limit), {"file": _("文件不能超过 %(limit)s MB", limit=limit)},
                          status=413)
    if not data:
        raise DomainError("empty_file", _("文件为空"), {"file": _("文件为空")})
    uploader_id = getattr(uploaded_by, "id", None) or _current_user_id()
    check_quota(uploader_id, len(data))
    kind = sniff(data[:16])
    if kind is None or kind[1] not in allowed:
        names = "、".join(a.upper() for a in allowed)
        raise DomainError("bad_type", _("只接受 %(names)s 文件（按文件内容判断）", names=names), {"file": _("只接受 %(names)s 文件", names=names)})
    stored = secrets.token_hex(16) + "." + kind[1]
    path = upload_dir() / stored
    path.write_bytes(data)
    db.session.info.setdefault(_WRITTEN, []).append(path)      # removed again if this transaction rolls back
    original = Path(storage.filename).name[:200] or "file"
    att = Attachment(owner_type=owner_type, owner_id=owner_id, person_id=person_id, original_name=original,
                     stored_name=stored, mime=kind[0], size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     uploaded_by_id=uploader_id)
    db.session.add(att)
    db.session.flush()
    record_event("file_upload", att, f"上传文件 {original}（{len(data)} 字节）", person_id=person_id)
    changed([person_id], FILE)     # the file lists a person's attachments (none: in no file)
    return att


def send_attachment(att: Attachment):
    """Serve a file the caller has already authorised; always as a download, audited."""
    record_event("file_view", att, att.original_name, person_id=att.person_id)
    db.session.commit()
    return send_file(upload_dir() / att.stored_name, mimetype=att.mime, as_attachment=True,
                     download_name=att.original_name, max_age=0)
