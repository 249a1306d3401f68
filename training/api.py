"""API.md "Training": courses, enrolments, completions, a person's training evaluation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pydantic
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.accounts.permissions import (
    person_scope_clause,
    require_catalogue_change,
    require_department,
    require_person,
)
from core.api import Body, PageQuery, Query, api_blueprint, api_route, page_of
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from training import services
from training.enums import CourseCategory, CourseMode, EnrolmentStatus
from training.models import Course, CourseSession, Enrolment
from training.rules import format_hours

bp = api_blueprint("training_api")


def _hours(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def course_json(c: Course) -> dict:
    return {"id": c.id, "code": c.code, "title": c.title, "category": c.category.value,
            "category_label": c.category.zh, "integrity": c.integrity, "hours": _hours(c.hours),
            "mode": c.mode.value, "description": c.description, "pass_mark": c.pass_mark, "active": c.active,
            "quiz_questions": len(c.questions), "version": c.version,
            "sessions": [{"id": s.id, "title": s.title, "starts_on": s.starts_on.isoformat(),
                          "ends_on": s.ends_on.isoformat(), "place": s.place, "capacity": s.capacity,
                          "organiser": s.organiser} for s in c.sessions]}


def enrolment_json(e: Enrolment) -> dict:
    return {"id": e.id, "person_id": e.person_id, "course_id": e.course_id, "course_code": e.course.code,
            "course_title": e.course.title, "category": e.course.category.value, "integrity": e.course.integrity,
            "session_id": e.session_id, "status": e.status.value, "source": e.source.value,
            "enrolled_on": e.enrolled_on.isoformat(), "due_on": e.due_on.isoformat() if e.due_on else None,
            "completed_on": e.completed_on.isoformat() if e.completed_on else None,
            "hours": _hours(e.hours_credited), "score": e.score, "certificate_no": e.certificate_no,
            "version": e.version}


def _check_hours(value):
    """学时 as given (number or numeric text); the Chinese message of services.parse_hours otherwise."""
    if value is None:
        return None
    try:
        return services.parse_hours(value, required=False)
    except ValidationFailed as exc:
        raise ValueError(next(iter(exc.fields.values()))) from None


class CourseQuery(PageQuery):
    category: CourseCategory | None = None
    mode: CourseMode | None = None
    q: str | None = pydantic.Field(None, max_length=100)
    active: bool | None = None


class CourseIn(Body):
    code: str = pydantic.Field(min_length=1, max_length=20)
    title: str = pydantic.Field(min_length=1, max_length=200)
    category: CourseCategory
    integrity: bool
    hours: Decimal
    mode: CourseMode
    description: str = pydantic.Field("", max_length=5000)
    pass_mark: int = pydantic.Field(60, ge=0, le=100)
    active: bool = True

    @pydantic.field_validator("hours", mode="before")
    @classmethod
    def hours_valid(cls, value):
        return _check_hours(value)


class CoursePatch(Body):
    version: int = pydantic.Field(ge=1)
    title: str | None = pydantic.Field(None, min_length=1, max_length=200)
    category: CourseCategory | None = None
    integrity: bool | None = None
    hours: Decimal | None = None
    mode: CourseMode | None = None
    description: str | None = pydantic.Field(None, max_length=5000)
    pass_mark: int | None = pydantic.Field(None, ge=0, le=100)
    active: bool | None = None

    @pydantic.field_validator("hours", mode="before")
    @classmethod
    def hours_valid(cls, value):
        return _check_hours(value)


class EnrolIn(Body):
    person_ids: list[int] | None = pydantic.Field(None, min_length=1, max_length=100_000)
    department_id: int | None = pydantic.Field(None, ge=1)
    not_meeting: bool = False
    session_id: int | None = pydantic.Field(None, ge=1)
    due_on: date | None = None

    @pydantic.model_validator(mode="after")
    def one_target(self):
        if (self.person_ids is None) == (self.department_id is None):
            raise ValueError("须提供 person_ids 或 department_id 之一")
        return self


class CompletionIn(Body):
    person_id: int = pydantic.Field(ge=1)
    completed_on: date
    hours: Decimal | None = None
    score: int | None = pydantic.Field(None, ge=0, le=100)

    @pydantic.field_validator("hours", mode="before")
    @classmethod
    def hours_valid(cls, value):
        return _check_hours(value)


class TrainingQuery(Query):
    year: int | None = pydantic.Field(None, ge=2000, le=2100)
    as_of: date | None = None


def _course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound(_("课程不存在"))
    return course


@api_route(bp, "/courses", summary="课程目录", query=CourseQuery, roles=("hr", "servant"))
def list_courses(query):
    sel = sa.select(Course)
    if query.category:
        sel = sel.where(Course.category == query.category)
    if query.mode:
        sel = sel.where(Course.mode == query.mode)
    if query.q:
        sel = sel.where(sa.or_(Course.title.contains(query.q, autoescape=True),
                               Course.code.contains(query.q.upper(), autoescape=True)))
    if query.active is not None:
        sel = sel.where(Course.active.is_(query.active))
    return page_of(sel.order_by(Course.code), query.page, query.per_page, course_json)


@api_route(bp, "/courses", ["POST"], summary="新建课程", body=CourseIn, roles=("hr",), status=201)
def create_course(body):
    course = services.create_course(services.CourseInput(**body.model_dump()),
                                    owner_department_id=current_user.department_id)
    return course_json(course)


@api_route(bp, "/courses/<int:course_id>", summary="课程详情", roles=("hr", "servant"))
def get_course(course_id):
    return course_json(_course(course_id))


@api_route(bp, "/courses/<int:course_id>", ["PATCH"], summary="修改课程（带 version）", body=CoursePatch, roles=("hr",))
def patch_course(course_id, body):
    course = _course(course_id)
    require_catalogue_change(course)
    current = {"code": course.code, "title": course.title, "category": course.category, "integrity": course.integrity,
               "hours": course.hours, "mode": course.mode, "description": course.description,
               "pass_mark": course.pass_mark, "active": course.active}
    current.update(body.model_dump(exclude_unset=True, exclude={"version"}, exclude_none=True))
    services.update_course(course, services.CourseInput(**current), version=body.version)
    return course_json(course)


@api_route(bp, "/courses/<int:course_id>/enrolments", ["POST"], summary="报名（人员或单位含下级）",
           body=EnrolIn, roles=("hr",))
def enrol(course_id, body):
    course = _course(course_id)
    session = None
    if body.session_id:
        session = db.session.get(CourseSession, body.session_id)
        if session is None or session.course_id != course.id:
            raise ValidationFailed({"session_id": _("班次不属于该课程")})
    if body.person_ids is not None:
        people = [require_person(pid, manage=True) for pid in dict.fromkeys(body.person_ids)]
    else:
        dept = require_department(body.department_id)
        # a bulk act by department skips the officer's own person (no one acts on their own file)
        people = services.department_people(dept).where(person_scope_clause(current_user, manage=True))
        if body.not_meeting:
            today = clock.today()
            from core.registry.models import Person
            people = people.where(Person.id.in_(services.people_not_meeting_training(today.year, today)))
    enrolled, skipped = services.enrol(course, people, session, due_on=body.due_on)
    return {"enrolled": enrolled, "skipped": skipped}


@api_route(bp, "/courses/<int:course_id>/completions", ["POST"], summary="登记结业（外部平台或人工）",
           body=CompletionIn, roles=("hr",), status=201)
def record_completion(course_id, body):
    course = _course(course_id)
    person = require_person(body.person_id, manage=True)
    enrolment, created = services.record_completion(person, course, completed_on=body.completed_on,
                                                    hours=body.hours, score=body.score)
    if not created:
        raise Conflict("duplicate_completion", _("该人员在同一日期已有本课程的结业记录"),
                       {"completed_on": _("该日期已登记过本课程的结业")})
    return enrolment_json(enrolment)


@api_route(bp, "/people/<int:person_id>/training", summary="个人培训达标情况（按年度）", query=TrainingQuery,
           roles=("hr", "servant", "committee"))
def person_training(person_id, query):
    person = require_person(person_id)
    today = clock.today()
    year = query.year or (query.as_of or today).year
    as_of = query.as_of or (today if year >= today.year else date(year, 12, 31))
    ev = services.training_status(person, year, as_of)
    completions = db.session.execute(
        sa.select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.status == EnrolmentStatus.COMPLETED,
                                   Enrolment.completed_on >= date(year, 1, 1), Enrolment.completed_on <= date(year, 12, 31))
        .order_by(Enrolment.completed_on)).scalars().all()
    open_ = db.session.execute(sa.select(Enrolment).where(Enrolment.person_id == person.id,
                                                          Enrolment.status == EnrolmentStatus.ENROLLED)
                               .order_by(Enrolment.due_on)).scalars().all()
    result = services.evaluation_to_dict(ev)
    result.update({"person_id": person.id, "as_of": as_of.isoformat(),
                   "summary": f"{year}年度诚信教育学时 {format_hours(ev.integrity_hours)}，"
                              f"{'已达标' if ev.meets else '未达标'}",
                   "completions": [enrolment_json(e) for e in completions],
                   "enrolments": [enrolment_json(e) for e in open_]})
    return result
