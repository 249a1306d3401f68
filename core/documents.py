"""Printed documents (docs/rules.md §9): every PDF we issue gets a serial; we keep its SHA-256.

``issue_document(kind, pdf_bytes_fn, ...)`` reserves a serial, renders the PDF with that
serial printed in it (and in its QR code), signs it when a certificate is configured
(core.pdf_sign), stores the hash of the final bytes and returns both. The public
page /verify/<serial> (core/verify_views.py) looks the serial up with ``find_document`` and
compares an uploaded file with ``check_upload``.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock, wiring
from core.audit.services import record_event
from core.changes import FILE, changed
from core.db import UTCDateTime
from core.extensions import db
from core.guards import audited
from core.pdf_sign import Pdf, sign_pdf

DOCUMENT_KINDS = {
    "integrity_file": "诚信档案",
    "pledge": "信用承诺书",
    "certificate": "培训结业证书",
    "review_batch": "考察评审批量打印",
}
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no 0/O, 1/I: read aloud on the phone


def new_serial() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"IA-{body[:4]}-{body[4:8]}-{body[8:]}"


@audited
class PrintedDocument(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "printed_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    review_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    owner_type: Mapped[str | None] = mapped_column(sa.String(40))   # pledge / completion / review ...
    owner_id: Mapped[int | None] = mapped_column(sa.Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    # a document a dead job issued but never delivered (core.jobs.cleanup_partial): verification says invalid
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department = relationship("Department", lazy="joined")

    @property
    def kind_label(self) -> str:
        return DOCUMENT_KINDS.get(self.kind, self.kind)


def public_url(path: str) -> str:
    """An absolute link for printing (PDFs, QR codes): ``PUBLIC_BASE_URL`` + path, never the
    request's Host header, which any client can forge (issue 17, item 13)."""
    return (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/") + path


def verify_url(serial: str) -> str:
    """Absolute URL of the public verification page (printed as the QR code)."""
    return public_url(f"/verify/{quote(serial, safe='')}")


def issue_document(kind: str, render: Callable[[str], Pdf], *, person=None, department=None, issued_by=None,
                   review_id: int | None = None, owner=None, title: str = "",
                   serial: str | None = None) -> tuple[PrintedDocument, Pdf | bytes]:
    """Reserve a serial, render the PDF with it (``render(serial) -> bytes``), store its hash.

    ``serial``: one taken earlier from ``new_serial()`` (a batch that renders in parallel
    processes needs the serials before the PDFs exist); default a new one. The bytes may be a
    memoryview (a merged batch of ~100 MB is not copied; core.pdf_sign passes it through)."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind {kind}")
    doc = PrintedDocument(serial=serial or new_serial(), kind=kind, person_id=getattr(person, "id", None),
                          department_id=getattr(department, "id", None) or getattr(person, "department_id", None),
                          review_id=review_id, issued_by_id=getattr(issued_by, "id", None),
                          owner_type=getattr(owner, "__tablename__", None), owner_id=getattr(owner, "id", None),
                          title=title[:200])
    db.session.add(doc)
    db.session.flush()
    data = sign_pdf(render(doc.serial))     # the one signing hook: the stored hash is of the signed bytes
    doc.sha256 = hashlib.sha256(data).hexdigest()
    doc.size = len(data)
    record_event("print", doc, f"{doc.kind_label} {doc.serial} {title}"[:500], person_id=doc.person_id)
    changed([doc.person_id], FILE)      # the file lists a person's printed documents
    return doc, data


def find_document(serial: str) -> PrintedDocument | None:
    serial = (serial or "").strip().upper()
    if not serial or len(serial) > 20:
        return None
    return db.session.execute(db.select(PrintedDocument).filter_by(serial=serial)
                              .where(PrintedDocument.voided_at.is_(None))).scalar_one_or_none()


def matches(doc: PrintedDocument, data: bytes | memoryview) -> bool:
    return doc.sha256 is not None and secrets.compare_digest(doc.sha256, hashlib.sha256(data).hexdigest())


def check_upload(doc: PrintedDocument, data: bytes) -> tuple[bool, PrintedDocument | None]:
    """Whether ``data`` is exactly the document ``doc`` (SHA-256 of every byte: a changed or appended
    byte fails). ``(matches, batch)``: a document printed as part of a larger one (an integrity file
    in a review's merged batch) is also matched by that larger document, which the package that
    prints it finds (``core.wiring.DOCUMENT_BATCH``, by kind) and which is returned as ``batch``."""
    if matches(doc, data):
        return True, None
    find_batch = wiring.table(wiring.DOCUMENT_BATCH).get(doc.kind)
    batch: PrintedDocument | None = find_batch(doc, data) if find_batch is not None else None
    return batch is not None, batch
