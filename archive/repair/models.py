"""Credit-repair applications (信用修复申请, docs/rules.md §4.6).

One row per application. Evidence files are ``core.files.Attachment`` rows with
``owner_type="repair"`` and ``owner_id`` = the application id (uploaded through the API
first as ``owner_type="repair_draft"`` and attached when the application is filed).
The conditions as they stood when the person applied are kept on the row
(``conditions_at_filing``), so HR sees what was checked then and what holds now.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.enums import CorrectionKind
from core import files as files_module
from core.db import TimestampMixin, VersionedMixin, enum_column
from core.enums import LabelledEnum
from core.extensions import db
from core.guards import audited

__all__ = ["RepairApplication", "RepairStatus", "EVIDENCE_OWNER", "DRAFT_OWNER"]

#: Attachment.owner_type of an application's evidence, and of evidence uploaded through
#: the API (POST /api/v1/attachments) and not yet attached to an application.
EVIDENCE_OWNER = "repair"
DRAFT_OWNER = "repair_draft"
files_module.DRAFT_OWNERS.add(DRAFT_OWNER)          # unclaimed drafts are cleaned up daily (core.files)


class RepairStatus(LabelledEnum):
    """Lifecycle of an application: pending → approved | rejected | withdrawn."""
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    WITHDRAWN = "withdrawn", "已撤回"


@audited
class RepairApplication(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A person's application to repair one of their effective records."""

    __tablename__ = "repair_applications"
    __table_args__ = (
        sa.Index("ix_repair_applications_status_due", "status", "due_on"),
        # at most one pending application per record (a second one is refused by the
        # service; the index keeps two concurrent requests honest)
        sa.Index("uq_repair_applications_pending_record", "record_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"),
                 postgresql_where=sa.text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("records.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    correction: Mapped[CorrectionKind] = enum_column(CorrectionKind)
    statement: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filed_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[RepairStatus] = enum_column(RepairStatus, default=RepairStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    # [{"code", "met", "message"}] as evaluated when the application was filed
    conditions_at_filing: Mapped[list] = mapped_column(sa.JSON, default=list)

    person = relationship("Person", lazy="joined", innerjoin=True)
    record = relationship("Record", lazy="select")
    filed_by = relationship("User", foreign_keys=[filed_by_id], lazy="select")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="select")

    def is_overdue(self, today: date) -> bool:
        return self.status is RepairStatus.PENDING and today > self.due_on

    def __repr__(self) -> str:
        return f"<RepairApplication {self.id} record={self.record_id} {self.status.value}>"
