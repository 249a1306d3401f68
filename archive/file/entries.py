"""The file's entries besides records (docs/rules.md §4.1-4.3): annual appraisals with their
entry checks, awards (refused while a case is pending), personal-matter checks and turning a
漏报/瞒报 check into a draft record. Re-exported by archive/file/services.py."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from archive import rules
from archive.enums import AwardKind, Category, Grade, MatterResult, Sanction, Severity
from archive.file import common as c
from archive.file.cases import case_pending_conflict, pending_case
from archive.file.loader import rule_settings
from archive.file.models import Appraisal, AppraisalVersion, Award, CaseFlag, MatterCheck, Record
from archive.file.records import _person_records, record_misconduct
from core import clock
from core.audit.services import record_event
from core.changes import APPRAISAL, FILE, changed
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.i18n import localize
from core.notify.services import notify

# --------------------------------------------------------------------------- appraisals


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
