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
from core.db import UTCDateTime
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
class Attachment(db.Model):
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

    __table_args__ = (sa.Index("ix_attachments_owner", "owner_type", "owner_id"),)


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


_WRITTEN = "ia_uploaded_files"


@sa.event.listens_for(Session, "after_commit")
def _keep_written_files(session) -> None:
    session.info.pop(_WRITTEN, None)


@sa.event.listens_for(Session, "after_rollback")
def _remove_written_files(session) -> None:
    for path in session.info.pop(_WRITTEN, ()):
        path.unlink(missing_ok=True)


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
                     uploaded_by_id=getattr(uploaded_by, "id", None))
    db.session.add(att)
    db.session.flush()
    record_event("file_upload", att, f"上传文件 {original}（{len(data)} 字节）", person_id=person_id)
    return att


def send_attachment(att: Attachment):
    """Serve a file the caller has already authorised; always as a download, audited."""
    record_event("file_view", att, att.original_name, person_id=att.person_id)
    db.session.commit()
    return send_file(upload_dir() / att.stored_name, mimetype=att.mime, as_attachment=True,
                     download_name=att.original_name, max_age=0)
