"""The credit-platform export (docs/rules.md §12; the format is docs/credit-platform.md).

One JSON object per line per dishonesty record, with its *current* status. Exports are
incremental: a record is sent when its line differs from the line last sent for it (or it
was never sent): new records, edits, objections, repairs, revocations and the passage of
time (notified → effective → expired) all change the line, so each appears as an update
("op": "upsert") in the next export, once. With an explicit ``since`` every record
changed after that time is sent again (a re-send for the platform). Each export is logged
(CreditExport: window, count, SHA-256, who, the file) and remembered per record
(CreditExportItem).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from archive import rules
from archive.enums import RecordStatus, Sanction
from core import clock
from core.audit.services import record_event
from core.errors import Conflict, NotFound
from core.extensions import db
from core.registry.models import Department, Person

from .importing import chunked, in_list
from .models import CreditExport, CreditExportItem

FORMAT_VERSION = "1.0"
#: records never sent: drafts (not yet notified) and 容错免责 (never dishonesty, docs/rules.md §4.4)
NOT_EXPORTED = (RecordStatus.DRAFT, RecordStatus.EXEMPTED)


@dataclass
class ExportResult:
    export: CreditExport
    data: bytes


def parse_since(text: str | None) -> datetime | None:
    """ISO 8601 time (a date alone means its midnight UTC); None when empty."""
    if text is None or not str(text).strip():
        return None
    value = str(text).strip().replace("Z", "+00:00").replace(" ", "+", 1) if "T" in str(text) else str(text).strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("since 须为 ISO 8601 时间，例如 2026-03-01T00:00:00+08:00") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _scope(user):
    from core.accounts.permissions import person_scope_clause
    # an export reads: the officer's own records go to the credit platform like everyone's
    return person_scope_clause(user, manage=True, include_self=True) if user is not None else sa.true()


def source_code() -> str:
    return str(current_app.config.get("CREDIT_SOURCE_CODE") or "IA")


def subject_key(id_hash: str) -> str:
    """A per-purpose pseudonym of the person: HMAC of the internal id hash with a label, so
    the platform can link a person's records without receiving the id number, and the
    value matches nothing inside this system."""
    from core.crypto import _state
    return hmac.new(_state()["hash_key"], f"credit-platform:{id_hash}".encode(), hashlib.sha256).hexdigest()


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def record_line(record, person: Person, department: Department | None, status: RecordStatus, effective: bool,
                settings: rules.RuleSettings, full_id: bool = False) -> dict:
    """The JSON object of one record (stable field names; docs/credit-platform.md)."""
    disclosure_until = rules.add_months(record.decided_on, settings.disclosure_max_months(record.severity))
    subject = {"name": person.name, "id_type": "居民身份证", "id_masked": person.id_masked,
               "subject_key": subject_key(person.id_hash),
               "department": department.name if department else None,
               "department_code": department.code if department else None}
    if full_id:
        from core.crypto import decrypt
        subject["id_number"] = decrypt(person.id_cipher)
    sanction = record.sanction if record.sanction is not Sanction.NONE else None
    return {
        "format": FORMAT_VERSION,
        "op": "upsert",
        "record_id": f"{source_code()}-R{record.id}",
        "source_record_id": record.id,
        "subject": subject,
        "category": record.category.value, "category_name": record.category.zh,
        "sanction": sanction.value if sanction else None, "sanction_name": sanction.zh if sanction else None,
        "severity": record.severity.value, "severity_name": record.severity.zh,
        "item": record.item,
        "decided_on": _iso(record.decided_on),
        "restricted_until": _iso(record.restricted_until), "permanent": bool(record.permanent),
        "restricts_until": _iso(record.chain_end()),   # the end of the record's chain (docs/rules.md §4.4)
        "authority": record.authority, "document_no": record.document_no,
        "facts": None if record.facts_private else record.facts,
        "status": status.value, "status_name": status.zh,
        "effective": effective,
        "disclosable": bool(record.disclosable),
        "disclosure_until": _iso(disclosure_until) if record.disclosable else None,
        "version": record.version,
        "updated_at": _iso(record.updated_at),
    }


def _lines(user, since: datetime | None, today: date, settings: rules.RuleSettings):
    """(record id, status, line) of every exportable record in scope (changed after ``since``)."""
    from archive.file.models import Record
    full_id = current_app.config.get("CREDIT_EXPORT_ID_NUMBER", "hash") == "full"
    sel = (sa.select(Record, Person).join(Person, Person.id == Record.person_id)
           .where(_scope(user), Record.status.not_in(NOT_EXPORTED)).order_by(Record.person_id, Record.id))
    departments = {d.id: d for d in db.session.execute(sa.select(Department)).scalars()}
    group: list = []
    out = []

    def flush():
        ends = rules.combined_ends([r.facts_for_rules() for r, _ in group], settings)
        for r, p in group:
            if since is not None and _aware(r.updated_at) <= since:
                continue
            facts = r.facts_for_rules()
            status = rules.status_at(facts, today, settings, ends.get(r.id))
            effective = rules.restricts(facts, today, settings, ends.get(r.id))
            out.append((r.id, status, record_line(r, p, departments.get(p.department_id), status, effective, settings,
                                                  full_id)))
    for record, person in db.session.execute(sel.execution_options(yield_per=2000)):
        if group and group[0][0].person_id != record.person_id:
            flush()
            group = []
        group.append((record, person))
    if group:
        flush()
    return out


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _dump(line: dict) -> str:
    return json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _sent_hashes(ids: list[int]) -> dict[int, tuple[int, str]]:
    out = {}
    for part in chunked(ids):
        for row in db.session.execute(sa.select(CreditExportItem.id, CreditExportItem.record_id,
                                                CreditExportItem.line_sha256)
                                      .where(in_list(CreditExportItem.record_id, part))):
            out[row.record_id] = (row.id, row.line_sha256)
    return out


def export_records(*, user=None, since: datetime | None = None, via: str = "api",
                   today: date | None = None) -> ExportResult:
    """Build, log and remember one export (caller commits). Without ``since``: what changed
    since it was last sent; with ``since``: every record updated after that time."""
    from archive.file.services import rule_settings
    settings = rule_settings()
    today = today or clock.today()
    now = clock.utcnow()
    lines = _lines(user, since, today, settings)
    sent = _sent_hashes([rid for rid, _, _ in lines])
    chosen = []
    for rid, status, line in lines:
        text = _dump(line)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if since is None and sent.get(rid, (None, None))[1] == digest:
            continue
        chosen.append((rid, status, text, digest))
    data = "".join(text + "\n" for _, _, text, _ in chosen).encode()
    stored_name = f"credit-{secrets.token_hex(12)}.jsonl"
    last = db.session.execute(sa.select(CreditExport.until).order_by(CreditExport.id.desc()).limit(1)).scalar()
    export = CreditExport(since=since if since is not None else last, until=now, explicit_since=since is not None,
                          count=len(chosen), sha256=hashlib.sha256(data).hexdigest(), size=len(data), via=via,
                          created_by_id=getattr(user, "id", None), stored_name=stored_name)
    db.session.add(export)
    db.session.flush()
    path = export_dir() / stored_name
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    new = [{"record_id": rid, "line_sha256": digest, "status": status.value, "export_id": export.id, "sent_at": now}
           for rid, status, _, digest in chosen if rid not in sent]
    changed = [{"b_id": sent[rid][0], "b_hash": digest, "b_status": status.value, "b_export": export.id, "b_now": now}
               for rid, status, _, digest in chosen if rid in sent]
    for part in chunked(new, 5000):
        db.session.execute(sa.insert(CreditExportItem.__table__), list(part))
    if changed:
        t = CreditExportItem.__table__
        stmt = sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(
            line_sha256=sa.bindparam("b_hash"), status=sa.bindparam("b_status"), export_id=sa.bindparam("b_export"),
            sent_at=sa.bindparam("b_now"))
        for part in chunked(changed, 5000):
            db.session.execute(stmt, list(part))
    record_event("credit_export", export, f"信用平台导出 #{export.id}：{len(chosen)} 条"
                 + (f"（自 {_iso(since)} 起）" if since else "（增量）"), actor=user)
    return ExportResult(export, data)


def export_dir() -> Path:
    path = Path(current_app.config["INSTANCE_DIR"]) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def exports_select(user):
    """The export log as seen by ``user``: their own exports."""
    return sa.select(CreditExport).where(CreditExport.created_by_id == user.id)


def require_export(export_id: int, user) -> CreditExport:
    export = db.session.get(CreditExport, export_id)
    if export is None or export.created_by_id != user.id:
        raise NotFound("导出记录不存在")
    return export


def export_file(export: CreditExport) -> bytes:
    path = export_dir() / (export.stored_name or "missing")
    if not path.exists():
        raise Conflict("file_gone", "该导出的文件已不存在")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != export.sha256:
        raise Conflict("file_changed", "该导出的文件已被改动（SHA-256 不符）")
    return data


def pending_count(user, limit: int = 20000) -> int | None:
    """How many records the next incremental export would send (the page shows it); None
    when more than ``limit`` records are in scope (computing it would slow the page down)."""
    from archive.file.models import Record
    from archive.file.services import rule_settings
    total = db.session.execute(sa.select(sa.func.count()).select_from(Record).join(Person, Person.id == Record.person_id)
                               .where(_scope(user), Record.status.not_in(NOT_EXPORTED))).scalar_one()
    if total > limit:
        return None
    settings = rule_settings()
    lines = _lines(user, None, clock.today(), settings)
    sent = _sent_hashes([rid for rid, _, _ in lines])
    return sum(1 for rid, _, line in lines
               if sent.get(rid, (None, None))[1] != hashlib.sha256(_dump(line).encode()).hexdigest())
