"""Bulk actions of the gap worklists. Each calls the service of the package that owns the
act: pledges ``assign``, training ``enrol``, file ``establish_file`` (after its
``established_missing_items`` check), and ``notify_many`` for reminders.

``target_ids`` resolves who an action applies to: the ticked people, or "everyone missing
this metric in this subtree" (not only the current page); always intersected with the gap
list and the HR's manage scope, so a forged id never reaches a service.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.coverage import services
from core.audit.services import record_event
from core.errors import ValidationFailed
from core.extensions import db
from core.registry.models import Department, Person

ACTIONS = {"pledge": "布置任职前承诺", "enrol": "报名参加培训", "remind": "发送提醒", "establish": "确认建档"}
#: establishing is per person (each file's items are checked): at most this many per click
ESTABLISH_LIMIT = 2000


def target_select(department: Department, metric: str, *, q: str | None, everyone: bool,
                  selected: list[str], pledge_state: str | None = None) -> sa.Select | None:
    """SELECT people.id of the people to act on (None: nobody ticked)."""
    from core.accounts.permissions import person_scope_clause
    sel = services.gap_ids_select(department, metric, q=q, pledge_state=pledge_state).where(
        person_scope_clause(current_user, manage=True))
    if not everyone:
        wanted = sorted({int(x) for x in selected if str(x).isdigit()})[:1000]   # one page at most
        if not wanted:
            return None
        sel = sel.where(Person.id.in_(wanted))
    return sel


def count(target: sa.Select) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(target.subquery())).scalar_one()


def available() -> dict[str, bool]:
    from core.templating import has_endpoint
    return {"pledge": True, "enrol": True, "remind": True, "establish": True,
            "pledge_templates_page": has_endpoint("pledges.templates"),
            "courses_page": has_endpoint("training.courses")}


def pledge_template_choices() -> list[tuple[int, str]]:
    from archive.enums import PledgeKind
    from archive.pledges.models import PledgeTemplate, TemplateStatus
    rows = db.session.execute(
        sa.select(PledgeTemplate.id, PledgeTemplate.title, PledgeTemplate.version)
        .where(PledgeTemplate.kind == PledgeKind.PRE_APPOINTMENT, PledgeTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(PledgeTemplate.published_at.desc(), PledgeTemplate.id.desc())).all()
    return [(r.id, _("%(title)s（第%(version)s版）", title=r.title, version=r.version)) for r in rows]


def course_choices() -> list[tuple[int, str]]:
    from training.models import Course
    rows = db.session.execute(
        sa.select(Course.id, Course.code, Course.title, Course.hours, Course.integrity)
        .where(Course.active.is_(True)).order_by(Course.integrity.desc(), Course.code)).all()
    return [(r.id, _("%(code)s %(title)s（%(hours)s 学时，含诚信教育）", code=r.code, title=r.title, hours=f"{r.hours:g}")
             if r.integrity else _("%(code)s %(title)s（%(hours)s 学时）", code=r.code, title=r.title, hours=f"{r.hours:g}"))
            for r in rows]


def _int(value, field: str, message: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed({field: message}) from None


def _date(value) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed({"due_on": _("截止日期格式须为 YYYY-MM-DD")}) from None


def run(action: str, ids: sa.Select, *, metric: str, department: Department, form) -> str:
    """Run one bulk action on ``ids``; returns the Chinese summary to flash."""
    if action == "pledge":
        message = assign_pledge(ids, template_id=form.get("template_id"), due_on=_date(form.get("due_on")))
    elif action == "enrol":
        message = enrol(ids, course_id=form.get("course_id"))
    elif action == "establish":
        message = establish(ids)
    elif action == "remind":
        message = remind(ids, metric)
    else:
        raise ValidationFailed({"action": _("请选择有效的批量操作")})
    record_event("coverage_bulk_action", department,
                 f"覆盖缺口（{services.GAP_LABELS[metric]}）批量{ACTIONS[action]}：{message}")
    return message


def _pledge_template(template_id):
    from archive.enums import PledgeKind
    from archive.pledges.models import PledgeTemplate, TemplateStatus
    template = db.session.get(PledgeTemplate, _int(template_id, "template_id", "请选择已发布的任职前承诺模板"))
    if (template is None or template.kind is not PledgeKind.PRE_APPOINTMENT
            or template.status is not TemplateStatus.PUBLISHED):
        raise ValidationFailed({"template_id": _("请选择已发布的任职前承诺模板")})
    return template


def _course(course_id):
    from training.models import Course
    course = db.session.get(Course, _int(course_id, "course_id", "请选择培训课程"))
    if course is None or not course.active:
        raise ValidationFailed({"course_id": _("请选择培训课程")})
    return course


def assign_pledge(ids: sa.Select, *, template_id, due_on: date | None) -> str:
    from archive.pledges.services import assign
    template = _pledge_template(template_id)
    result = assign(template, ids, due_on=due_on, assigned_by=current_user)
    return (f"已布置《{template.title}》{result.assigned} 人"
            + (f"，跳过 {result.skipped} 人（已有待签或有效承诺）" if result.skipped else "") + "。")


def enrol(ids: sa.Select, *, course_id) -> str:
    from training.services import enrol as enrol_people
    course = _course(course_id)
    enrolled, skipped = enrol_people(course, ids, by=current_user)
    return (f"已报名《{course.title}》{enrolled} 人"
            + (f"，跳过 {skipped} 人（已报名或本年已结业）" if skipped else "") + "。")


# ---- the confirmation step: what an action would do, counted before anything is written ----------

@dataclass(frozen=True)
class Preview:
    action: str
    will: int
    skip: int
    text: str            # "将布置 N 人，跳过 M 人（已有待签承诺）"
    subject: str = ""    # the template or course, when there is one


def preview(action: str, ids: sa.Select, *, metric: str, form) -> Preview:
    """Validate the action's inputs (as :func:`run` would) and count whom it would reach and skip."""
    asked = count(ids)
    if action == "pledge":
        from archive.pledges.services import assign_preview
        template = _pledge_template(form.get("template_id"))
        result = assign_preview(template, ids, due_on=_date(form.get("due_on")), assigned_by=current_user)
        text = _("将布置 %(n)s 人，跳过 %(m)s 人（已有待签承诺）", n=result.assigned, m=result.skipped)
        return Preview(action, result.assigned, result.skipped, text, f"《{template.title}》")
    if action == "enrol":
        from training.enrolment import enrolment_preview
        course = _course(form.get("course_id"))
        will, skip = enrolment_preview(course, ids.order_by(None))
        text = _("将报名 %(n)s 人，跳过 %(m)s 人（已报名或本年已结业）", n=will, m=skip)
        return Preview(action, will, skip, text, f"《{course.title}》")
    if action == "remind":
        missing = services.missing_by_person(ids)
        will = sum(1 for items in missing.values() if any(metric in (m, "overall") for m in items))
        text = _("将提醒 %(n)s 人，跳过 %(m)s 人（已无缺少的项目）", n=will, m=asked - will)
        return Preview(action, will, asked - will, text)
    if action == "establish":
        will = min(asked, ESTABLISH_LIMIT)
        text = _("将对 %(n)s 人确认建档，跳过 %(m)s 人（本次上限 %(limit)s 人）；登记项目不完整者不建档",
                 n=will, m=asked - will, limit=ESTABLISH_LIMIT)
        return Preview(action, will, asked - will, text)
    raise ValidationFailed({"action": _("请选择有效的批量操作")})


def establish(ids: sa.Select) -> str:
    """Confirm the files whose registration items are complete; count the others by item."""
    from archive.file.services import establish_file, established_missing_items
    done, incomplete = 0, 0
    reasons: dict[str, int] = {}     # missing item's label -> people lacking it
    total = count(ids)
    people = db.session.execute(sa.select(Person).where(Person.id.in_(ids.order_by(None).limit(ESTABLISH_LIMIT)))
                                .order_by(Person.id)).scalars().all()
    for person in people:
        missing = established_missing_items(person)
        if missing:
            incomplete += 1
            for item in missing:
                reasons[item.label] = reasons.get(item.label, 0) + 1
            continue
        establish_file(person, by=current_user)
        done += 1
    message = f"已确认建档 {done} 人"
    if incomplete:
        message += f"；{incomplete} 人登记项目不完整未建档（" + "、".join(
            f"缺{label} {n} 人" for label, n in sorted(reasons.items(), key=lambda r: -r[1])) + "）"
    if total > ESTABLISH_LIMIT:
        message += f"；本次处理前 {ESTABLISH_LIMIT} 人，其余请再次执行"
    return message + "。"


REMINDER_TEXT = {
    "archive": ("请配合完善诚信档案登记信息", "您的诚信档案尚未建立，请配合人事部门补充登记信息。"),
    "pledge": ("请签署任职前承诺", "您尚未签署现任职务的任职前承诺，请登录系统阅读并签署。"),
    "appraisal": ("上年度考核结果尚未录入", "您的上年度考核结果尚未录入诚信档案，请联系人事部门。"),
    "training": ("请完成诚信教育培训", "您本年度的培训尚未达标，请登录系统参加培训。"),
}
REMINDER_LINKS = {"pledge": "pledges.my_pledges", "training": "training.my_training", "archive": "file.my_file",
                  "appraisal": "file.my_file"}


def remind(ids: sa.Select, metric: str) -> str:
    """One reminder per person and missing item (``overall``: every item they miss), one bulk insert."""
    from core.notify.services import notify_many
    from core.templating import has_endpoint
    missing = services.missing_by_person(ids)
    links = {m: url_for(e) if has_endpoint(e) else None for m, e in REMINDER_LINKS.items()}
    rows = []
    for pid in sorted(missing):
        for m in missing[pid]:
            if metric in (m, "overall"):
                title, body = REMINDER_TEXT[m]
                rows.append({"kind": "coverage_reminder", "title": title, "body": body, "person_id": pid,
                             "link": links[m]})
    sent = notify_many(rows)
    return f"已向 {len({r['person_id'] for r in rows})} 人发送提醒（共 {sent} 条）。"
