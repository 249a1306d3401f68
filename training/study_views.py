"""The servant's pages: my training, the catalogue, online study, the quiz (phone-friendly), the
result, and certificates. A user without a linked person (sysadmin, auditor) has nothing here."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.accounts.permissions import require_person, require_roles
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.files import Attachment, send_attachment
from training import certificates, services
from training.enums import CourseCategory, CourseMode, EnrolmentStatus
from training.models import Course, CourseSession, Enrolment, QuizAttempt
from training.rules import reveal_wrong_answers
from training.views import bp, course_filters, get_course


def own_person():
    if not current_user.person_id:
        raise NotFound(_("当前账户未关联人员信息"))
    return require_person(current_user.person_id)


def suggested_courses(ev, person_id: int, today: date) -> dict[str, list[Course]]:
    """For each unmet requirement, the active courses that would meet it (not completed this year)."""
    done = set(db.session.execute(sa.select(Enrolment.course_id).where(
        Enrolment.person_id == person_id, Enrolment.status == EnrolmentStatus.COMPLETED,
        Enrolment.completed_on >= date(today.year, 1, 1))).scalars())
    wanted = {"integrity_hours": Course.integrity.is_(True),
              "annual_hours": Course.mode == CourseMode.ONLINE,
              "leader_five_year": Course.mode == CourseMode.ONLINE,
              "initial": sa.and_(Course.category == CourseCategory.INITIAL, Course.integrity.is_(True)),
              "appointment": Course.category == CourseCategory.APPOINTMENT}
    result = {}
    for gap in ev.gaps:
        rows = db.session.execute(sa.select(Course).where(Course.active.is_(True), wanted[gap.code])
                                  .order_by(Course.mode.desc(), Course.hours.desc(), Course.code)).scalars().all()
        result[gap.code] = [c for c in rows if c.id not in done][:6]
    return result


@bp.route("/my")
@require_roles("servant", "hr")
def my_training():
    person = own_person()
    today = clock.today()
    ev = services.training_status(person, today.year, today)
    rows = db.session.execute(sa.select(Enrolment).where(Enrolment.person_id == person.id)
                              .order_by(Enrolment.completed_on.desc().nulls_first(), Enrolment.id.desc())
                              ).scalars().all()
    due = [e for e in rows if e.status is EnrolmentStatus.ENROLLED]
    done = [e for e in rows if e.status is EnrolmentStatus.COMPLETED]
    other = [e for e in rows if e.status in (EnrolmentStatus.ABSENT, EnrolmentStatus.FAILED)]
    integrity = ev.get("integrity_hours")
    rate = min(1, float(integrity.done_hours / integrity.required_hours)) if integrity and integrity.required_hours \
        else 1
    return render_template("training/my.html", person=person, ev=ev, due=due, done=done, other=other,
                           suggestions=suggested_courses(ev, person.id, today), rate=rate, today=today,
                           integrity=integrity)


@bp.route("/catalogue")
@require_roles("servant", "hr")
def catalogue():
    sel = course_filters(sa.select(Course).where(Course.active.is_(True)), request.args)
    items = db.session.execute(sel.order_by(Course.mode.desc(), Course.category, Course.code)).scalars().all()
    upcoming = db.session.execute(sa.select(CourseSession).where(
        CourseSession.course_id.in_([c.id for c in items]), CourseSession.ends_on >= clock.today())
        .order_by(CourseSession.starts_on)).scalars().all()
    sessions: dict[int, list] = {}
    for s in upcoming:
        sessions.setdefault(s.course_id, []).append(s)
    return render_template("training/catalogue.html", courses=items, sessions=sessions,
                           categories=CourseCategory.choices(), category=request.args.get("category", ""))


def _study_context(course: Course, person):
    today = clock.today()
    return {"course": course, "person": person, "attachments": services.course_attachments(course),
            "done": services.completed_this_year(person.id, course, today) if person else None,
            "enrolment": services.open_enrolment(person.id, course) if person else None,
            "attempts": db.session.execute(sa.select(QuizAttempt).where(
                QuizAttempt.person_id == person.id, QuizAttempt.course_id == course.id)
                .order_by(QuizAttempt.id.desc()).limit(5)).scalars().all() if person else []}


def _visible_course(course_id: int) -> Course:
    course = get_course(course_id)
    if not course.active and not current_user.has_role("hr"):
        raise NotFound(_("课程不存在或已停用"))
    return course


@bp.route("/courses/<int:course_id>/study")
@require_roles("servant", "hr")
def study(course_id: int):
    course = _visible_course(course_id)
    person = own_person() if current_user.person_id else None
    return render_template("training/study.html", **_study_context(course, person))


@bp.route("/courses/<int:course_id>/finish", methods=["POST"])
@require_roles("servant", "hr")
def finish(course_id: int):
    course = _visible_course(course_id)
    enrolment = services.finish_study(own_person(), course)
    db.session.commit()
    flash(_("已完成《%(title)s》的学习，登记 %(hours)s 学时。", title=course.title, hours=services.format_hours(enrolment.credited_hours)), "success")
    return redirect(url_for("training.my_training"))


@bp.route("/courses/<int:course_id>/quiz", methods=["GET", "POST"])
@require_roles("servant", "hr")
def quiz(course_id: int):
    course = _visible_course(course_id)
    person = own_person()
    if not course.questions:
        raise NotFound(_("该课程没有测验"))
    errors: dict[str, str] = {}
    chosen: dict[str, list[str]] = {}
    message = None
    if request.method == "POST":
        chosen = {str(q.id): request.form.getlist(f"q{q.id}") for q in course.questions}
        try:
            attempt = services.submit_quiz(person, course, chosen)
        except ValidationFailed as exc:
            db.session.rollback()
            errors, message = exc.fields, exc.message
        except Conflict as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("training.study", course_id=course.id))
        else:
            db.session.commit()
            return redirect(url_for("training.attempt", attempt_id=attempt.id))
    else:
        services.check_self_study(person, course)
    state = services.quiz_state(person.id, course)
    if state.exhausted:
        flash(_("今天的 %(n)s 次测验机会已用完，请复习学习资料后明天再试。", n=state.per_day), "warning")
        return redirect(url_for("training.study", course_id=course.id))
    return render_template("training/quiz.html", course=course, errors=errors, chosen=chosen, message=message,
                           paper=services.quiz_paper(course, person.id, state.number), state=state,
                           letters="ABCDEFGHIJ")


@bp.route("/attempts/<int:attempt_id>")
@require_roles("servant", "hr")
def attempt(attempt_id: int):
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.person_id != current_user.person_id:
        raise NotFound()
    questions = attempt.course.questions
    wrong = [q for q in questions if not services.question_correct(q, attempt.answers.get(str(q.id)))]
    today = clock.today()
    ev = services.training_status(own_person(), today.year, today)
    state = services.quiz_state(attempt.person_id, attempt.course)
    # which answers were wrong only once passed or today's attempts are used up (issue 19)
    reveal = reveal_wrong_answers(attempt.passed, state.left)
    return render_template("training/attempt.html", attempt=attempt, course=attempt.course, wrong=wrong,
                           total=len(questions), ev=ev, state=state, reveal=reveal)


@bp.route("/enrolments/<int:enrolment_id>/certificate.pdf")
@require_roles("servant", "hr")
def certificate(enrolment_id: int):
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound()
    require_person(enrolment.person_id)
    doc, data = certificates.issue_certificate(enrolment, issued_by=current_user)
    db.session.commit()
    name = f"结业证书-{enrolment.person.name}-{enrolment.course.code}.pdf"
    from urllib.parse import quote
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=certificate.pdf; filename*=UTF-8''{quote(name)}",
        "X-Document-Serial": doc.serial, "Cache-Control": "no-store"})


@bp.route("/courses/<int:course_id>/attachments/<int:attachment_id>")
@require_roles("servant", "hr")
def attachment(course_id: int, attachment_id: int):
    course = _visible_course(course_id)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.owner_type != "course" or att.owner_id != course.id:
        raise NotFound()
    return send_attachment(att)
