"""Misconduct records (docs/rules.md §4.4): the 事项 list, entering a record as a draft with
its end of restriction, the form's live preview, editing with a kept version, notify, exempt,
revoke, the servant's acknowledgement, evidence, repair, and ``release_records`` (what time did).
Re-exported by archive/file/services.py."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from archive import rules
from archive.enums import SANCTIONS_BY_CATEGORY, Category, JudgmentKind, RecordStatus, Sanction, Severity
from archive.file import common as c
from archive.file.chains import refresh_chains
from archive.file.loader import rule_settings
from archive.file.models import Record, RecordVersion
from core import clock
from core.audit.services import record_event
from core.changes import RECORD, changed
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.i18n import localize
from core.notify.services import notify
from core.text import N_

#: 事项 of a record (docs/rules.md §4.4), overridable with config key RECORD_ITEMS.
#: N_ (core.text.Text): the stored value stays Chinese, the form shows it in the user's language.
DEFAULT_RECORD_ITEMS = (N_("档案造假"), N_("违规兼职"), N_("违规因私出境"), N_("个人信用不良"), N_("被采取强制措施"),
                        N_("网络不当言论"), N_("失信被执行人"), N_("失信联合惩戒对象"), N_("弄虚作假"), N_("统计造假"),
                        N_("违反承诺"), N_("其他"))


def record_items() -> tuple[str, ...]:
    return tuple(current_app.config.get("RECORD_ITEMS") or DEFAULT_RECORD_ITEMS)


def _person_records(person_id: int) -> list[Record]:
    return list(db.session.execute(db.select(Record).where(Record.person_id == person_id)).scalars().all())


# --------------------------------------------------------------------------- records

def _clean_record(data: dict, fields: dict, settings: rules.RuleSettings) -> dict:
    """Validate record values (shared by create and update); adds problems to ``fields``."""
    today = clock.today()
    out: dict = {}
    category = c.enum(Category, data.get("category"), "category", _("记录类别"), fields)
    sanction_raw = data.get("sanction")
    if category is not None and not sanction_raw and SANCTIONS_BY_CATEGORY[category] == (Sanction.NONE,):
        sanction_raw = Sanction.NONE
    sanction = c.enum(Sanction, sanction_raw, "sanction", _("处分或处理"), fields)
    if category is not None and sanction is not None and sanction not in SANCTIONS_BY_CATEGORY[category]:
        allowed = "、".join(s.zh for s in SANCTIONS_BY_CATEGORY[category])
        fields["sanction"] = _("“%(sanction)s”不属于%(category)s，可选：%(allowed)s", sanction=sanction.label, category=category.label, allowed=allowed)
        sanction = None
    severity = c.enum(Severity, data.get("severity") or Severity.GENERAL, "severity", _("情节"), fields)
    if severity is Severity.MINOR and category is not None and category is not Category.ADMIN_PENALTY:
        fields["severity"] = _("“轻微”情节只适用于行政处罚")
        severity = None
    judgment_kind = None
    if category is Category.JUDICIAL:
        judgment_kind = c.enum(JudgmentKind, data.get("judgment_kind"), "judgment_kind", _("判决类型"), fields)
    elif data.get("judgment_kind"):
        fields["judgment_kind"] = _("判决类型只适用于司法判决")
    probation = data.get("probation_months")
    if sanction is Sanction.PARTY_PROBATION:
        try:
            probation = int(probation) if probation not in (None, "") else None
        except (TypeError, ValueError):
            probation = None
        if probation not in settings.party_probation_months:
            fields["probation_months"] = _("留党察看须写明察看期：%(months)s个月",
                                           months="/".join(str(m) for m in settings.party_probation_months))
            probation = None
    elif probation not in (None, ""):
        fields["probation_months"] = _("察看期只适用于留党察看")
        probation = None
    else:
        probation = None
    out["judgment_kind"], out["probation_months"] = judgment_kind, probation
    decided_on = c.past_date(data.get("decided_on"), "decided_on", _("决定日期"), fields, today)
    out["authority"] = c.text(data.get("authority"), "authority", _("决定机关"), 200, fields)
    out["facts"] = c.text(data.get("facts"), "facts", _("事实"), 10000, fields)
    out["document_no"] = c.text(data.get("document_no"), "document_no", _("文号"), 100, fields, required=False)
    item = c.text(data.get("item"), "item", _("事项"), 50, fields, required=False)
    if item and item not in record_items():
        fields["item"] = _("事项不在可选列表中")
    out["item"] = item
    until, permanent = data.get("restricted_until"), data.get("permanent")
    if until is not None and not isinstance(until, date):
        fields["restricted_until"] = _("影响期截止日期格式须为 YYYY-MM-DD")
        until = None
    if None not in (category, sanction, severity) and isinstance(decided_on, date) and "decided_on" not in fields:
        default_until, default_permanent = rules.default_restricted_until(category, sanction, severity, decided_on,
                                                                          settings, probation)
        permanent = default_permanent if permanent is None else bool(permanent)
        if until is None and not permanent:
            until = default_until
        problem = rules.check_restricted_until(category, sanction, severity, decided_on, until, permanent, settings,
                                               probation)
        if problem and not (sanction is Sanction.PARTY_PROBATION and probation is None):
            fields["restricted_until"] = localize(problem)
        out["default_until"] = default_until
    out.update(category=category, sanction=sanction, severity=severity, decided_on=decided_on,
               restricted_until=until, permanent=bool(permanent),
               disclosable=bool(data.get("disclosable")), facts_private=bool(data.get("facts_private")))
    return out


def record_preview(person, args) -> dict:
    """What a new record would restrict (the record form's live preview): the sanctions of
    the category, the record's own end and the end of the chain it would join (the one rule,
    rules.combined_ends). Bad input gives ``problems``, never an error. -> JSON-able dict."""
    from datetime import date as _date
    settings = rule_settings()
    out: dict = {"sanctions": [], "restricted_until": None, "permanent": False, "restricts_until": None,
                 "chained": False, "citation": None, "problems": []}
    try:
        category = Category(args.get("category") or "")
    except ValueError:
        out["problems"].append(_("请选择类别"))
        return out
    out["sanctions"] = [{"value": s.value, "label": s.label} for s in SANCTIONS_BY_CATEGORY[category]]
    try:
        sanction = Sanction(args.get("sanction") or SANCTIONS_BY_CATEGORY[category][0].value)
        severity = Severity(args.get("severity") or "general")
        decided_on = _date.fromisoformat(args.get("decided_on") or "")
    except ValueError:
        out["problems"].append(_("请填写决定日期"))
        return out
    if sanction not in SANCTIONS_BY_CATEGORY[category]:
        sanction = SANCTIONS_BY_CATEGORY[category][0]
    probation = str(args.get("probation_months") or "")
    probation_months = int(probation) if probation in ("12", "24") else None
    until, permanent = rules.default_restricted_until(category, sanction, severity, decided_on, settings,
                                                      probation_months)
    out.update(restricted_until=until.isoformat() if until else None, permanent=permanent,
               citation=rules.period_row(category, sanction, severity, decided_on).citation,
               period=rules.restriction_period(category, sanction, severity, settings, decided_on).describe())
    if until is not None and not permanent:
        facts = [r.facts_for_rules() for r in _person_records(person.id)]
        new = rules.RecordFacts(id=0, category=category, sanction=sanction, severity=severity,
                                status=RecordStatus.EFFECTIVE, decided_on=decided_on, restricted_until=until)
        end = rules.combined_ends([*facts, new], settings, decided_on).get(0, until)
        out.update(restricts_until=end.isoformat(), chained=end != until)
    return out


def record_misconduct(person, *, category, sanction, severity, decided_on, authority, facts,
                      document_no=None, item=None, restricted_until=None, permanent=None, disclosable=False,
                      facts_private=False, source=None, restricted_until_reason=None, by=None,
                      judgment_kind=None, probation_months=None) -> Record:
    """Enter a misconduct / dishonesty record as a draft (docs/rules.md §4.4). -> Record (status draft).

    Checks the sanction belongs to the category, computes the end of restriction from the
    rules when ``restricted_until`` is None (set_by_hr periods must be given), and checks
    an entered end (rules.check_restricted_until). ValidationFailed lists every problem.
    """
    settings = rule_settings()
    fields: dict[str, str] = {}
    values = _clean_record(dict(category=category, sanction=sanction, severity=severity, decided_on=decided_on,
                                authority=authority, facts=facts, document_no=document_no, item=item,
                                restricted_until=restricted_until, permanent=permanent, disclosable=disclosable,
                                facts_private=facts_private, judgment_kind=judgment_kind,
                                probation_months=probation_months), fields, settings)
    until_reason = c.text(restricted_until_reason, "restricted_until_reason", _("调整影响期的理由"), 500, fields,
                         required=False)
    if fields:
        raise ValidationFailed(fields)
    values.pop("default_until", None)
    values["restricts_until"] = None if values["permanent"] else values["restricted_until"]
    record = Record(person_id=person.id, status=RecordStatus.DRAFT, source=(source or None) and str(source)[:60],
                    entered_by_id=c.uid(by), restricted_until_reason=until_reason, **values)
    db.session.add(record)
    db.session.flush()
    refresh_chains([person.id], settings)
    record_event("record_create", record, f"登记失信记录（草稿）：{c.label(record)}")
    changed([person.id], RECORD)
    return record


EDITABLE = ("category", "sanction", "item", "severity", "decided_on", "restricted_until", "permanent", "authority",
            "document_no", "facts", "facts_private", "disclosable", "judgment_kind", "probation_months")
_EDITABLE_STATES = (RecordStatus.DRAFT, RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE)


def update_record(record: Record, changes: dict, *, version: int | None, reason: str | None = None,
                  by=None, action: str = "update") -> Record:
    """Edit a record (drafts freely; notified / under objection / effective with a reason).
    Keeps the previous state in RecordVersion. A stale ``version`` → Conflict. -> Record."""
    c.check_version(record, version)
    if record.status not in _EDITABLE_STATES:
        raise Conflict("illegal_state", _("记录当前状态为“%(status)s”，不能修改", status=record.status.label))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed({k: "不能修改此字段" for k in unknown})
    fields: dict[str, str] = {}
    reason = c.text(reason, "reason", _("修改原因"), 1000, fields, required=record.status is not RecordStatus.DRAFT)
    data = {k: getattr(record, k) for k in EDITABLE}
    data.update(changes)
    period_keys = ("category", "sanction", "severity", "decided_on", "probation_months")
    if any(k in changes and changes[k] != getattr(record, k) for k in period_keys):
        if "restricted_until" not in changes:
            data["restricted_until"] = None
        if "permanent" not in changes:
            data["permanent"] = None
    values = _clean_record(data, fields, rule_settings())
    default_until = values.pop("default_until", None)
    until_edited = ("restricted_until" in changes and values.get("restricted_until") != default_until
                    and values.get("restricted_until") != record.restricted_until)
    if until_edited and not reason:
        fields["reason"] = _("调整影响期截止日期须说明理由")
    if fields:
        raise ValidationFailed(fields)
    changed = {k: v for k, v in values.items() if getattr(record, k) != v}
    if not changed:
        return record

    def apply():
        for k, v in changed.items():
            setattr(record, k, v)
        if until_edited:
            record.restricted_until_reason = reason

    c.keep_version(record, action, by, reason, apply)
    record_event("record_update", record, f"修改失信记录：{', '.join(sorted(changed))}；{reason or ''}")
    return record


def notify_record(record: Record, person, *, version: int | None = None, by=None, on: date | None = None) -> Record:
    """告知: draft → notified; the person gets an in-app notification; the objection window starts."""
    c.check_version(record, version)
    on = on or clock.today()
    c.keep_version(record, "notify", by, None, lambda: record.notify(on))
    ends = rules.objection_window_ends(on, rule_settings())
    record_event("record_notify", record, f"告知本人：{c.label(record)}")
    notify(kind="record_notified", person=person, title=f"失信记录告知：{c.label(record)}",
           body=(f"您的诚信档案新增一条记录：{c.label(record)}，决定机关：{record.authority}。"
                 f"如有异议，请于{ends.isoformat()}前在“我的档案”中提出。"),
           link=c.link("file.record_detail", record_id=record.id))      # opens the record itself
    return record


def exempt_record(record: Record, basis: str, *, version: int | None = None, by=None) -> Record:
    """容错免责: draft → exempted with its basis (kept, never counts as dishonesty)."""
    c.check_version(record, version)
    fields: dict[str, str] = {}
    basis = c.required_text(basis, "basis", _("容错免责依据"), 1000, fields)
    if fields:
        raise ValidationFailed(fields)
    c.keep_version(record, "exempt", by, basis, lambda: record.exempt(basis, clock.today()))
    record_event("record_exempt", record, f"容错免责：{basis}")
    return record


def revoke_record(record: Record, reason: str, *, version: int | None = None, by=None) -> Record:
    """Revoke a wrong record with a reason (any state but revoked); nothing is deleted."""
    c.check_version(record, version)
    fields: dict[str, str] = {}
    reason = c.required_text(reason, "reason", _("撤销原因"), 1000, fields)
    if fields:
        raise ValidationFailed(fields)
    was_notified = record.status is not RecordStatus.DRAFT
    c.keep_version(record, "revoke", by, reason, lambda: record.revoke(reason, clock.today()))
    record_event("record_revoke", record, f"撤销：{reason}")
    if was_notified:
        c.notify_person(record.person_id, kind="record_revoked", title=f"失信记录已撤销：{c.label(record)}",
                       body=f"撤销原因：{reason}", link=c.link("file.record_detail", record_id=record.id))
    return record


def acknowledge_record(record: Record, *, by=None, on: date | None = None) -> Record:
    """The person acknowledges a notified record: notified → effective (no objection)."""
    on = on or clock.today()
    c.keep_version(record, "acknowledge", by, "本人确认无异议", lambda: record.acknowledge(on, rule_settings()))
    record_event("record_acknowledge", record, f"本人确认：{c.label(record)}")
    return record


def add_record_evidence(record: Record, storages: Iterable, *, by=None) -> list:
    """Store evidence files (PDF/JPG/PNG, checked by content) for a record. -> [Attachment]."""
    from core.files import save_upload
    if record.status in (RecordStatus.REVOKED, RecordStatus.EXEMPTED):
        raise Conflict("illegal_state", _("记录当前状态为“%(status)s”，不能再补充证据", status=record.status.label))
    return [save_upload(s, owner_type="record", owner_id=record.id, person_id=record.person_id,
                        uploaded_by=c.actor(by)) for s in storages if getattr(s, "filename", "")]


def mark_repaired(record: Record, *, reason: str, by=None, on: date | None = None) -> Record:
    """信用修复 approved: effective → repaired; restrictions lift at once (for archive/repair)."""
    on = on or clock.today()
    c.keep_version(record, "repair", by, reason, lambda: record.repair(on, rule_settings()))
    record_event("record_repair", record, f"信用修复：{reason}")
    return record


def release_records(on: date | None = None) -> int:
    """Persist what time did (``flask records release``): notified → effective after the
    objection window, → expired the day after the end of the record's CHAIN (docs/rules.md
    §4.4: an earlier sanction is never released before its chain ends). Recomputes the
    stored chain ends first. Keeps a version per change. -> count."""
    on, settings = on or clock.today(), rule_settings()
    chained = db.session.execute(db.select(Record.person_id).where(
        Record.category.in_(settings.combinable_categories)).distinct()).scalars().all()
    refresh_chains(chained, settings)
    window_start = on - timedelta(days=settings.objection_window_days)
    chain_end = sa.func.coalesce(Record.restricts_until, Record.restricted_until)
    candidates = db.select(Record.person_id).where(sa.or_(
        sa.and_(Record.status.in_((RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE)),
                sa.or_(sa.and_(Record.permanent.is_(False), chain_end < on),
                       sa.and_(Record.status == RecordStatus.NOTIFIED, Record.notified_on < window_start))),
        # an expired record back inside its chain (a sanction decided within its period entered later)
        sa.and_(Record.status == RecordStatus.EXPIRED, Record.permanent.is_(False), chain_end >= on))).distinct()
    person_ids = db.session.execute(candidates).scalars().all()
    moved = 0
    for chunk in range(0, len(person_ids), 500):
        records = db.session.execute(db.select(Record).where(
            Record.person_id.in_(person_ids[chunk:chunk + 500])).order_by(Record.id)).scalars().all()
        for r in records:
            before, version = r.snapshot(), r.version
            if r.persist_time(on, settings, r.chain_end()):
                db.session.add(RecordVersion(record_id=r.id, person_id=r.person_id, version=version,
                                             action="time", snapshot=before, changed_by_id=None,
                                             reason=f"{on.isoformat()} 按期限自动变更为“{r.status.zh}”"))
                record_event("record_release", r, f"按期限自动变更为“{r.status.zh}”", actor=None)
                moved += 1
                changed([r.person_id], RECORD)
        db.session.flush()
    return moved
