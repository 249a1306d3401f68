"""The demo step: a realistic catalogue, completions in bulk, and the servant at 4 of 6 hours."""
from __future__ import annotations

import sqlalchemy as sa

import core.demo
from core import clock
from core.accounts.models import User
from core.extensions import db
from core.registry.models import Person
from training import services
from training.enums import CourseCategory, CourseMode, EnrolmentStatus
from training.models import Course, Enrolment, TrainingStatus


def test_demo_catalogue_completions_and_servant_journey(app):
    steps = [s for s in core.demo.registered_steps() if s.fn.__module__.startswith("training")]
    core.demo.load_demo(people=400, seed=3, echo=lambda *_: None, password="Demo@Pass2026!", steps=steps)
    today = clock.today()
    courses = {c.code: c for c in db.session.execute(sa.select(Course)).scalars()}
    assert len(courses) >= 12
    assert {c.category for c in courses.values()} == set(CourseCategory)
    handbook, repair = courses["CX-SC-01"], courses["XF-01"]
    assert handbook.mode is CourseMode.ONLINE and handbook.integrity and len(handbook.questions) == 5
    assert repair.mode is CourseMode.ONLINE and repair.category is CourseCategory.REPAIR and repair.questions
    assert any(m.kind.value == "case_study" for m in courses["CX-AL-01"].materials)
    assert all(c.sessions for c in courses.values() if c.mode is CourseMode.CLASSROOM)

    active = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(Person.status == "active")
                                ).scalar_one()
    met = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(
        Person.status == "active", Person.id.in_(services.people_meeting_training(today.year, today)))).scalar_one()
    assert 0.75 <= met / active <= 0.97
    assert db.session.execute(sa.select(sa.func.count()).select_from(TrainingStatus).where(
        TrainingStatus.year == today.year)).scalar_one() == 400

    servant = db.session.execute(sa.select(User).where(User.username == "servant")).scalar_one()
    person = db.session.get(Person, servant.person_id)
    ev = services.training_status(person, today.year, today)
    assert ev.integrity_hours == 4 and not ev.meets
    assert [r.code for r in ev.gaps] == ["integrity_hours"]
    assert services.open_enrolment(person.id, handbook) is not None
    attempt = services.submit_quiz(person, handbook, {str(q.id): q.correct for q in handbook.questions})
    assert attempt.passed and services.training_status(person, today.year, today).meets
    assert attempt.enrolment.status is EnrolmentStatus.COMPLETED
    assert db.session.get(TrainingStatus, (person.id, today.year)).meets
    assert db.session.execute(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.status == EnrolmentStatus.ENROLLED)).scalar_one() > 0
