"""Training test helpers: courses, completions (through the services, real rows)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.extensions import db as _db
from training import services
from training.enums import CourseCategory, CourseMode


def make_course(code="CX-01", title="诚信专题：政务诚信与公务员守信践诺", category=CourseCategory.INTEGRITY,
                integrity=True, hours="2", mode=CourseMode.ONLINE, **kw):
    return services.create_course(services.CourseInput(code=code, title=title, category=category,
                                                       integrity=integrity, hours=hours, mode=mode, **kw))


def add_quiz(course, n=5):
    """n single-choice questions whose correct answer is A (the last one multiple: A and C)."""
    for i in range(n):
        multiple = i == n - 1 and n > 1
        services.add_question(course, text=f"第{i + 1}题：政务诚信建设的要求是？", multiple=multiple,
                              options=["依法行政、守信践诺", "随意承诺", "新官不理旧账", "公开透明"],
                              correct=["A", "D"] if multiple else ["A"])
    return course


def right_answers(course):
    return {str(q.id): list(q.correct) for q in course.questions}


def wrong_answers(course):
    return {str(q.id): ["B"] for q in course.questions}


def complete_hours(person, course, on: date, hours=None):
    enrolment, _ = services.record_completion(person, course, completed_on=on,
                                              hours=Decimal(str(hours)) if hours is not None else None)
    return enrolment


@pytest.fixture
def integrity_online(db):
    """An online 诚信专题 course of 2 hours with a 5-question quiz."""
    course = add_quiz(make_course())
    _db.session.commit()
    return course


@pytest.fixture
def classroom(db):
    course = make_course(code="CX-02", title="诚信专题：典型案例剖析（面授）", mode=CourseMode.CLASSROOM, hours="4")
    _db.session.commit()
    return course
