"""Declarative base with deterministic constraint names, and shared mixins."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from core import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class EncryptedString(sa.types.TypeDecorator):
    """A short secret kept Fernet-encrypted at rest with the keys of core.crypto (the TOTP seed).

    Python code reads and writes plaintext; the column only ever holds a Fernet token, so a
    copy of the database (or a backup) does not give away second factors. Not comparable in
    SQL (each encryption differs): never filter on such a column."""

    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        from core.crypto import encrypt
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        from core.crypto import decrypt
        return None if value is None else decrypt(value)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow, onupdate=clock.utcnow,
                                                 server_default=sa.func.now())


class VersionedMixin:
    """Optimistic locking: a stale UPDATE raises StaleDataError (mapped to 409)."""

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1, server_default="1")

    if TYPE_CHECKING:
        __table__: ClassVar[sa.Table]   # the table of the mapped class the mixin is part of

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


def enum_column(enum_cls, **kw):
    """A VARCHAR column holding a LabelledEnum's API code (no native DB enum: easy migrations)."""
    length = max(len(m.value) for m in enum_cls) + 8
    return mapped_column(sa.Enum(enum_cls, native_enum=False, length=length, validate_strings=True,
                                 values_callable=lambda e: [m.value for m in e],
                                 create_constraint=False), **kw)


#: how long a SQLite connection waits for the writer lock before "database is locked" (milliseconds)
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_wal_and_busy_timeout(dbapi_connection, _record) -> None:
    """SQLite (the embedded default): write-ahead logging, so pages keep reading while a job
    writes, and a busy timeout, so a second writer waits for the lock instead of failing with
    "database is locked" (issue 17, item 14). No effect on other databases or on ``:memory:``."""
    import sqlite3
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() not in ("wal", "memory"):
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:      # another connection holds it: the next connect retries
                pass
    finally:
        cursor.close()


def listen_once(target: Any, identifier: str, fn: Callable[..., Any]) -> None:
    """``sqlalchemy.event.listen`` unless ``fn`` already listens there: the factory's install
    steps run once per application, and a process may build several (tests, CLI)."""
    if not sa.event.contains(target, identifier, fn):
        sa.event.listen(target, identifier, fn)


def install_sqlite_pragmas() -> None:
    """Every new SQLite connection gets WAL and the busy timeout (the factory's
    ``register_extensions`` step)."""
    listen_once(sa.engine.Engine, "connect", _sqlite_wal_and_busy_timeout)
