"""Models of exchange: the import log, the credit-platform export log and what was sent.

* ``ImportBatch``: one upload (or CLI run) of an import file: kind, file name and SHA-256,
  row counts, every error found (JSON list of {"row", "column", "message"}), dry run or
  not, state, who. The uploaded file is kept under a random name (instance/imports) until
  it is imported, so a clean dry run can be confirmed without uploading it again.
* ``CreditExport``: one credit-platform export (docs/rules.md §12): the window it covers, how many
  records, the SHA-256 of the JSON Lines sent, who, the stored file.
* ``CreditExportItem``: per record, the hash of the line last sent: the next export sends
  a record again only when its line changed (status, dates...), so every export is
  incremental and each record appears once with its current status.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import TimestampMixin, UTCDateTime
from core.extensions import db

IMPORT_KINDS = ("people", "appraisals", "awards", "records", "completions")


class ImportBatch(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """One import attempt (web upload, API call or CLI run)."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer, default=0)
    stored_name: Mapped[str | None] = mapped_column(sa.String(64))      # kept until imported
    rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    imported: Mapped[int] = mapped_column(sa.Integer, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, default=0)
    error_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)
    dry_run: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # uploaded -> queued/running (job) -> validated (clean dry run) | rejected (errors) | imported | failed
    state: Mapped[str] = mapped_column(sa.String(12), default="uploaded")
    via: Mapped[str] = mapped_column(sa.String(8), default="web")          # web / api / cli
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User", lazy="joined")

    def result_json(self) -> dict:
        """The API.md answer: {"rows", "errors", "imported"} (plus counts we add)."""
        return {"rows": self.rows, "errors": list(self.errors or []), "imported": self.imported,
                "unchanged": self.unchanged, "dry_run": self.dry_run, "batch_id": self.id, "state": self.state}


class CreditExport(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """One export of dishonesty records to the public credit information platform."""

    __tablename__ = "credit_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)          # None: everything (first export)
    until: Mapped[datetime] = mapped_column(UTCDateTime)                 # the export's own time
    explicit_since: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer, default=0)
    stored_name: Mapped[str | None] = mapped_column(sa.String(80))
    via: Mapped[str] = mapped_column(sa.String(8), default="web")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    created_by = relationship("User", lazy="joined")


class CreditExportItem(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """The line last sent for a record (its SHA-256), and in which export."""

    __tablename__ = "credit_export_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.Integer, unique=True)
    line_sha256: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(20))
    export_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_exports.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
