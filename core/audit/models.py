"""Append-only, hash-chained audit events (docs/rules.md §10)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import UTCDateTime
from core.extensions import db
from core.guards import audited


@audited
class AuditEvent(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[int | None] = mapped_column(sa.Integer)
    person_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)   # whose file it concerns
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    outcome: Mapped[str] = mapped_column(sa.String(10), default="success")
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


class AuditCheckpoint(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """Periodic (sequence, head hash) signed with a key kept outside the database."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), unique=True)
    head_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    signature: Mapped[str] = mapped_column(sa.String(64))


class AuditChainHead(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """The chain's head (one row, key 1): the last event's id and hash. On PostgreSQL an
    append updates this row and inserts the event in ONE statement; the row lock, held to
    commit, serialises appends (core/audit/services.py). ``verify`` walks the events
    themselves, so a tampered head cannot hide a break: it only makes the next append fail
    (duplicate id) or visibly mislinked."""

    __tablename__ = "audit_chain_head"

    key: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
