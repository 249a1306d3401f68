"""record_event(): every write, view, reveal, print, export and login lands here.

Each event stores the hash of the previous one. Appends are serialised so the chain never
forks: on PostgreSQL one statement updates the head row (``audit_chain_head``, its row lock
held to the end of the transaction) and inserts the event, the link hash computed by the
server from the head it locked (:func:`_append_pg`, issue 11: the lock is held for that
statement and the commit only); SQLite serialises writers anyway. ``verify_chain`` walks it and names the first broken event; signed
checkpoints catch a cut-off tail or a rebuilt chain.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_login import current_user

from core import clock
from core.audit import witness
from core.audit.models import AuditCheckpoint, AuditEvent
from core.extensions import db

GENESIS = "0" * 64
_LOCK_ID = 774_201


def _canonical(ev: AuditEvent) -> bytes:
    when = ev.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    data = [ev.id, when, ev.actor_id, ev.actor_name, ev.action, ev.target_type, ev.target_id,
            ev.person_id, ev.ip, ev.outcome, ev.summary, ev.prev_hash]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(ev: AuditEvent) -> str:
    return hashlib.sha256(_canonical(ev)).hexdigest()


def _target_fields(target):
    if target is None:
        return None, None, None
    ttype = getattr(target, "__tablename__", type(target).__name__.lower())
    person_id = target.id if ttype == "people" else getattr(target, "person_id", None)
    return ttype, getattr(target, "id", None), person_id


def record_event(action: str, target=None, summary: str = "", *, outcome: str = "success",
                 actor=..., person_id: int | None = None) -> AuditEvent:
    """Append one event to the chain inside the current transaction (committed with it).

    Everything but the link is prepared before the chain lock is taken (pending ORM changes
    flushed, actor and target resolved), so while the lock is held only the head is read and
    one row inserted; callers commit right after. Under load the lock holder's time between
    statements is what serialises appends (issue 11)."""
    session = db.session
    if actor is ...:
        actor = current_user if has_request_context() and current_user.is_authenticated else None
    ttype, tid, tperson = _target_fields(target)
    if tid is None and target is not None:
        session.flush()
        tid = getattr(target, "id", None)
        tperson = tperson or (tid if ttype == "people" else getattr(target, "person_id", None))
    ev = AuditEvent(
        occurred_at=clock.utcnow(),
        actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "username", None),
        action=action[:40], target_type=ttype, target_id=tid, person_id=person_id or tperson,
        ip=(request.remote_addr if has_request_context() else "cli"),
        outcome=outcome, summary=(summary or "")[:500])
    session.flush()         # nothing left for an autoflush inside the lock
    if session.get_bind().dialect.name == "postgresql":
        _append_pg(session, ev)
    else:
        # SQLite: a write first, so the transaction holds the writer lock (waiting busy_timeout for it)
        # before it reads the head; a read first would let two connections take the same id
        session.execute(_SQLITE_WRITE_LOCK)
        head = session.execute(db.select(AuditEvent.id, AuditEvent.hash)
                               .order_by(AuditEvent.id.desc()).limit(1)).first()
        ev.id, ev.prev_hash = (head.id + 1) if head else 1, head.hash if head else GENESIS
        ev.hash = event_hash(ev)
        session.execute(sa.insert(AuditEvent.__table__).values(
            {c.key: getattr(ev, c.key) for c in AuditEvent.__table__.columns}))
    witness.remember(session, "E", ev.id, ev.hash)
    every = current_app.config.get("AUDIT_CHECKPOINT_EVERY", 1000)
    if every and ev.id % every == 0:
        write_checkpoint(ev)
    return ev


_SQLITE_WRITE_LOCK = sa.text("UPDATE audit_chain_head SET key = key WHERE 1 = 0")
_FIELDS = ("occurred_at", "actor_id", "actor_name", "action", "target_type", "target_id", "person_id", "ip",
           "outcome", "summary")
#: the event row from the head row updated in the same statement; the link hash is
#: sha256 of _canonical(ev) assembled in SQL: '[' id ',' <fields as JSON, from Python> ',"' prev '"]'
_APPEND_SQL = sa.text("""
WITH h AS (
    UPDATE audit_chain_head SET prev_hash = last_hash, last_id = last_id + 1,
        last_hash = encode(sha256(convert_to(
            '[' || (last_id + 1)::text || ',' || :middle || ',"' || last_hash || '"]', 'UTF8')), 'hex')
    WHERE key = 1
    RETURNING last_id, prev_hash, last_hash)
INSERT INTO audit_events (id, occurred_at, actor_id, actor_name, action, target_type, target_id, person_id, ip,
                          outcome, summary, prev_hash, hash)
SELECT h.last_id, :occurred_at, :actor_id, :actor_name, :action, :target_type, :target_id, :person_id, :ip,
       :outcome, :summary, h.prev_hash, h.last_hash FROM h
ON CONFLICT (id) DO NOTHING
RETURNING id, prev_hash, hash""").bindparams(sa.bindparam("occurred_at", type_=sa.DateTime(timezone=True)))
#: the head row from the newest event (a new database, or events appended by other means)
_RESYNC_SQL = sa.text("""
INSERT INTO audit_chain_head (key, last_id, last_hash, prev_hash)
SELECT 1, coalesce(e.id, 0), coalesce(e.hash, :genesis), coalesce(e.prev_hash, '')
FROM (SELECT 1) AS one LEFT JOIN (SELECT id, hash, prev_hash FROM audit_events ORDER BY id DESC LIMIT 1) AS e ON true
ON CONFLICT (key) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash,
                                prev_hash = excluded.prev_hash""")


def _append_pg(session, ev: AuditEvent) -> None:
    """Append ``ev`` in one statement (PostgreSQL); ``ev.id``, ``prev_hash`` and ``hash`` are set
    from the row. No head row yet, or a head behind the events (the id is taken: ON CONFLICT
    inserts nothing): resynchronise the head from the newest event under the advisory lock
    the older appender took, and try again."""
    params = {k: getattr(ev, k) for k in _FIELDS}
    when = ev.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    params["middle"] = json.dumps([when, *[params[k] for k in _FIELDS[1:]]], ensure_ascii=False,
                                  separators=(",", ":"))[1:-1]
    for _attempt in range(5):
        row = session.execute(_APPEND_SQL, params).first()
        if row is not None:
            ev.id, ev.prev_hash, ev.hash = row.id, row.prev_hash, row.hash
            return
        session.execute(db.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
        session.execute(_RESYNC_SQL, {"genesis": GENESIS})
    raise RuntimeError("audit chain head cannot be synchronised with the events")


def _checkpoint_key() -> bytes:
    key = current_app.config.get("AUDIT_CHECKPOINT_KEY") or ("checkpoint:" + current_app.config["SECRET_KEY"])
    return key.encode()


def _sign(event_id: int, head_hash: str) -> str:
    return hmac.new(_checkpoint_key(), f"{event_id}:{head_hash}".encode(), hashlib.sha256).hexdigest()


def write_checkpoint(ev: AuditEvent | None = None) -> AuditCheckpoint | None:
    if ev is None:
        ev = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
        if ev is None:
            return None
    existing = db.session.execute(db.select(AuditCheckpoint).filter_by(event_id=ev.id)).scalar_one_or_none()
    if existing:
        return existing
    cp = AuditCheckpoint(event_id=ev.id, head_hash=ev.hash, signature=_sign(ev.id, ev.hash))
    db.session.add(cp)
    db.session.flush()
    witness.remember(db.session, "C", cp.event_id, cp.head_hash, cp.signature)
    return cp


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    problem: str = ""
    witness: str = ""       # what the witness outside the database covered (printed by the CLI)


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the chain in id order; name the first event whose link or content is wrong, then
    cross-check the database against the witness file outside it (core/audit/witness.py)."""
    wit = witness.read_witness()
    checkpoints = {cp.event_id: cp for cp in db.session.execute(db.select(AuditCheckpoint)).scalars()}
    report, last_id = _walk_chain(batch, wit, checkpoints)
    if not report.ok:
        return report
    return _cross_check_witness(report, wit, checkpoints, last_id)


def _walk_chain(batch: int, wit: witness.Witness, checkpoints: dict) -> tuple[ChainReport, int]:
    prev, expected_id, checked, last_id = GENESIS, 1, 0, 0
    hashes: dict[int, str] = {}
    grace = clock.utcnow() - timedelta(seconds=current_app.config.get("AUDIT_WITNESS_GRACE_SECONDS", 300))
    first_witnessed = min(wit.events) if wit.events else None
    while True:
        rows = db.session.execute(db.select(AuditEvent).where(AuditEvent.id > last_id)
                                  .order_by(AuditEvent.id).limit(batch)).scalars().all()
        if not rows:
            break
        for ev in rows:
            if ev.id != expected_id:
                return ChainReport(False, checked, expected_id, f"事件 #{expected_id} 缺失（已被删除）"), last_id
            if ev.prev_hash != prev:
                return ChainReport(False, checked, ev.id, f"事件 #{ev.id} 的前序哈希与上一事件不符"), last_id
            if event_hash(ev) != ev.hash:
                return ChainReport(False, checked, ev.id, f"事件 #{ev.id} 的内容已被修改"), last_id
            seen = wit.events.get(ev.id)
            if seen is not None and seen != ev.hash:
                return ChainReport(False, checked, ev.id,
                                   f"事件 #{ev.id} 与见证文件记录的哈希不符（事件被修改或链被重建）"), last_id
            if (seen is None and first_witnessed is not None and ev.id > first_witnessed
                    and ev.occurred_at < grace):
                return ChainReport(False, checked, ev.id, f"事件 #{ev.id} 不在见证文件中（事件系伪造或见证文件被改动）"), last_id
            if ev.id in checkpoints:
                hashes[ev.id] = ev.hash
            prev, expected_id, last_id, checked = ev.hash, ev.id + 1, ev.id, checked + 1
        db.session.expunge_all()
    for cp in checkpoints.values():
        if not hmac.compare_digest(cp.signature, _sign(cp.event_id, cp.head_hash)):
            return ChainReport(False, checked, cp.event_id, f"检查点 #{cp.event_id} 的签名无效"), last_id
        if cp.event_id > last_id:
            return ChainReport(False, checked, last_id + 1, f"检查点 #{cp.event_id} 之前的事件已被截断"), last_id
        if hashes.get(cp.event_id) != cp.head_hash:
            return ChainReport(False, checked, cp.event_id, f"事件 #{cp.event_id} 与签名检查点不符（链被重建）"), last_id
    return ChainReport(True, checked), last_id


def _cross_check_witness(report: ChainReport, wit: witness.Witness, checkpoints: dict, last_id: int) -> ChainReport:
    if wit.path is None:
        report.witness = "见证文件未启用（AUDIT_WITNESS_PATH 为空）"
        return report
    if wit.conflicts:
        eid = min(wit.conflicts)
        return ChainReport(False, report.checked, eid, f"见证文件对事件 #{eid} 记录了两个不同的哈希（数据库曾被重建或替换）")
    beyond = [eid for eid in wit.events if eid > last_id]
    if beyond:
        eid = min(beyond)
        return ChainReport(False, report.checked, eid,
                           f"见证文件记录的事件 #{eid}–#{max(beyond)} 在数据库中不存在（已被删除或尾部被截断）")
    for eid, (head, signature) in sorted(wit.checkpoints.items()):
        cp = checkpoints.get(eid)
        if cp is None:
            return ChainReport(False, report.checked, eid, f"见证文件记录的检查点 #{eid} 已从数据库中删除")
        if cp.head_hash != head or cp.signature != signature:
            return ChainReport(False, report.checked, eid, f"检查点 #{eid} 与见证文件不符（被替换）")
    if not wit.exists:
        report.witness = f"见证文件 {wit.path} 尚不存在：数据库中的事件无外部证据"
    else:
        report.witness = (f"见证文件 {wit.path}：{len(wit.events)} 个事件、{len(wit.checkpoints)} 个检查点一致"
                          + (f"，{wit.bad_lines} 行无法识别" if wit.bad_lines else ""))
    return report
