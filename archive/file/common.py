"""Small helpers shared by the services of the file (validation, versions, actor, links)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import rules
from archive.file.models import ArchiveFile, Record, RecordVersion
from core import clock
from core.changes import FILE, RECORD, changed
from core.errors import Conflict
from core.extensions import db
from core.notify.services import notify


def actor(by=None):
    if by is not None:
        return by
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def uid(by) -> int | None:
    return getattr(actor(by), "id", None)


def link(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, **values)
    except RuntimeError:
        return None


def text(value, name: str, label: str, max_len: int, fields: dict, required: bool = True) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not text:
        if required:
            fields[name] = _("请填写%(label)s", label=label)
        return None
    if len(text) > max_len:
        fields[name] = _("%(label)s不能超过 %(max_len)s 个字符", label=label, max_len=max_len)
    return text


def required_text(value, name: str, label: str, max_len: int, fields: dict) -> str:
    """:func:`text` of a required field: "" when missing (the problem is in ``fields`` and the
    caller refuses before using it)."""
    return text(value, name, label, max_len, fields) or ""


def year(value, fields: dict, name: str = "year") -> int:
    """A year between 1950 and this year (0 when invalid; the problem goes into ``fields``)."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        fields[name] = _("年度须为整数")
        return 0
    if not 1950 <= value <= clock.today().year:
        fields[name] = _("年度须在 1950 到 %(year)s 之间", year=clock.today().year)
    return value


def enum(cls, value, name: str, label: str, fields: dict):
    if value is None or value == "":
        fields[name] = _("请选择%(label)s", label=label)
        return None
    try:
        return cls(getattr(value, "value", value))
    except ValueError:
        fields[name] = _("%(label)s取值无效", label=label)
        return None


def past_date(value, name: str, label: str, fields: dict, today: date) -> date | None:
    if value is None:
        fields[name] = _("请填写%(label)s", label=label)
        return None
    if not isinstance(value, date):
        fields[name] = _("%(label)s格式须为 YYYY-MM-DD", label=label)
        return None
    if value > today:
        fields[name] = _("%(label)s不能晚于今天", label=label)
    elif value.year < 1950:
        fields[name] = _("%(label)s有误", label=label)
    return value


def check_version(obj, version: int | None, what: str = "该记录") -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict("stale_version", _("%(what)s已被他人修改（版本 %(version)s → %(version2)s），请刷新后重试", what=what, version=version, version2=obj.version))


def archive_file(person) -> ArchiveFile:
    row = db.session.execute(db.select(ArchiveFile).filter_by(person_id=person.id)).scalar_one_or_none()
    if row is None:
        row = ArchiveFile(person_id=person.id, established=False)
        db.session.add(row)
        db.session.flush()
        changed([person.id], FILE)
    return row


def keep_version(record: Record, action: str, by, reason: str | None, apply: Callable[[], None]) -> None:
    """Run ``apply`` (a guarded transition or edit) and keep the previous state as a RecordVersion."""
    from archive.file.chains import refresh_chains
    before, version = record.snapshot(), record.version
    apply()
    db.session.add(RecordVersion(record_id=record.id, person_id=record.person_id, version=version, action=action,
                                 snapshot=before, changed_by_id=uid(by), reason=reason))
    refresh_chains([record.person_id], flush=False)   # the chain ends follow (docs/rules.md §4.4)
    changed([record.person_id], RECORD)
    db.session.flush()


def notify_person(person_id: int, **kw):
    return notify(person=SimpleNamespace(id=person_id), **kw)


def label(record: Record) -> str:
    return rules.record_label(record.facts_for_rules())
