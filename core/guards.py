"""Guards that keep the archive honest.

Bulk ``update()``/``delete()`` statements bypass optimistic locking, history and audit.
On audited tables they are refused unless the code says why, inside ``allow_bulk(reason)``
(used by the demo loader and migrations-like maintenance only).
"""
from __future__ import annotations

import contextlib
import threading

from sqlalchemy.orm import Session

from core.db import listen_once

AUDITED_TABLES: set[str] = set()
_local = threading.local()


def audited(cls):
    """Class decorator: mark a model's table as audited (no bulk update/delete, no hard delete)."""
    AUDITED_TABLES.add(cls.__tablename__)
    return cls


class BulkWriteRefused(RuntimeError):
    pass


@contextlib.contextmanager
def allow_bulk(reason: str):
    previous = getattr(_local, "reason", None)
    _local.reason = reason
    try:
        yield
    finally:
        _local.reason = previous


def _check(orm_execute_state) -> None:
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    if getattr(_local, "reason", None):
        return
    table = getattr(orm_execute_state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in AUDITED_TABLES:
        raise BulkWriteRefused(f"bulk update/delete on audited table {name} is refused")


def _refuse_deletes(session, flush_context, instances) -> None:
    for obj in session.deleted:
        if getattr(obj, "__tablename__", None) in AUDITED_TABLES and not getattr(_local, "reason", None):
            raise BulkWriteRefused(f"{obj.__tablename__} rows are never deleted; revoke them instead")


def install_guards(db) -> None:
    """No bulk writes on audited tables, no hard deletes (the factory's ``register_extensions`` step)."""
    listen_once(Session, "do_orm_execute", _check)
    listen_once(Session, "before_flush", _refuse_deletes)

