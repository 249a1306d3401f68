"""The course catalogue: courses, materials and attachments, quiz questions, sessions (班次)."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _

from core import changes as core_changes
from core import clock
from core.audit.services import record_event
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from training.enums import CourseCategory, CourseMode, EnrolmentStatus, MaterialKind
from training.models import (
    Course,
    CourseMaterial,
    CourseSession,
    Enrolment,
    QuizQuestion,
    to_safe_html,
)
from training.values import CODE_RE, OPTION_KEYS, parse_date, parse_hours, parse_score

if TYPE_CHECKING:
    from core.files import Attachment

ENROLLED, COMPLETED = EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED

# ---- courses ------------------------------------------------------------------------------

@dataclass
class CourseInput:
    code: str
    title: str
    category: CourseCategory | str
    integrity: bool
    hours: Decimal | str | float
    mode: CourseMode | str
    description: str = ""
    pass_mark: int | str = 60
    active: bool = True


def _clean_course(data: CourseInput, *, course: Course | None = None) -> dict:
    fields: dict[str, str] = {}
    values: dict = {}
    code = (data.code or "").strip().upper()
    if not code:
        fields["code"] = _("请填写课程编号")
    elif not CODE_RE.match(code):
        fields["code"] = _("课程编号为 2–20 位字母、数字或 - _ .，例如 CX-2026-01")
    values["code"] = code
    title = (data.title or "").strip()
    if not title:
        fields["title"] = _("请填写课程名称")
    elif len(title) > 200:
        fields["title"] = _("课程名称不能超过 200 个字符")
    values["title"] = title
    try:
        values["category"] = CourseCategory(data.category)
    except ValueError:
        fields["category"] = _("请选择课程类别")
    try:
        values["mode"] = CourseMode(data.mode)
    except ValueError:
        fields["mode"] = _("请选择培训方式")
    try:
        values["hours"] = parse_hours(data.hours)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    try:
        mark = parse_score(data.pass_mark, field="pass_mark")
        values["pass_mark"] = 60 if mark is None else mark
    except ValidationFailed:
        fields["pass_mark"] = _("及格分须为 0 到 100 的整数")  # noqa: S105 - a message, not a password
    values["integrity"] = bool(data.integrity)
    values["active"] = bool(data.active)
    description = (data.description or "").strip()
    if len(description) > 5000:
        fields["description"] = _("课程简介不能超过 5000 个字符")
    values["description"] = description
    if fields:
        raise ValidationFailed(fields)
    duplicate = db.session.execute(sa.select(Course.id).where(Course.code == code)).scalar()
    if duplicate is not None and (course is None or duplicate != course.id):
        raise Conflict("duplicate_code", _("课程编号已存在"), {"code": _("该课程编号已被其他课程使用")})
    return values


def create_course(data: CourseInput, *, owner_department_id: int | None = None) -> Course:
    """A new course, owned by ``owner_department_id`` (the creating HR's department)."""
    values = _clean_course(data)
    course = Course(**values, owner_department_id=owner_department_id)
    db.session.add(course)
    db.session.flush()
    record_event("course_create", course, f"{course.code} {course.title}")
    return course


def update_course(course: Course, data: CourseInput, *, version: int | None = None) -> Course:
    if version is not None and version != course.version:
        raise Conflict("stale_version", _("该课程已被他人修改，请刷新后重试"))
    values = _clean_course(data, course=course)
    changed = [k for k, v in values.items() if getattr(course, k) != v]
    for key in changed:
        setattr(course, key, values[key])
    if changed:
        db.session.flush()
        record_event("course_update", course, f"{course.code} 修改: " + "、".join(changed))
        core_changes.changed(None, core_changes.SHARED)      # every file shows course titles
        if {"category", "integrity"} & set(changed):
            # the requirements count completions by the course's category: this year's summary
            # of the people who completed it follows (core.changes TRAINING, noted by the refresh)
            from training.status import refresh_training_status
            people = db.session.execute(sa.select(Enrolment.person_id).where(
                Enrolment.course_id == course.id, Enrolment.status == EnrolmentStatus.COMPLETED).distinct()
            ).scalars().all()
            if people:
                refresh_training_status(people, clock.today().year)
    return course


def course_by_code(code: str) -> Course | None:
    code = (code or "").strip().upper()
    return db.session.execute(sa.select(Course).where(Course.code == code)).scalar_one_or_none() if code else None


def _material_values(title: str, kind, body: str, order) -> dict:
    fields = {}
    title = (title or "").strip()
    if not title:
        fields["title"] = _("请填写资料标题")
    elif len(title) > 200:
        fields["title"] = _("资料标题不能超过 200 个字符")
    try:
        kind = MaterialKind(kind)
    except ValueError:
        fields["kind"] = _("请选择资料类型")
    body = (body or "").strip()
    if not body:
        fields["body"] = _("请填写资料正文")
    elif len(body) > 100_000:
        fields["body"] = _("资料正文过长（不超过 10 万字）")
    if fields:
        raise ValidationFailed(fields)
    return {"title": title, "kind": kind, "body": to_safe_html(body),
            "order": int(order or 0)}


def add_material(course: Course, *, title: str, kind, body: str, order: int | None = None) -> CourseMaterial:
    values = _material_values(title, kind, body, order if order is not None else len(course.materials) + 1)
    material = CourseMaterial(course=course, **values)
    db.session.add(material)
    db.session.flush()
    record_event("course_material_add", course, f"{course.code} 资料: {material.title}")
    return material


def update_material(material: CourseMaterial, *, title: str, kind, body: str, order: int | None = None
                    ) -> CourseMaterial:
    for key, value in _material_values(title, kind, body, order if order is not None else material.order).items():
        setattr(material, key, value)
    db.session.flush()
    record_event("course_material_update", material.course, f"{material.course.code} 资料: {material.title}")
    return material


def delete_material(material: CourseMaterial) -> None:
    course = material.course
    course.materials.remove(material)
    db.session.flush()
    record_event("course_material_delete", course, f"{course.code} 删除资料: {material.title}")


def attach_file(course: Course, storage, *, uploaded_by=None):
    """A PDF/JPG/PNG attachment of a course (stored by core.files, owner_type "course")."""
    from core.files import save_upload
    att = save_upload(storage, owner_type="course", owner_id=course.id, uploaded_by=uploaded_by)
    record_event("course_attachment_add", course, f"{course.code} 附件: {att.original_name}")
    return att


def course_attachments(course: Course) -> Sequence[Attachment]:
    from core.files import Attachment
    return db.session.execute(sa.select(Attachment).where(Attachment.owner_type == "course",
                                                          Attachment.owner_id == course.id)
                              .order_by(Attachment.id)).scalars().all()


def _question_values(text: str, multiple: bool, options: list[str], correct: Collection[str], points) -> dict:
    fields = {}
    text = (text or "").strip()
    if not text:
        fields["text"] = _("请填写题目")
    elif len(text) > 2000:
        fields["text"] = _("题目不能超过 2000 个字符")
    texts = [(o or "").strip() for o in options]
    while texts and not texts[-1]:
        texts.pop()
    if len(texts) < 2 or any(not t for t in texts):
        fields["options"] = _("请至少填写两个选项，且选项之间不能留空")
    elif len(texts) > len(OPTION_KEYS):
        fields["options"] = _("选项不能超过 %(len)s 个", len=len(OPTION_KEYS))
    keys = OPTION_KEYS[:len(texts)]
    chosen = sorted({str(c).strip().upper() for c in correct if str(c).strip()})
    if not chosen:
        fields["correct"] = _("请选择正确答案")
    elif any(c not in keys for c in chosen):
        fields["correct"] = _("正确答案须为已填写的选项")
    elif not multiple and len(chosen) != 1:
        fields["correct"] = _("单选题只能有一个正确答案")
    try:
        points = int(points if points not in (None, "") else 1)
        if not 1 <= points <= 100:
            raise ValueError
    except (TypeError, ValueError):
        fields["points"] = _("分值须为 1 到 100 的整数")
    if fields:
        raise ValidationFailed(fields)
    return {"text": text, "multiple": bool(multiple), "points": points, "correct": chosen,
            "options": [{"key": k, "text": t} for k, t in zip(keys, texts)]}


def add_question(course: Course, *, text: str, multiple: bool, options: list[str], correct: Collection[str],
                 points: int = 1) -> QuizQuestion:
    question = QuizQuestion(course=course, order=len(course.questions) + 1,
                            **_question_values(text, multiple, options, correct, points))
    db.session.add(question)
    db.session.flush()
    record_event("quiz_question_add", course, f"{course.code} 题目 {question.order}")
    return question


def update_question(question: QuizQuestion, *, text: str, multiple: bool, options: list[str],
                    correct: Collection[str], points: int = 1) -> QuizQuestion:
    for key, value in _question_values(text, multiple, options, correct, points).items():
        setattr(question, key, value)
    db.session.flush()
    record_event("quiz_question_update", question.course, f"{question.course.code} 题目 {question.order}")
    return question


def delete_question(question: QuizQuestion) -> None:
    course = question.course
    course.questions.remove(question)
    db.session.flush()
    record_event("quiz_question_delete", course, f"{course.code} 删除题目")


# ---- sessions -----------------------------------------------------------------------------

def add_session(course: Course, *, starts_on, ends_on, capacity, place: str = "", organiser: str = "",
                title: str = "") -> CourseSession:
    fields = {}
    if course.mode is not CourseMode.CLASSROOM:
        raise Conflict("not_classroom", _("网络课程无需开设班次"))
    try:
        starts_on = parse_date(starts_on, field="starts_on", label="开班日期")
    except ValidationFailed as exc:
        fields.update(exc.fields)
    try:
        ends_on = parse_date(ends_on, field="ends_on", label="结业日期")
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if not fields and ends_on < starts_on:
        fields["ends_on"] = _("结业日期不能早于开班日期")
    try:
        capacity = int(capacity)
        if not 1 <= capacity <= 10_000:
            raise ValueError
    except (TypeError, ValueError):
        fields["capacity"] = _("容量须为 1 到 10000 的整数")
    place, organiser, title = (place or "").strip(), (organiser or "").strip(), (title or "").strip()
    if not place:
        fields["place"] = _("请填写培训地点")
    for key, value, limit in (("place", place, 200), ("organiser", organiser, 100), ("title", title, 100)):
        if len(value) > limit:
            fields[key] = _("不能超过 %(limit)s 个字符", limit=limit)
    if fields:
        raise ValidationFailed(fields)
    session = CourseSession(course=course, starts_on=starts_on, ends_on=ends_on, capacity=capacity, place=place,
                            organiser=organiser, title=title or f"{starts_on.year}年第{len(course.sessions) + 1}期")
    db.session.add(session)
    db.session.flush()
    record_event("course_session_add", course, f"{course.code} 班次 {session.title} {place} 容量 {capacity}")
    return session


def session_taken(session: CourseSession) -> int:
    """Places taken in a session: enrolled and completed people."""
    return db.session.execute(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.session_id == session.id, Enrolment.status.in_([ENROLLED, COMPLETED]))).scalar_one()
