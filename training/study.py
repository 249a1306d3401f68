"""Online study: the quiz (rules.quiz_score) and self-confirmed study of courses without a quiz.
Passing credits the course's hours at once; failing keeps the enrolment open for a retry."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core import clock
from core.audit.services import record_event
from core.changes import TRAINING, changed
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.registry.models import Person
from training.enrolment import complete
from training.enums import CourseMode, EnrolmentSource, EnrolmentStatus
from training.models import (
    Course,
    Enrolment,
    QuizAttempt,
    QuizQuestion,
)
from training.rules import (
    QuizQuestionFacts,
    attempts_left,
    quiz_score,
    shuffled,
)
from training.rules import question_correct as _question_correct
from training.values import today_or

ENROLLED, COMPLETED = EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED

# ---- online study ---------------------------------------------------------------------------

def open_enrolment(person_id: int, course: Course) -> Enrolment | None:
    return db.session.execute(sa.select(Enrolment).where(
        Enrolment.person_id == person_id, Enrolment.course_id == course.id, Enrolment.status == ENROLLED)
    ).scalar_one_or_none()


def completed_this_year(person_id: int, course: Course, today: date | None = None) -> Enrolment | None:
    today = today_or(today)
    return db.session.execute(sa.select(Enrolment).where(
        Enrolment.person_id == person_id, Enrolment.course_id == course.id, Enrolment.status == COMPLETED,
        Enrolment.completed_on >= date(today.year, 1, 1)).order_by(Enrolment.completed_on.desc()).limit(1)
    ).scalar_one_or_none()


def check_self_study(person: Person, course: Course, today: date | None = None) -> None:
    """Refuse online self-study of an inactive or classroom course, or one completed this year."""
    if not course.active:
        raise Conflict("course_inactive", _("该课程已停用"))
    if course.mode is not CourseMode.ONLINE:
        raise Conflict("not_online", _("面授课程须参加班次学习，由组织单位登记结业"))
    if completed_this_year(person.id, course, today):
        raise Conflict("already_completed", _("您本年度已完成该课程，学时已登记"))


def _self_study_enrolment(person: Person, course: Course, today: date) -> Enrolment:
    check_self_study(person, course, today)
    enrolment = open_enrolment(person.id, course)
    if enrolment is None:
        enrolment = Enrolment(person=person, course=course, status=ENROLLED, source=EnrolmentSource.ONLINE,
                              enrolled_on=today, due_on=date(today.year, 12, 31))
        db.session.add(enrolment)
        db.session.flush()
        record_event("training_self_enrol", enrolment, f"{course.code} 网上自学")
        changed([person.id], TRAINING)
    return enrolment


# ---- quiz attempts: a daily limit, a shuffled paper per attempt (issue 19) ----------------------

def attempts_per_day() -> int:
    """QUIZ_ATTEMPTS_PER_DAY (default 3; 0 = no limit)."""
    try:
        return max(0, int(current_app.config.get("QUIZ_ATTEMPTS_PER_DAY", 3)))
    except (TypeError, ValueError):
        return 3


def _day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """The configured zone's calendar day ``day`` as a UTC interval [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=clock.zone())
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


@dataclass(frozen=True)
class QuizState:
    used_today: int
    per_day: int
    left: int | None        # None: no limit
    number: int             # the attempt the next paper is for (1, 2, ...): seeds its order

    @property
    def exhausted(self) -> bool:
        return self.left == 0


def quiz_state(person_id: int, course: Course, *, moment: datetime | None = None) -> QuizState:
    """How many attempts the person made at ``course`` today (in the configured zone) and may still make."""
    moment = moment or clock.utcnow()
    start, end = _day_bounds_utc(clock.local_date(moment))
    base = sa.select(sa.func.count()).select_from(QuizAttempt).where(
        QuizAttempt.person_id == person_id, QuizAttempt.course_id == course.id)
    used = db.session.execute(base.where(QuizAttempt.taken_at >= start, QuizAttempt.taken_at < end)).scalar_one()
    total = db.session.execute(base).scalar_one()
    per_day = attempts_per_day()
    return QuizState(used, per_day, attempts_left(used, per_day), total + 1)


def quiz_paper(course: Course, person_id: int, number: int) -> list[tuple[QuizQuestion, list[dict]]]:
    """The questions and each one's options in the order of attempt ``number`` (stable for it)."""
    questions = {q.id: q for q in course.questions}
    order = shuffled(sorted(questions), f"quiz:{person_id}:{course.id}:{number}")
    paper = []
    for qid in order:
        q = questions[qid]
        options = {o["key"]: o for o in q.options}
        keys = shuffled(sorted(options), f"quiz:{person_id}:{course.id}:{number}:{qid}")
        paper.append((q, [options[k] for k in keys]))
    return paper


def submit_quiz(person: Person, course: Course, answers: Mapping[str, Collection[str] | str | None], *,
                today: date | None = None) -> QuizAttempt:
    """Grade a quiz (rules.quiz_score). Passing completes the enrolment today with the course's
    hours; failing keeps it open, so the person may study again and retry, up to
    QUIZ_ATTEMPTS_PER_DAY attempts a day (Conflict "quiz_attempts_used" beyond)."""
    today = today_or(today)
    questions = list(course.questions)
    if not questions:
        raise Conflict("no_quiz", _("该课程没有测验"))
    check_self_study(person, course, today)
    state = quiz_state(person.id, course)
    if state.exhausted:
        raise Conflict("quiz_attempts_used", _("今天的 %(n)s 次测验机会已用完，请复习学习资料后明天再试", n=state.per_day))
    chosen: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    for q in questions:
        raw = answers.get(str(q.id))
        keys = [raw] if isinstance(raw, str) else list(raw or [])
        keys = sorted({str(k).strip().upper() for k in keys if str(k).strip()})
        if not keys:
            fields[f"q{q.id}"] = _("请作答")
        elif any(k not in q.option_keys for k in keys):
            fields[f"q{q.id}"] = _("选项无效")
        elif not q.multiple and len(keys) > 1:
            fields[f"q{q.id}"] = _("单选题只能选一个选项")
        chosen[str(q.id)] = keys
    if fields:
        raise ValidationFailed(fields, message=_("还有 %(len)s 道题未正确作答，请检查后再提交", len=len(fields)))
    facts = [QuizQuestionFacts(str(q.id), q.multiple, frozenset(q.correct), q.points) for q in questions]
    score, passed = quiz_score(facts, chosen, course.pass_mark)
    enrolment = _self_study_enrolment(person, course, today)
    attempt = QuizAttempt(person_id=person.id, course_id=course.id, enrolment_id=enrolment.id, answers=chosen,
                          score=score, passed=passed, taken_at=clock.utcnow())
    db.session.add(attempt)
    db.session.flush()
    record_event("quiz_submit", attempt, f"{course.code} 测验 {score} 分，{'通过' if passed else '未通过'}",
                 person_id=person.id)
    if passed:
        complete(enrolment, hours=course.hours, score=score, completed_on=today, today=today)
    return attempt


def question_correct(question: QuizQuestion, chosen) -> bool:
    facts = QuizQuestionFacts(str(question.id), question.multiple, frozenset(question.correct), question.points)
    return _question_correct(facts, chosen)


def finish_study(person: Person, course: Course, *, today: date | None = None) -> Enrolment:
    """An online course without a quiz: the person confirms having studied every material."""
    today = today_or(today)
    if course.questions:
        raise Conflict("quiz_required", _("该课程须通过测验才能结业"))
    enrolment = _self_study_enrolment(person, course, today)
    return complete(enrolment, hours=course.hours, completed_on=today, today=today)
