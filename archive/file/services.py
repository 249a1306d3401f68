"""Domain acts on the integrity file (docs/rules.md §4.1-4.5). Plain functions: they check the rules
(archive/rules/), change state through the guarded transitions of ``Record``, flush,
record the audit event and notify; they never commit. Errors are DomainError subclasses.

Public API used by other packages (keep these names and signatures):

* ``record_misconduct(person, *, category, sanction, severity, decided_on, authority, facts,
  document_no=None, item=None, restricted_until=None, permanent=None, disclosable=False,
  facts_private=False, source=None) -> Record`` (a draft)
* ``mark_repaired(record, *, reason, by=None, on=None) -> Record`` (effective → repaired)
* ``load_file(person, as_of=None) -> FileData``; ``evaluate_person(person, as_of=None) ->
  rules.Evaluation``; ``evaluate_people(ids, as_of=None) -> {id: rules.Evaluation}``
* ``established_missing_items(person) -> list[MissingItem]``; ``establish_file(person,
  by=None) -> ArchiveFile`` (Conflict "file_incomplete" with the missing items)
* ``FILE_SECTIONS`` (register "pledges", "training", "repairs" section providers) and
  ``COMPLAINT_SUBJECTS`` (register "repair" so people can complain about repair decisions).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from archive import rules
from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    AwardKind,
    Category,
    Grade,
    JudgmentKind,
    MatterResult,
    RecordStatus,
    Sanction,
    Severity,
)
from archive.file import common as c
from archive.file.chains import refresh_chains
from archive.file.loader import (  # noqa: F401 - re-exported: the public reading API of the file
    EMPTY_SECTIONS,
    FILE_SECTIONS,
    REGISTRATION_ITEMS,
    FileData,
    MissingItem,
    established_missing_items,
    evaluate_people,
    evaluate_person,
    facts_of_people,
    load_file,
    rule_settings,
)
from archive.file.models import (
    Appraisal,
    AppraisalVersion,
    ArchiveFile,
    Award,
    CaseFlag,
    MatterCheck,
    Record,
    RecordVersion,
)
from archive.file.objections import (  # noqa: F401 - re-exported: objections and complaints
    COMPLAINT_SUBJECTS,
    answer_complaint,
    can_answer_complaint,
    complaint_handler_clause,
    decide_objection,
    file_complaint,
    file_objection,
    may_decide,
    objection_window_problem,
    other_hr_in_scope,
)
from core import clock
from core.audit.services import record_event
from core.changes import APPRAISAL, FILE, RECORD, changed
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


# --------------------------------------------------------------------------- establishment

def establish_file(person, by=None) -> ArchiveFile:
    """Confirm the file established (档案已建立: who, when). -> ArchiveFile.

    Raises Conflict("file_incomplete") listing the missing registration items in
    ``fields`` (code -> label) and ``details``. Establishing twice changes nothing.
    """
    missing = established_missing_items(person)
    if missing:
        raise Conflict("file_incomplete", "登记项目不完整，不能确认建档：" + "、".join(m.label for m in missing),
                       fields={m.code: f"缺少{m.label}" for m in missing},
                       details=[{"code": m.code, "label": m.label} for m in missing])
    row = c.archive_file(person)
    if not row.established:
        row.established, row.established_at, row.established_by_id = True, clock.utcnow(), c.uid(by)
        db.session.flush()
        record_event("file_establish", row, f"{person.name} 档案确认建立", person_id=person.id)
        changed([person.id], FILE)      # coverage: established
    return row


# --------------------------------------------------------------------------- appraisals

def _person_records(person_id: int) -> list[Record]:
    return list(db.session.execute(db.select(Record).where(Record.person_id == person_id)).scalars().all())


def appraisal_checks(person, year: int, grade: Grade, exclude_id: int | None = None) -> list[str]:
    """Warnings of the entry checks (docs/rules.md §4.1): the heaviest effect of the
    year's sanctions (Party, government, organisational), a case pending at entry, a
    recruit in probation, and the 优秀 quota counted against the department's active
    people to be graded that year (not the results entered so far)."""
    settings = rule_settings()
    facts = [r.facts_for_rules() for r in _person_records(person.id)]
    cases = [k.facts_for_rules() for k in db.session.execute(
        db.select(CaseFlag).where(CaseFlag.person_id == person.id)).scalars()]
    warnings = rules.appraisal_warnings(year, grade, facts, settings, cases=cases, entry_date=person.entry_date,
                                        as_of=max(clock.today(), date(year, 12, 31)))
    messages = [localize(w.message) for w in warnings]
    if grade is Grade.EXCELLENT:
        from core.enums import PersonStatus
        from core.registry.models import Person
        excellent = db.session.execute(
            db.select(sa.func.count()).select_from(Appraisal).join(Person, Person.id == Appraisal.person_id)
            .where(Person.department_id == person.department_id, Appraisal.year == year,
                   Appraisal.grade == Grade.EXCELLENT, Appraisal.person_id != person.id,
                   Appraisal.id != (exclude_id or 0))).scalar_one()
        to_be_graded = db.session.execute(
            db.select(sa.func.count()).select_from(Person)
            .where(Person.department_id == person.department_id, Person.status == PersonStatus.ACTIVE,
                   Person.entry_date <= date(year, 12, 31))).scalar_one()
        to_be_graded = max(to_be_graded, 1)
        if rules.excellent_quota_exceeded(excellent + 1, to_be_graded, settings):
            pct = int(settings.excellent_quota * 100)
            messages.append(f"本单位{year}年度优秀比例将达到 {excellent + 1}/{to_be_graded}（应参加考核人数），"
                            f"超过 {pct}% 的限额")
    return messages


def add_appraisal(person, year: int, grade, document_no: str | None = None, override_reason: str | None = None,
                  correct: bool = False, *, notes: str | None = None, reason: str | None = None,
                  by=None) -> Appraisal:
    """Record the annual appraisal of ``year`` (docs/rules.md §4.1). -> Appraisal.

    Entry-check warnings need ``override_reason`` (else ValidationFailed with fields
    ``grade`` and ``override_reason``). An existing year is a Conflict("duplicate") unless
    ``correct``: the old value is kept in AppraisalVersion (who, when, ``reason``).
    """
    fields: dict[str, str] = {}
    year = c.year(year, fields)
    grade = c.enum(Grade, grade, "grade", _("考核等次"), fields)
    document_no = c.text(document_no, "document_no", _("文号"), 100, fields, required=False)
    notes = c.text(notes, "notes", _("备注"), 1000, fields, required=False)
    override_reason = c.text(override_reason, "override_reason", _("录入理由"), 500, fields, required=False)
    reason = c.text(reason, "reason", _("更正原因"), 500, fields, required=False)
    if fields:
        raise ValidationFailed(fields)
    existing = db.session.execute(db.select(Appraisal).filter_by(person_id=person.id, year=year)).scalar_one_or_none()
    if existing is not None and not correct:
        raise Conflict("duplicate", _("%(year)s年度考核结果已存在（%(grade)s）；如需更正，请选择“更正”并说明原因", year=year, grade=existing.grade.label),
                       fields={"year": _("%(year)s年度已有考核结果", year=year)})
    warnings = appraisal_checks(person, year, grade, exclude_id=existing.id if existing else None)
    if warnings and not override_reason:
        raise ValidationFailed({"grade": "；".join(warnings),
                                "override_reason": _("录入结果与考核规则不符，如确需录入请填写理由")},
                               message="考核等次与规则不符：" + "；".join(warnings), code="appraisal_warning")
    if existing is not None:
        db.session.add(AppraisalVersion(appraisal_id=existing.id, person_id=person.id, year=year,
                                        old_grade=existing.grade, old_document_no=existing.document_no,
                                        new_grade=grade, changed_by_id=c.uid(by), reason=reason or "更正"))
        old = existing.grade
        existing.grade, existing.document_no, existing.notes = grade, document_no, notes
        existing.override_reason = override_reason if warnings else None
        appraisal = existing
        action, summary = "appraisal_correct", f"{year}年度考核更正：{old.zh} → {grade.zh}"
    else:
        appraisal = Appraisal(person_id=person.id, year=year, grade=grade, document_no=document_no, notes=notes,
                              override_reason=override_reason if warnings else None, entered_by_id=c.uid(by))
        db.session.add(appraisal)
        action, summary = "appraisal_create", f"{year}年度考核：{grade.zh}"
    db.session.flush()
    row = c.archive_file(person)
    if row.last_appraisal_year is None or row.last_appraisal_year < year:
        row.last_appraisal_year = year
    if warnings:
        summary += f"（规则提示已说明理由：{override_reason}）"   # required with warnings (checked above)
    record_event(action, appraisal, summary)
    changed([person.id], APPRAISAL)      # coverage: last appraisal year; the file
    notify(kind="appraisal", title=f"{year}年度考核结果：{grade.zh}", person=person,
           body="您的年度考核结果已记入诚信档案。", link=c.link("file.my_file"))
    return appraisal


# --------------------------------------------------------------------------- awards, checks

def pending_case(person_id: int, on: date | None = None) -> CaseFlag | None:
    """The case pending (立案审查中) against a person on ``on`` (default today), if any."""
    on = on or clock.today()
    return db.session.execute(
        db.select(CaseFlag).where(CaseFlag.person_id == person_id, CaseFlag.started_on <= on,
                                  sa.or_(CaseFlag.ended_on.is_(None), CaseFlag.ended_on > on))
        .order_by(CaseFlag.started_on)).scalars().first()


def case_pending_conflict(case: CaseFlag, act: str) -> Conflict:
    """409 ``case_pending``: a clear message naming the case (docs/rules.md §4.4; 政务处分法 art. 52)."""
    return Conflict("case_pending", _("该人员正在立案审查中（%(authority)s，%(day)s起），依照公职人员政务处分法第52条，"
                                      "案件办结前不得%(act)s", authority=case.authority, day=case.started_on.isoformat(),
                                      act=act),
                    details=[{"case_id": case.id, "authority": case.authority,
                              "started_on": case.started_on.isoformat()}])


def guard_person_change(person, action: str, **kw) -> None:
    """Registry guard (core.registry.services.PERSON_CHANGE_GUARDS): a pending case blocks a
    transfer and retirement."""
    case = pending_case(person.id)
    if case is None:
        return
    if action == "transfer":
        raise case_pending_conflict(case, _("调动"))
    if action == "status" and str(getattr(kw.get("status"), "value", kw.get("status"))) == "retired":
        raise case_pending_conflict(case, _("办理退休"))


def add_award(person, *, kind, title: str, awarded_on: date | None, authority: str, document_no: str | None = None,
              by=None) -> Award:
    """奖励、荣誉称号 (docs/rules.md §4.2); refused while a case is pending (409 case_pending). -> Award."""
    fields: dict[str, str] = {}
    kind = c.enum(AwardKind, kind, "kind", _("奖励类型"), fields)
    title = c.required_text(title, "title", _("名称"), 200, fields)
    awarded_on = c.past_date(awarded_on, "awarded_on", _("日期"), fields, clock.today())
    authority = c.required_text(authority, "authority", _("批准机关"), 200, fields)
    document_no = c.text(document_no, "document_no", _("文号"), 100, fields, required=False)
    if fields:
        raise ValidationFailed(fields)
    case = pending_case(person.id)
    if case is not None:
        raise case_pending_conflict(case, _("给予奖励"))
    award = Award(person_id=person.id, kind=kind, title=title, awarded_on=awarded_on, authority=authority,
                  document_no=document_no, entered_by_id=c.uid(by))
    db.session.add(award)
    db.session.flush()
    record_event("award_create", award, f"{kind.zh}：{title}")
    changed([person.id], FILE)
    return award


def add_matter_check(person, *, year: int, result, notes: str | None = None, by=None) -> MatterCheck:
    """个人有关事项报告查核 of a year (docs/rules.md §4.3); one per year (Conflict otherwise). -> MatterCheck."""
    fields: dict[str, str] = {}
    year = c.year(year, fields)
    result = c.enum(MatterResult, result, "result", _("查核结果"), fields)
    notes = c.text(notes, "notes", _("说明"), 1000, fields, required=False)
    if fields:
        raise ValidationFailed(fields)
    if db.session.execute(db.select(MatterCheck.id).filter_by(person_id=person.id, year=year)).first():
        raise Conflict("duplicate", _("%(year)s年度的查核结果已存在", year=year), fields={"year": _("%(year)s年度已有查核结果", year=year)})
    check = MatterCheck(person_id=person.id, year=year, result=result, notes=notes, entered_by_id=c.uid(by))
    db.session.add(check)
    db.session.flush()
    record_event("matter_check_create", check, f"{year}年度个人事项查核：{result.zh}")
    changed([person.id], FILE)
    return check


def convert_matter_check_to_record(check: MatterCheck, person, *, decided_on: date, authority: str,
                                   facts: str | None = None, severity=Severity.GENERAL, by=None) -> Record:
    """Turn a 漏报/瞒报 check into a draft ``report_omission`` record (docs/rules.md §4.3). -> Record."""
    if check.result is MatterResult.TRUTHFUL:
        raise Conflict("illegal_state", _("如实报告的查核结果不能转为失信记录"))
    if check.record_id is not None:
        raise Conflict("illegal_state", _("该查核结果已转为失信记录"))
    facts = facts or f"{check.year}年度个人有关事项报告查核结果为{check.result.zh}。{check.notes or ''}".strip()
    record = record_misconduct(person, category=Category.REPORT_OMISSION, sanction=Sanction.NONE, severity=severity,
                               decided_on=decided_on, authority=authority, facts=facts,
                               source=f"matter_check:{check.id}", by=by)
    check.record_id = record.id
    db.session.flush()
    return record


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


# --------------------------------------------------------------------------- cases

def set_case(person, *, started_on: date | None, authority: str, notes: str | None = None, by=None) -> CaseFlag:
    """立案审查中 (政务处分法 art. 52): blocks promotion and awards while pending. -> CaseFlag."""
    fields: dict[str, str] = {}
    started_on = c.past_date(started_on, "started_on", _("立案日期"), fields, clock.today())
    authority = c.required_text(authority, "authority", _("立案机关"), 200, fields)
    notes = c.text(notes, "notes", _("说明"), 1000, fields, required=False)
    if fields:
        raise ValidationFailed(fields)
    assert started_on is not None   # a missing date is a field error above
    case = CaseFlag(person_id=person.id, started_on=started_on, authority=authority, notes=notes,
                    entered_by_id=c.uid(by))
    db.session.add(case)
    db.session.flush()
    record_event("case_set", case, f"立案审查（{authority}，{started_on.isoformat()}）")
    changed([person.id], RECORD)
    return case


def end_case(case: CaseFlag, *, ended_on: date | None, by=None, version: int | None = None) -> CaseFlag:
    """End a pending case on ``ended_on`` (the first day it no longer applies)."""
    c.check_version(case, version, _("该立案审查"))
    if case.ended_on is not None:
        raise Conflict("illegal_state", _("该立案审查已结束"))
    fields: dict[str, str] = {}
    ended_on = c.past_date(ended_on, "ended_on", _("结束日期"), fields, clock.today())
    if ended_on and ended_on < case.started_on:
        fields["ended_on"] = _("结束日期不能早于立案日期")
    if fields:
        raise ValidationFailed(fields)
    assert ended_on is not None     # a missing date is a field error above
    case.ended_on = ended_on
    db.session.flush()
    record_event("case_end", case, f"立案审查结束（{ended_on.isoformat()}）")
    changed([case.person_id], RECORD)
    return case
