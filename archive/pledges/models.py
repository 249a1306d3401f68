"""Models of pledges (docs/rules.md §5): versioned templates, assignments/signatures, fulfilment.

- ``PledgeTemplate``: one row per *version*; versions of one template share ``template_key``.
  A published (or retired) version is immutable: editing it creates the next version.
- ``Pledge``: a template version assigned to a person; once signed it holds the evidence
  (text hash, time, IP, user agent, typed name) and that evidence never changes.
- ``PledgeText``: the exact texts signed, stored once per SHA-256 (a million signatures of
  the same version share one row; the pledge keeps the hash).
- ``PledgeFulfilment``: 践诺 per pledge and period; "not kept" links the draft record.

The guards at the bottom refuse, at flush time, any change to a published template or to
the evidence of a signed pledge, whatever code path tries it.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from archive.enums import PledgeKind
from core import clock
from core.db import TimestampMixin, UTCDateTime, VersionedMixin, enum_column, listen_once
from core.enums import LabelledEnum
from core.errors import Conflict
from core.extensions import db
from core.guards import audited

__all__ = ["TemplateStatus", "PledgeStatus", "PledgeTemplate", "PledgeText", "Pledge", "PledgeFulfilment",
           "ImmutableError"]


class TemplateStatus(LabelledEnum):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class PledgeStatus(LabelledEnum):
    ASSIGNED = "assigned", "待签署"
    SIGNED = "signed", "已签署"
    CANCELLED = "cancelled", "已撤销"


class ImmutableError(Conflict):
    """A published template or a signed pledge was about to change (HTTP 409)."""

    def __init__(self, message: str):
        super().__init__("immutable", message)


@audited
class PledgeTemplate(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """承诺书模板, one row per version. ``version`` is the version number (1, 2, ...);
    ``row_version`` is the optimistic lock of a draft being edited."""

    __tablename__ = "pledge_templates"
    __table_args__ = (sa.UniqueConstraint("template_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_key: Mapped[str] = mapped_column(sa.String(32), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    kind: Mapped[PledgeKind] = enum_column(PledgeKind, index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[TemplateStatus] = enum_column(TemplateStatus, default=TemplateStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # the department whose HR (or HR above it) may change the template; others only use it
    owner_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    row_version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1, server_default="1")

    created_by = relationship("User", lazy="select")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.row_version}

    @property
    def text(self) -> str:
        """The text a person signs: title and body exactly as published."""
        return pledge_text(self.title, self.body)

    @property
    def editable(self) -> bool:
        return self.status is TemplateStatus.DRAFT

    def __repr__(self) -> str:
        return f"<PledgeTemplate {self.id} {self.title} v{self.version} {self.status.value}>"


def pledge_text(title: str, body: str) -> str:
    return f"{title.strip()}\n\n{body.strip()}\n"


class PledgeText(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """Content-addressed store of the exact texts signed (insert-only)."""

    __tablename__ = "pledge_texts"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)


@audited
class Pledge(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A pledge assigned to a person; after signing, the signature evidence."""

    __tablename__ = "pledges"
    __table_args__ = (
        sa.Index("ix_pledges_person_kind_status", "person_id", "kind", "status"),
        sa.Index("ix_pledges_status_assigned_on", "status", "assigned_on"),
        sa.Index("ix_pledges_status_due_on", "status", "due_on"),
        sa.Index("ix_pledges_published_signed", "published", "signed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("pledge_templates.id"), index=True)
    kind: Mapped[PledgeKind] = enum_column(PledgeKind)                # copied from the template
    batch: Mapped[str | None] = mapped_column(sa.String(32), index=True)   # one assignment act
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    assigned_on: Mapped[date] = mapped_column(sa.Date)                 # local date (reminder schedule)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))   # None: automatic
    due_on: Mapped[date] = mapped_column(sa.Date)
    post_at_assignment: Mapped[str | None] = mapped_column(sa.String(100))
    post_since: Mapped[date | None] = mapped_column(sa.Date)           # appointed_on (or entry) then
    status: Mapped[PledgeStatus] = enum_column(PledgeStatus, default=PledgeStatus.ASSIGNED)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)    # first time the person opened it
    reminders_sent: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    last_reminded_on: Mapped[date | None] = mapped_column(sa.Date)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_on: Mapped[date | None] = mapped_column(sa.Date)             # local date of signed_at
    sha256: Mapped[str | None] = mapped_column(sa.String(64))           # of the exact text signed
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(500))
    typed_name: Mapped[str | None] = mapped_column(sa.String(50))
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())   # 承诺公示
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))

    person = relationship("Person", lazy="joined", innerjoin=True)
    template: Mapped[PledgeTemplate] = relationship(lazy="joined", innerjoin=True)
    assigned_by = relationship("User", lazy="select")
    #: every PDF printed of this pledge (serial, SHA-256 of the bytes, who, when), newest first
    documents = relationship("PrintedDocument", viewonly=True, lazy="select", order_by="PrintedDocument.id.desc()",
                             primaryjoin="and_(foreign(PrintedDocument.owner_id) == Pledge.id, "
                                         "PrintedDocument.owner_type == 'pledges')")
    signed_text_row: Mapped[PledgeText | None] = relationship(
        primaryjoin="foreign(Pledge.sha256) == PledgeText.sha256", lazy="select", viewonly=True)

    @property
    def signed_text(self) -> str | None:
        return self.signed_text_row.text if self.signed_text_row is not None else None

    @property
    def document_serial(self) -> str | None:
        """Serial of the latest printed PDF (core.documents.PrintedDocument), if any."""
        return self.documents[0].serial if self.documents else None

    @property
    def is_signed(self) -> bool:
        return self.status is PledgeStatus.SIGNED

    def overdue(self, today: date) -> bool:
        return self.status is PledgeStatus.ASSIGNED and self.due_on < today

    def __repr__(self) -> str:
        return f"<Pledge {self.id} person={self.person_id} {self.kind.value} {self.status.value}>"


@audited
class PledgeFulfilment(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """践诺情况: per pledge and period, kept (履行) or not (未履行) with facts."""

    __tablename__ = "pledge_fulfilments"
    __table_args__ = (sa.UniqueConstraint("pledge_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledges.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(20))
    kept: Mapped[bool] = mapped_column()
    facts: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    record_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)   # draft pledge_breach record

    pledge: Mapped[Pledge] = relationship(lazy="joined", backref="fulfilments")
    recorded_by = relationship("User", lazy="select")


# ---- guards: immutability at flush time ---------------------------------------------------

#: Pledge attributes that may still change after signing (publicity, the lock column).
MUTABLE_AFTER_SIGNING = frozenset({"published", "published_at", "version", "updated_at"})
#: PledgeTemplate attributes that may change on a published version (retiring it).
MUTABLE_AFTER_PUBLISHING = frozenset({"status", "retired_at", "row_version", "updated_at"})


def _changed(target) -> set[str]:
    state = sa.inspect(target)
    return {c.key for c in state.mapper.column_attrs if state.attrs[c.key].history.has_changes()}


def _stored_status(connection, target):
    """The status as stored in the database (not trusting in-memory history)."""
    table = type(target).__table__
    value = connection.execute(sa.select(table.c.status).where(table.c.id == target.id)).scalar()
    return value


def _signed_pledge_is_immutable(mapper, connection, target: Pledge) -> None:
    if _stored_status(connection, target) is not PledgeStatus.SIGNED:
        return
    changed = _changed(target) - MUTABLE_AFTER_SIGNING
    if changed:
        raise ImmutableError("已签署的承诺书不可修改（" + "、".join(sorted(changed)) + "）")


def _published_template_is_immutable(mapper, connection, target: PledgeTemplate) -> None:
    before = _stored_status(connection, target)
    if before is TemplateStatus.DRAFT or before is None:
        return
    changed = _changed(target) - MUTABLE_AFTER_PUBLISHING
    if changed or (before is TemplateStatus.RETIRED and target.status is not TemplateStatus.RETIRED):
        raise ImmutableError("已发布的承诺书模板不可修改，请创建新版本")


def install_immutability_guards() -> None:
    """Refuse to change a signed pledge or a published template (archive.pledges.hooks.register,
    the factory's ``register_plugins`` step)."""
    listen_once(Pledge, "before_update", _signed_pledge_is_immutable)
    listen_once(PledgeTemplate, "before_update", _published_template_is_immutable)
