"""HR pages: enrolment (one person, a department subtree, everyone not meeting the requirement),
attendance and completion marking, and the training overview per department with Excel export."""
from __future__ import annotations

from datetime import date, timedelta
from typing import NotRequired, TypedDict

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.accounts.permissions import (
    OWN_FILE_MESSAGE,
    departments_in_scope,
    people_in_scope,
    person_scope_clause,
    require_department,
    require_person,
    require_roles,
    subtree_clause,
)
from core.audit.services import record_event
from core.enums import PersonStatus
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.listing import Listing
from core.registry.models import Department, Person
from training import queries, services
from training.enums import EnrolmentStatus
from training.forms import CompleteForm, EnrolForm
from training.models import Course, Enrolment
from training.views import bp, get_course, get_session


def department_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(departments_in_scope(current_user).with_only_columns(
        Department.id, Department.name, Department.depth)).all()
    base = min((r.depth for r in rows), default=0)
    return [(r.id, "　" * (r.depth - base) + r.name) for r in rows]


def _default_department_id() -> int:
    return current_user.department_id or 0


def _find_person(text: str) -> Person:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"person": _("请输入姓名或完整公民身份号码")})
    matches = db.session.execute(people_in_scope(current_user, manage=True, include_self=True)
                                 .where(services.registry.search_clause(text))
                                 .where(Person.status == PersonStatus.ACTIVE).limit(2)).scalars().all()
    if [p.id for p in matches] == [current_user.person_id]:
        raise ValidationFailed({"person": str(OWN_FILE_MESSAGE)})      # no one acts on their own file
    if not matches:
        raise ValidationFailed({"person": _("在您管理的范围内未找到该在职人员")})
    exact = [p for p in matches if p.name == text]
    if len(matches) > 1 and len(exact) != 1:
        raise ValidationFailed({"person": _("有多名人员符合，请输入完整公民身份号码")})
    return exact[0] if len(matches) > 1 else matches[0]


def enrol_selection(mode: str, *, person_text: str = "", department_id: int | None = None,
                    leading_only: bool = False, new_recruits: bool = False, today: date | None = None):
    """What an enrol form selects: a list with one Person, or a SELECT of active people's ids."""
    today = today or clock.today()
    if mode == "person":
        return [_find_person(person_text)], None
    if not department_id:
        raise ValidationFailed({"department_id": _("请选择单位")})
    dept = require_department(department_id)
    sel = services.department_people(dept, leading=True if leading_only else None,
                                     new_recruits_since=today - timedelta(days=365) if new_recruits else None)
    sel = sel.where(person_scope_clause(current_user, manage=True))   # skips the officer's own person
    if mode == "not_meeting":
        sel = sel.where(Person.id.in_(services.people_not_meeting_training(today.year, today)))
    elif mode != "department":
        raise ValidationFailed({"mode": _("请选择报名对象")})
    return sel, dept


@bp.route("/courses/<int:course_id>/enrol", methods=["GET", "POST"])
@require_roles("hr")
def enrol(course_id: int):
    course = get_course(course_id)
    form = EnrolForm()
    form.department_id.choices = department_choices()
    open_sessions = [s for s in course.sessions if s.ends_on >= clock.today()]
    form.session_id.choices = [(0, _("不指定班次"))] + [(s.id, s.label) for s in open_sessions]
    if request.method == "GET":
        form.department_id.data = request.args.get("department_id", type=int) or _default_department_id()
        form.mode.data = request.args.get("mode") or "not_meeting"
    if form.validate_on_submit():
        try:
            people, _scope = enrol_selection(form.mode.data, person_text=form.person.data,
                                        department_id=form.department_id.data, leading_only=form.leading_only.data,
                                        new_recruits=form.new_recruits.data)
            session = get_session(course, form.session_id.data) if form.session_id.data else None
            if request.form.get("confirm") != "1":      # first the preview (issue 19.4), then 确认报名
                from training.enrolment import enrolment_preview
                will, skip = enrolment_preview(course, people)
                return render_template("training/enrol_confirm.html", course=course, will=will, skip=skip,
                                       course_session=session, back=url_for("training.enrol", course_id=course.id),
                                       hidden=_hidden_fields(form))
            enrolled, skipped = services.enrol(course, people, session, due_on=form.due_on.data, by=current_user)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
            db.session.rollback()
        except Conflict as exc:
            form.form_errors.append(exc.message)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("已报名 %(enrolled)s 人，跳过 %(skipped)s 人（已报名、本年度已结业、非在职或超出班次容量）。",
                    enrolled=enrolled, skipped=skipped) if skipped else _("已报名 %(enrolled)s 人。", enrolled=enrolled),
                  "success" if enrolled else "warning")
            return redirect(url_for("training.course", course_id=course.id))
    return render_template("training/enrol.html", form=form, course=course)


def _hidden_fields(form) -> dict:
    """The enrol form's values, carried by the confirmation page in hidden inputs."""
    out = {}
    for f in form:
        if f.name == "csrf_token" or f.data in (None, "", False):
            continue
        out[f.name] = "y" if f.data is True else f.data.isoformat() if hasattr(f.data, "isoformat") else f.data
    return out


# ---- completion, absence, failure ------------------------------------------------------------

def _scoped_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound()
    require_person(enrolment.person_id, manage=True)
    return enrolment


@bp.route("/enrolments/<int:enrolment_id>/complete", methods=["GET", "POST"])
@require_roles("hr")
def enrolment_complete(enrolment_id: int):
    enrolment = _scoped_enrolment(enrolment_id)
    form = CompleteForm()
    if request.method == "GET":
        form.hours.data = f"{enrolment.course.hours.normalize():f}"
        form.completed_on.data = min(enrolment.session.ends_on, clock.today()) if enrolment.session else clock.today()
    if form.validate_on_submit():
        try:
            services.complete(enrolment, hours=form.hours.data, score=form.score.data,
                              completed_on=form.completed_on.data)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
            db.session.rollback()
        except Conflict as exc:
            form.form_errors.append(exc.message)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("已登记 %(name)s 结业。", name=enrolment.person.name), "success")
            return redirect(url_for("training.course", course_id=enrolment.course_id))
    return render_template("training/complete.html", form=form, enrolment=enrolment)


@bp.route("/enrolments/<int:enrolment_id>/outcome", methods=["POST"])
@require_roles("hr")
def enrolment_outcome(enrolment_id: int):
    enrolment = _scoped_enrolment(enrolment_id)
    outcome = request.form.get("outcome")
    if outcome == "absent":
        services.mark_absent(enrolment)
    elif outcome == "failed":
        services.mark_failed(enrolment, score=request.form.get("score"))
    else:
        raise ValidationFailed({"outcome": _("请选择登记结果")})
    db.session.commit()
    flash(_("已登记 %(name)s：%(status)s。", name=enrolment.person.name, status=enrolment.status.label), "success")
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("training.course", course_id=enrolment.course_id)
    return redirect(target)


@bp.route("/courses/<int:course_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@require_roles("hr")
def attendance(course_id: int, session_id: int):
    course = get_course(course_id)
    session = get_session(course, session_id)
    rows = db.session.execute(
        sa.select(Enrolment).join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.session_id == session.id, person_scope_clause(current_user, manage=True))
        .order_by(Person.department_path, Person.name)).scalars().all()
    errors: dict[str, str] = {}
    if request.method == "POST":
        marks = [services.AttendanceRow(e.id, request.form.get(f"outcome_{e.id}", ""),
                                        request.form.get(f"hours_{e.id}"), request.form.get(f"score_{e.id}"))
                 for e in rows if e.status is EnrolmentStatus.ENROLLED]
        try:
            done = services.record_attendance(session, marks)
        except ValidationFailed as exc:
            errors = exc.fields
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("已登记 %(done)s 人的培训结果。", done=done), "success")
            return redirect(url_for("training.course", course_id=course.id, session_id=session.id))
    return render_template("training/attendance.html", course=course, course_session=session, rows=rows, errors=errors,
                           form=request.form, taken=services.session_taken(session))


# ---- overview per department -------------------------------------------------------------------

OVERVIEW_FILTERS = {"all": "全部", "unmet": "未达标", "met": "已达标"}


def _as_of(year: int) -> date:
    today = clock.today()
    return today if year >= today.year else date(year, 12, 31)


def overview_query(dept: Department, year: int, met: str, q: str = ""):
    """(evaluation, SELECT of the active people of ``dept``'s subtree in scope, filtered)."""
    ev = queries.evaluation(year, _as_of(year))
    sel = ev.apply(sa.select(Person).select_from(Person)).where(
        subtree_clause(Person.department_path, dept.path), Person.status == PersonStatus.ACTIVE,
        person_scope_clause(current_user), services.registry.search_clause(q))
    if met == "met":
        sel = sel.where(ev.condition)
    elif met == "unmet":
        sel = sel.where(sa.not_(ev.condition))
    return ev, sel


def overview_rows(ev, people: list[Person], year: int) -> dict[int, dict]:
    if not people:
        return {}
    sel = queries.status_select(year, _as_of(year), parts=True, person_ids=[p.id for p in people])
    return {r.person_id: r._asdict() for r in db.session.execute(sel)}


class BreakdownRow(TypedDict):
    """One line of the overview's summary: a child department (or ``own``: the department itself)."""

    department: Department
    active: int
    met: int
    own: NotRequired[bool]
    rate: NotRequired[float]


def breakdown(ev, dept: Department) -> list[BreakdownRow]:
    """Met / active per child department of ``dept`` (one grouped query)."""
    rows = db.session.execute(ev.apply(
        sa.select(Person.department_path, sa.func.count(), sa.func.sum(sa.case((ev.condition, 1), else_=0)))
        .select_from(Person)).where(subtree_clause(Person.department_path, dept.path),
                                    Person.status == PersonStatus.ACTIVE, person_scope_clause(current_user))
        .group_by(Person.department_path)).all()
    children = db.session.execute(sa.select(Department).where(Department.parent_id == dept.id)
                                  .order_by(Department.sort_order, Department.id)).scalars().all()
    result = {c.id: BreakdownRow(department=c, active=0, met=0) for c in children}
    own = BreakdownRow(department=dept, active=0, met=0, own=True)
    for path, active, met in rows:
        child = next((c for c in children if path.startswith(c.path)), None)
        target = result[child.id] if child else own
        target["active"] += active
        target["met"] += int(met or 0)
    items = [own] if own["active"] else []
    items += [r for r in result.values() if r["active"]]
    for item in items:
        item["rate"] = item["met"] / item["active"] if item["active"] else 0
    return items


OVERVIEW_SORTS_BASE = {"name": Person.name, "department": Person.department_path}


def _overview_params():
    dept_id = request.args.get("department_id", type=int) or _default_department_id()
    dept = require_department(dept_id) if dept_id else None
    if dept is None:
        raise NotFound(_("单位不存在"))
    year = request.args.get("year", type=int) or clock.today().year
    if not 2000 <= year <= clock.today().year + 1:
        year = clock.today().year
    met = request.args.get("met", "unmet")
    met = met if met in OVERVIEW_FILTERS else "unmet"
    return dept, year, met


@bp.route("/overview")
@require_roles("hr")
def overview():
    dept, year, met = _overview_params()
    ev, sel = overview_query(dept, year, met, request.args.get("q", ""))
    sorts = dict(OVERVIEW_SORTS_BASE, integrity=ev.integrity_tenths, total=ev.total_tenths)
    listing = Listing(request.args, sorts, default_sort="department")
    page = listing.paginate(sel)
    summary = breakdown(ev, dept)
    active = sum(s["active"] for s in summary)
    met_count = sum(s["met"] for s in summary)
    courses = db.session.execute(sa.select(Course).where(Course.active.is_(True), Course.integrity.is_(True))
                                 .order_by(Course.category, Course.code)).scalars().all()
    return render_template("training/overview.html", dept=dept, year=year, met=met, page=page, listing=listing,
                           rows=overview_rows(ev, page.items, year), summary=summary, active=active,
                           met_count=met_count, departments=department_choices(), filters=OVERVIEW_FILTERS,
                           courses=courses, required=queries.settings().integrity_hours_per_year,
                           current_year=clock.today().year)


@bp.route("/overview/enrol", methods=["POST"])
@require_roles("hr")
def overview_enrol():
    """One action: enrol everyone of a department subtree who does not meet the requirement."""
    course = get_course(request.form.get("course_id", type=int) or 0)
    people, dept = enrol_selection("not_meeting", department_id=request.form.get("department_id", type=int))
    if request.form.get("confirm") != "1":          # first the preview (issue 19.4), then 确认报名
        from training.enrolment import enrolment_preview
        will, skip = enrolment_preview(course, people)
        return render_template("training/enrol_confirm.html", course=course, will=will, skip=skip, course_session=None,
                               back=url_for("training.overview", department_id=dept.id, met="unmet"),
                               hidden={"course_id": course.id, "department_id": dept.id},
                               action=url_for("training.overview_enrol"))
    enrolled, skipped = services.enrol(course, people, by=current_user)
    db.session.commit()
    flash(_("已将 %(department)s 培训未达标人员报名《%(course)s》：报名 %(enrolled)s 人，跳过 %(skipped)s 人（已报名或本年度已完成该课程）。",
            department=dept.name, course=course.title, enrolled=enrolled, skipped=skipped) if skipped else
          _("已将 %(department)s 培训未达标人员报名《%(course)s》：报名 %(enrolled)s 人。",
            department=dept.name, course=course.title, enrolled=enrolled),
          "success" if enrolled else "warning")
    return redirect(url_for("training.overview", department_id=dept.id, met="unmet"))


REQUIREMENT_LABELS = {"integrity_hours": "诚信教育学时", "annual_hours": "年度培训总学时", "initial": "初任培训",
                      "appointment": "任职培训", "leader_five_year": "五年累计学时"}


def missing_labels(row: dict) -> str:
    return "、".join(label for code, label in REQUIREMENT_LABELS.items() if row.get(f"ok_{code}") is False)


@bp.route("/overview.xlsx")
@require_roles("hr")
def overview_export():
    """The overview as an Excel workbook (core/excel/), the same scope and filters as the page."""
    from core.excel import export_response
    dept, year, met = _overview_params()
    ev, sel = overview_query(dept, year, met, request.args.get("q", ""))
    ids = sel.with_only_columns(Person.id).subquery()
    data = queries.status_select(year, _as_of(year), parts=True).add_columns(
        Person.name, Person.id_masked, Person.post, Department.name.label("department_name")) \
        .join(Department, Department.id == Person.department_id) \
        .where(Person.id.in_(sa.select(ids.c.id))).order_by(Person.department_path, Person.name)
    rows = [(r["name"], r["id_masked"], r["department_name"], r["post"] or "", float(r["integrity_hours"] or 0),
             float(r["total_hours"] or 0), bool(r["meets"]), "" if r["meets"] else missing_labels(r))
            for r in db.session.execute(data).mappings()]
    record_event("export", dept, f"导出培训达标情况 {dept.name} {year}年度（{OVERVIEW_FILTERS[met]}）{len(rows)} 行")
    db.session.commit()
    headers = ["姓名", "公民身份号码", "单位", "职务", f"{year}年度诚信教育学时", f"{year}年度培训总学时", "是否达标",
               "未达标事项"]
    return export_response(f"培训达标情况-{dept.name}-{clock.today():%Y%m%d}.xlsx", headers, rows,
                           sheet_title=f"{year}年度培训达标情况")
