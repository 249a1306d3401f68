"""The audit witness: evidence of the audit chain kept OUTSIDE the database (issue 17, item 3).

Every committed audit event appends one line ``E <id> <hash> <utc time>`` and every committed
checkpoint one line ``C <event id> <head hash> <signature> <utc time>`` to an append-only file
(``AUDIT_WITNESS_PATH``, default ``instance/audit-witness.log``; ``""`` turns it off), fsync'd,
and optionally to syslog (``AUDIT_WITNESS_SYSLOG``: ``1`` for the local ``/dev/log``, a socket
path, or ``host:port`` for UDP). Whoever owns the database can rebuild the chain, cut its tail
and delete checkpoints; he cannot rewrite a file on another account's disk or a log server.
``audit verify`` (core/audit/services.py) cross-checks the database against these lines.

Only COMMITTED events are witnessed: :func:`remember` keeps the line in ``session.info`` with
the (sub)transaction it was written in; ``after_commit`` writes the lines, a rollback of the
transaction or of a savepoint around the append drops them. (On PostgreSQL the append is one
statement moving the head; a rollback gives its id back, so a witnessed id is always the one
the database kept.) A crash between the commit and the write loses lines: ``verify`` accepts
events younger than ``AUDIT_WITNESS_GRACE_SECONDS`` missing from the witness, and names older ones.
"""
from __future__ import annotations

import fcntl
import logging
import logging.handlers
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy.orm import Session, scoped_session

from core import clock
from core.db import listen_once

log = logging.getLogger("integrity.audit.witness")
_PENDING = "ia_audit_witness"
_syslog_handlers: dict[str, logging.Handler] = {}


def witness_path(app=None) -> Path | None:
    """The witness file of ``app`` (default: the current one); None when switched off."""
    app = app or (current_app if has_app_context() else None)
    if app is None:
        return None
    value = app.config.get("AUDIT_WITNESS_PATH")
    if value is None:
        return Path(app.config["INSTANCE_DIR"]) / "audit-witness.log"
    value = str(value).strip()
    return Path(value) if value and value.lower() not in ("off", "none", "0") else None


def _now() -> str:
    return clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def remember(session, kind: str, *fields) -> None:
    """Queue one witness line for when the current transaction commits."""
    if not has_app_context():
        return
    path = witness_path()
    syslog = current_app.config.get("AUDIT_WITNESS_SYSLOG") or ""
    if path is None and not syslog:
        return
    if isinstance(session, scoped_session):
        session = session()
    txn = session.get_nested_transaction() or session.get_transaction()
    line = "\t".join([kind, *(str(f) for f in fields), _now()])
    session.info.setdefault(_PENDING, []).append((txn, path, syslog, line))


def _descends_from(txn, ancestor) -> bool:
    while txn is not None:
        if txn is ancestor:
            return True
        txn = txn.parent
    return False


def _forget_rolled_back(session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [p for p in pending if not _descends_from(p[0], previous_transaction)]


def _write_committed(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    by_path: dict[Path, list[str]] = {}
    by_syslog: dict[str, list[str]] = {}
    for _txn, path, syslog, line in pending:
        if path is not None:
            by_path.setdefault(path, []).append(line)
        if syslog:
            by_syslog.setdefault(syslog, []).append(line)
    for path, lines in by_path.items():
        try:
            append_lines(path, lines)
        except OSError:
            # the commit stands; verify names the events missing from the witness after the grace window
            log.exception("audit witness %s could not be written (%d lines lost)", path, len(lines))
    for address, lines in by_syslog.items():
        try:
            handler = _syslog_handler(address)
            for line in lines:
                handler.emit(logging.LogRecord("integrity.audit", logging.INFO, __file__, 0,
                                               "integrity-audit " + line.replace("\t", " "), None, None))
        except OSError:
            log.exception("audit witness syslog %s could not be written", address)


def append_lines(path: Path, lines: list[str]) -> None:
    """Append whole lines in one write under an exclusive lock, then fsync (several workers share the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, "".join(line + "\n" for line in lines).encode())
        os.fsync(fd)
    finally:
        os.close(fd)       # closing releases the lock


def _syslog_handler(address: str) -> logging.Handler:
    handler = _syslog_handlers.get(address)
    if handler is None:
        if address.lower() in ("1", "true", "yes", "on"):
            target: str | tuple = "/dev/log"
        elif ":" in address and not address.startswith("/"):
            host, port = address.rsplit(":", 1)
            target = (host, int(port))
        else:
            target = address
        handler = logging.handlers.SysLogHandler(
            address=target, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
            socktype=socket.SOCK_DGRAM)
        _syslog_handlers[address] = handler
    return handler


@dataclass
class Witness:
    """What the witness file says: event id → hash, checkpoint id → (hash, signature)."""

    path: Path | None
    exists: bool = False
    events: dict[int, str] = field(default_factory=dict)
    times: dict[int, str] = field(default_factory=dict)
    checkpoints: dict[int, tuple[str, str]] = field(default_factory=dict)
    conflicts: list[int] = field(default_factory=list)
    bad_lines: int = 0


def read_witness(path: Path | None = None) -> Witness:
    path = path if path is not None else witness_path()
    w = Witness(path)
    if path is None or not path.exists():
        return w
    w.exists = True
    with path.open(encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            parts = raw.rstrip("\n").split("\t")
            try:
                if parts[0] == "E" and len(parts) == 4:
                    eid = int(parts[1])
                    if w.events.get(eid, parts[2]) != parts[2]:
                        w.conflicts.append(eid)
                    w.events[eid], w.times[eid] = parts[2], parts[3]
                elif parts[0] == "C" and len(parts) == 5:
                    w.checkpoints[int(parts[1])] = (parts[2], parts[3])
                elif parts != [""]:
                    w.bad_lines += 1
            except ValueError:
                w.bad_lines += 1
    return w


def install() -> None:
    """Write committed events to the witness, forget rolled-back ones (the factory's
    ``register_extensions`` step)."""
    listen_once(Session, "after_soft_rollback", _forget_rolled_back)
    listen_once(Session, "after_commit", _write_committed)
