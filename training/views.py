"""HR pages of the course catalogue: courses, materials, attachments, quiz questions, sessions.

The blueprint's other pages live next to it: enrolment, attendance and the overview in
``training/enrol_views.py``; the servant's study pages in ``training/study_views.py``.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.permissions import person_scope_clause, require_catalogue_change, require_roles
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.listing import Listing
from core.registry.models import Person
from training import services
from training.enums import CourseCategory, CourseMode, EnrolmentStatus
from training.forms import CourseForm, MaterialForm, QuestionForm, SessionForm
from training.models import Course, CourseMaterial, CourseSession, Enrolment, QuizQuestion
from training.rules import format_hours

bp = Blueprint("training", __name__, url_prefix="/training")

COURSE_SORTS = {"code": Course.code, "title": Course.title, "category": Course.category, "hours": Course.hours,
                "mode": Course.mode, "updated": Course.updated_at}


@bp.app_template_filter("hours")
def hours_filter(value) -> str:
    """学时 for display: 40 not 4E+1, 1.5 not 1.50."""
    return "—" if value is None else format_hours(Decimal(value))


def get_course(course_id: int, *, change: bool = False) -> Course:
    """A course; ``change``: the current HR's department owns it (or is above its owner), else 403."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound(_("课程不存在"))
    if change:
        require_catalogue_change(course)
    return course


def _owned(model, object_id: int, course: Course):
    obj = db.session.get(model, object_id)
    if obj is None or obj.course_id != course.id:
        raise NotFound()
    return obj


def course_filters(sel, args):
    category = args.get("category", "")
    if category in CourseCategory.codes():
        sel = sel.where(Course.category == CourseCategory(category))
    mode = args.get("mode", "")
    if mode in CourseMode.codes():
        sel = sel.where(Course.mode == CourseMode(mode))
    q = (args.get("q") or "").strip()[:100]
    if q:
        sel = sel.where(sa.or_(Course.title.contains(q, autoescape=True), Course.code.contains(q.upper(),
                                                                                              autoescape=True)))
    return sel


def scoped_counts(course_ids: list[int]) -> dict[int, dict[str, int]]:
    """Enrolment counts by course and status, over the people in the current user's scope."""
    counts: dict[int, dict[str, int]] = {cid: {} for cid in course_ids}
    if not course_ids:
        return counts
    rows = db.session.execute(
        sa.select(Enrolment.course_id, Enrolment.status, sa.func.count())
        .join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.course_id.in_(course_ids), person_scope_clause(current_user))
        .group_by(Enrolment.course_id, Enrolment.status)).all()
    for cid, status, n in rows:
        counts[cid][status.value] = n
    return counts


@bp.route("/courses")
@require_roles("hr")
def courses():
    listing = Listing(request.args, COURSE_SORTS, default_sort="code")
    sel = sa.select(Course)
    if request.args.get("active", "1") == "1":
        sel = sel.where(Course.active.is_(True))
    page = listing.paginate(course_filters(sel, request.args))
    return render_template("training/courses.html", page=page, listing=listing,
                           counts=scoped_counts([c.id for c in page.items]),
                           categories=CourseCategory.choices(), modes=CourseMode.choices())


def _course_input(form: CourseForm) -> services.CourseInput:
    return services.CourseInput(code=form.code.data, title=form.title.data, category=form.category.data,
                                integrity=form.integrity.data, hours=form.hours.data, mode=form.mode.data,
                                description=form.description.data or "", pass_mark=form.pass_mark.data,
                                active=form.active.data)


@bp.route("/courses/new", methods=["GET", "POST"])
@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@require_roles("hr")
def course_form(course_id: int | None = None):
    course = get_course(course_id, change=True) if course_id else None
    form = CourseForm(obj=course if request.method == "GET" else None)
    if request.method == "GET" and course is not None:
        form.hours.data = f"{course.hours.normalize():f}"
        form.pass_mark.data = str(course.pass_mark)
        form.category.data, form.mode.data = course.category.value, course.mode.value
    if form.validate_on_submit():
        try:
            if course is None:
                course = services.create_course(_course_input(form),
                                                owner_department_id=current_user.department_id)
            else:
                services.update_course(course, _course_input(form), version=_int(form.version.data))
        except (ValidationFailed, Conflict) as exc:
            if exc.fields:
                apply_field_errors(form, exc.fields)
            else:
                form.form_errors.append(exc.message)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("课程《%(title)s》已保存。", title=course.title), "success")
            return redirect(url_for("training.course", course_id=course.id))
    return render_template("training/course_form.html", form=form, course=course)


def _int(value) -> int | None:
    from core.safe_args import safe_int
    return safe_int(value)       # beyond 32 bits: no row, never a 500


ENROLMENT_SORTS = {"name": Person.name, "department": Person.department_path, "status": Enrolment.status,
                   "enrolled_on": Enrolment.enrolled_on, "completed_on": Enrolment.completed_on}


@bp.route("/courses/<int:course_id>")
@require_roles("hr")
def course(course_id: int):
    course = get_course(course_id)
    listing = Listing(request.args, ENROLMENT_SORTS, default_sort="department")
    sel = (sa.select(Enrolment).join(Person, Person.id == Enrolment.person_id)
           .where(Enrolment.course_id == course.id, person_scope_clause(current_user))
           .where(services.registry.search_clause(listing.q)))
    status = request.args.get("status", "")
    if status in EnrolmentStatus.codes():
        sel = sel.where(Enrolment.status == EnrolmentStatus(status))
    session_id = request.args.get("session_id", type=int)
    if session_id:
        sel = sel.where(Enrolment.session_id == session_id)
    page = listing.paginate(sel)
    taken = {s.id: services.session_taken(s) for s in course.sessions}
    return render_template("training/course.html", course=course, page=page, listing=listing, status=status,
                           session_id=session_id, taken=taken, counts=scoped_counts([course.id])[course.id],
                           attachments=services.course_attachments(course), statuses=EnrolmentStatus.choices())


# ---- materials and attachments --------------------------------------------------------------------

@bp.route("/courses/<int:course_id>/materials/new", methods=["GET", "POST"])
@require_roles("hr")
def material_new(course_id: int):
    return _material_form(get_course(course_id, change=True), None)


@bp.route("/courses/<int:course_id>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@require_roles("hr")
def material_edit(course_id: int, material_id: int):
    course = get_course(course_id, change=True)
    return _material_form(course, _owned(CourseMaterial, material_id, course))


def _material_form(course: Course, material: CourseMaterial | None):
    form = MaterialForm(obj=material if request.method == "GET" else None)
    if request.method == "GET" and material is not None:
        form.kind.data, form.order.data = material.kind.value, str(material.order)
    if form.validate_on_submit():
        values = {"title": form.title.data, "kind": form.kind.data, "body": form.body.data,
                  "order": _int(form.order.data)}
        try:
            if material is None:
                services.add_material(course, **values)
            else:
                services.update_material(material, **values)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("学习资料已保存。"), "success")
            return redirect(url_for("training.course", course_id=course.id, _anchor="materials"))
    return render_template("training/material_form.html", form=form, course=course, material=material)


@bp.route("/courses/<int:course_id>/materials/<int:material_id>/delete", methods=["POST"])
@require_roles("hr")
def material_delete(course_id: int, material_id: int):
    course = get_course(course_id, change=True)
    services.delete_material(_owned(CourseMaterial, material_id, course))
    db.session.commit()
    flash(_("学习资料已删除。"), "success")
    return redirect(url_for("training.course", course_id=course.id, _anchor="materials"))


@bp.route("/courses/<int:course_id>/attachments", methods=["POST"])
@require_roles("hr")
def attachment_upload(course_id: int):
    course = get_course(course_id, change=True)
    services.attach_file(course, request.files.get("file"), uploaded_by=current_user)
    db.session.commit()
    flash(_("附件已上传。"), "success")
    return redirect(url_for("training.course", course_id=course.id, _anchor="materials"))


# ---- quiz questions ----------------------------------------------------------------------------

@bp.route("/courses/<int:course_id>/questions/new", methods=["GET", "POST"])
@require_roles("hr")
def question_new(course_id: int):
    return _question_form(get_course(course_id, change=True), None)


@bp.route("/courses/<int:course_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@require_roles("hr")
def question_edit(course_id: int, question_id: int):
    course = get_course(course_id, change=True)
    return _question_form(course, _owned(QuizQuestion, question_id, course))


def _question_form(course: Course, question: QuizQuestion | None):
    form = QuestionForm(obj=question if request.method == "GET" else None)
    if request.method == "GET" and question is not None:
        form.load(question)
    if form.validate_on_submit():
        values = {"text": form.text.data, "multiple": form.multiple.data, "options": form.option_texts(),
                  "correct": form.correct.data or [], "points": form.points.data}
        try:
            if question is None:
                services.add_question(course, **values)
            else:
                services.update_question(question, **values)
        except ValidationFailed as exc:
            apply_field_errors(form, {("option_a" if k == "options" else k): v for k, v in exc.fields.items()})
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("题目已保存。"), "success")
            if question is None and request.form.get("next") == "another":
                return redirect(url_for("training.question_new", course_id=course.id))
            return redirect(url_for("training.course", course_id=course.id, _anchor="quiz"))
    return render_template("training/question_form.html", form=form, course=course, question=question)


@bp.route("/courses/<int:course_id>/questions/<int:question_id>/delete", methods=["POST"])
@require_roles("hr")
def question_delete(course_id: int, question_id: int):
    course = get_course(course_id, change=True)
    services.delete_question(_owned(QuizQuestion, question_id, course))
    db.session.commit()
    flash(_("题目已删除。"), "success")
    return redirect(url_for("training.course", course_id=course.id, _anchor="quiz"))


# ---- sessions ---------------------------------------------------------------------------------

@bp.route("/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
@require_roles("hr")
def session_form(course_id: int):
    course = get_course(course_id)
    form = SessionForm()
    if request.method == "GET" and current_user.department is not None:
        form.organiser.data = current_user.department.name
    if form.validate_on_submit():
        try:
            services.add_session(course, title=form.title.data, starts_on=form.starts_on.data,
                                 ends_on=form.ends_on.data, place=form.place.data, capacity=form.capacity.data,
                                 organiser=form.organiser.data)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("班次已开设。"), "success")
            return redirect(url_for("training.course", course_id=course.id, _anchor="sessions"))
    return render_template("training/session_form.html", form=form, course=course)


def get_session(course: Course, session_id: int) -> CourseSession:
    return _owned(CourseSession, session_id, course)


from training import enrol_views, study_views  # noqa: E402,F401 - register the other pages on bp
