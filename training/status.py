"""Training status: the public functions other packages call (archive: the file, repair
conditions, coverage) and the training_status summary refresh. Keep these names."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import cast

import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.registry.models import Person
from training import queries
from training.enums import CourseCategory, EnrolmentStatus
from training.models import (
    Course,
    Enrolment,
)
from training.rules import (
    CompletionFacts,
    PersonTrainingFacts,
    TrainingEvaluation,
    evaluate,
)
from training.values import today_or

ENROLLED, COMPLETED = EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED

# ---- public functions for archive (keep the names) --------------------------------------------

def open_enrolments(person_id: int) -> list[tuple[Enrolment, Course]]:
    """The person's courses still to do (enrolled, not completed), soonest due first: the to-do
    block of "my file" (archive.file.todo)."""
    rows = db.session.execute(
        sa.select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.person_id == person_id, Enrolment.status == ENROLLED)
        .order_by(Enrolment.due_on.is_(None), Enrolment.due_on, Enrolment.id)).all()
    return [(e, c) for e, c in rows]


def completed_course_dates(person_id: int, category: CourseCategory, since: date) -> list[date]:
    """Dates (ascending) of the person's completed courses of ``category`` on or after ``since``."""
    return cast("list[date]", list(db.session.execute(   # not None: ``completed_on >= since`` excludes NULL
        sa.select(Enrolment.completed_on).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.person_id == person_id, Enrolment.status == COMPLETED,
               Course.category == CourseCategory(category), Enrolment.completed_on >= since)
        .order_by(Enrolment.completed_on)).scalars()))


def person_training_facts(person: Person) -> PersonTrainingFacts:
    rows = db.session.execute(
        sa.select(Course.category, Course.integrity, Enrolment.hours_credited, Enrolment.completed_on)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.person_id == person.id, Enrolment.status == COMPLETED)).all()
    return PersonTrainingFacts(entry_date=person.entry_date, appointed_on=person.appointed_on,
                               leading=bool(person.leading),
                               completions=tuple(CompletionFacts(r.category, r.integrity, r.hours_credited,
                                                                 r.completed_on) for r in rows))


def training_status(person: Person, year: int, as_of: date) -> TrainingEvaluation:
    """Every training requirement of one person for ``year`` at ``as_of`` (rules.evaluate)."""
    return evaluate(person_training_facts(person), year, as_of, queries.settings())


def _num(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def evaluation_to_dict(ev: TrainingEvaluation) -> dict:
    """The JSON shape of API.md GET /people/{id}/training (without "completions")."""
    return {"year": ev.year, "meets": ev.meets, "hours": _num(ev.hours), "integrity_hours": _num(ev.integrity_hours),
            "requirements": [{"code": r.code, "applies": r.applies, "met": r.met,
                              "required_hours": _num(r.required_hours), "done_hours": _num(r.done_hours),
                              "due_on": r.due_on.isoformat() if r.due_on else None, "overdue": r.overdue,
                              "message": r.message} for r in ev.requirements]}


def people_meeting_training(year: int, as_of: date):
    """SELECT of person ids meeting every training requirement of ``year`` at ``as_of`` (exact, set-based)."""
    return queries.people_meeting_training(year, as_of)


def people_not_meeting_training(year: int, as_of: date):
    """SELECT of person ids missing at least one training requirement of ``year`` at ``as_of``."""
    return queries.people_not_meeting_training(year, as_of)


def refresh_training_status(person_ids: Iterable[int] | None, year: int, as_of: date | None = None) -> None:
    """Recompute the ``training_status`` rows of ``year`` for ``person_ids`` (None: everyone) and
    note the change for what reads the summary (core.changes, TRAINING: coverage, the file)."""
    from core.changes import TRAINING, changed
    ids = None if person_ids is None else list(person_ids)
    queries.refresh(ids, year, today_or(as_of))
    changed(ids, TRAINING)


def on_changed(session, changed: dict) -> None:
    """core.changes handler: a person's own fields changed (entry date, leading post,
    appointment date, a new person) -> this year's training summary. Completions are refreshed
    by the training services themselves (the year they touch), which then note TRAINING."""
    from core.changes import PERSON
    if PERSON in changed:
        ids = changed[PERSON]
        # the summary itself: what reads it follows PERSON in the same batch
        queries.refresh(None if ids is None else sorted(ids), clock.today().year, clock.today(), session=session)


def register() -> None:
    """Called by training.register (the factory's register_plugins step)."""
    from core import wiring
    wiring.add_hook(wiring.CHANGE_HANDLER, on_changed)
