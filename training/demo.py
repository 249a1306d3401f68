"""Demo data of training (step 20): the course catalogue (texts in demo_content.py), sessions, and
completions for every person of the demo region with bulk inserts, so that "meets training" is
roughly 80–95 % per county this year. The demo servant's person ends with 4 of 6 integrity hours
this year and an open enrolment in the online handbook course with a quiz, so the issue's
acceptance journey works: study, pass the quiz, meet the requirement.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from core import changes, wiring
from core.demo import DemoContext, DemoStep, bulk_insert, indexes_deferred
from core.extensions import db
from core.guards import allow_bulk
from core.registry.models import Person
from training import services
from training.demo_content import COURSES, SESSION_PLACES
from training.enrolment import complete_enrolment_rows
from training.enums import CourseMode, EnrolmentSource, EnrolmentStatus
from training.models import Course, CourseSession, Enrolment, TrainingStatus
from training.rules import add_months

COMPLETED, ENROLLED = EnrolmentStatus.COMPLETED, EnrolmentStatus.ENROLLED
#: people per round of completion rows written
PEOPLE_PER_WRITE = 50_000
_YMD: dict[date, str] = {}      # certificate numbers: a date's YYYYMMDD, formatted once


def _create_catalogue(today: date) -> dict[str, Course]:
    courses: dict[str, Course] = {}
    for spec in COURSES:
        existing = services.course_by_code(spec["code"])
        if existing is not None:
            courses[spec["code"]] = existing
            continue
        course = services.create_course(services.CourseInput(
            code=spec["code"], title=spec["title"], category=spec["category"], integrity=spec["integrity"],
            hours=spec["hours"], mode=spec["mode"], description=spec["description"], pass_mark=spec["pass_mark"]))
        for order, (kind, title, body) in enumerate(spec["materials"], 1):
            services.add_material(course, title=title, kind=kind, body=body, order=order)
        for text, multiple, options, correct in spec["questions"]:
            services.add_question(course, text=text, multiple=multiple, options=options, correct=correct)
        courses[spec["code"]] = course
    return courses


def _create_sessions(courses: dict[str, Course], today: date, rng: random.Random) -> dict[str, list[CourseSession]]:
    """Three sessions per classroom course: two earlier this year (when there is room), one coming."""
    out: dict[str, list[CourseSession]] = {}
    year_start = date(today.year, 1, 1)
    for code, course in courses.items():
        if course.mode is not CourseMode.CLASSROOM or course.sessions:
            out[code] = list(course.sessions)
            continue
        days = max(1, min(5, int(course.hours) // 8))
        starts = [today + timedelta(days=30)]
        for back in (150, 45):
            start = today - timedelta(days=back)
            if start >= year_start:
                starts.insert(0, start)
        for n, start in enumerate(starts, 1):
            services.add_session(course, title=f"{start.year}年第{n}期", starts_on=start,
                                 ends_on=start + timedelta(days=days - 1), place=rng.choice(SESSION_PLACES),
                                 capacity=rng.choice((60, 80, 100, 120)), organiser="东营市委组织部")
        out[code] = list(course.sessions)
    return out


class _Rows:
    """Completion rows of the bulk insert (unique on person, course, date), written every
    ``PEOPLE_PER_WRITE`` people (bounded memory at 1,000,000 people)."""

    def __init__(self, courses: dict[str, Course], this_year: int):
        self.info = {code: (c.id, c.hours, c.code) for code, c in courses.items()}
        self.rows: list[dict] = []
        self.keys: set[tuple[int, int, date]] = set()     # of the people not yet written
        self.this_year = this_year
        self.done_this_year: set[tuple[int, int]] = set()   # (person, course) completed this year

    def add(self, pid: int, code: str, on: date, *, session: CourseSession | None = None,
            source=EnrolmentSource.IMPORT, score: int | None = None) -> None:
        cid, hours, course_code = self.info[code]
        key = (pid, cid, on)
        if key in self.keys:
            return
        self.keys.add(key)
        if on.year == self.this_year:
            self.done_this_year.add((pid, cid))
        day = _YMD.get(on)
        if day is None:
            day = _YMD[on] = f"{on:%Y%m%d}"
        self.rows.append({"person_id": pid, "course_id": cid, "session_id": session.id if session else None,
                          "status": COMPLETED, "source": source, "enrolled_on": on, "due_on": None,
                          "hours_credited": hours, "score": score, "completed_on": on,
                          "certificate_no": f"{course_code}-{day}-{pid:07d}"})

    def write(self) -> None:
        """Between two people only: the keys are per person."""
        _bulk_insert(self.rows)
        self.rows, self.keys = [], set()


def _day(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _county_rates(ctx: DemoContext, rng: random.Random) -> list[tuple[str, float]]:
    rates = [(ctx.department_paths[cid], rng.uniform(0.84, 0.95)) for cid in ctx.county_ids.values()]
    return rates + [(ctx.department_paths.get(ctx.city_id, "/"), rng.uniform(0.86, 0.95))]


def _person_plan(rows: _Rows, rng: random.Random, person, today: date, rate: float,
                 class_sessions: list[CourseSession], places: dict[int, int]) -> None:
    year = today.year
    first, last_year_end = date(year, 1, 1), date(year - 1, 12, 31)
    meets = rng.random() < rate
    online = ["CX-SC-01", "CX-SC-02", "CX-AL-02"]
    if meets:
        plan = rng.random()
        if plan < 0.3:
            rows.add(person.id, "CX-LX-01", _day(rng, first, today))
        elif plan < 0.65:
            for code in online:
                rows.add(person.id, code, _day(rng, first, today), source=EnrolmentSource.ONLINE,
                         score=rng.randrange(70, 101) if code != "CX-AL-02" else None)
        elif plan < 0.9 or not person.leading:
            session = next((s for s in class_sessions if s.ends_on <= today and places[s.id] > 0), None)
            if session is not None:
                places[session.id] -= 1
                rows.add(person.id, "CX-AL-01", session.ends_on, session=session, source=EnrolmentSource.ENROLMENT)
            else:
                rows.add(person.id, "CX-AL-01", _day(rng, first, today))
            rows.add(person.id, rng.choice(online[:2]), _day(rng, first, today), source=EnrolmentSource.ONLINE,
                     score=rng.randrange(60, 101))
        else:
            rows.add(person.id, "LD-01", _day(rng, first, today))
    else:
        for code in rng.sample(online, rng.choice((0, 0, 1, 1, 2))):
            rows.add(person.id, code, _day(rng, first, today), source=EnrolmentSource.ONLINE)
    # 初任培训 for recent recruits, 任职培训 for recent appointments (art. 67)
    if add_months(person.entry_date, 12) >= date(year - 1, 1, 1) and (today - person.entry_date).days > 20:
        if rng.random() < (0.9 if meets else 0.3):
            last = min(add_months(person.entry_date, 11), today)
            rows.add(person.id, "CR-01", _day(rng, person.entry_date + timedelta(days=14), last))
    if person.leading and person.appointed_on and add_months(person.appointed_on, 12) >= date(year - 1, 1, 1):
        if rng.random() < (0.9 if meets else 0.3):
            start = person.appointed_on - timedelta(days=60)
            rows.add(person.id, "RZ-01", _day(rng, start, min(add_months(person.appointed_on, 10), today)))
    # last year's history and some in-service training
    if person.entry_date <= last_year_end and rng.random() < 0.85:
        rows.add(person.id, "CX-LX-01", _day(rng, date(year - 1, 3, 1), date(year - 1, 11, 30)))
    if rng.random() < 0.25:
        rows.add(person.id, "ZZ-01", _day(rng, first, today), source=EnrolmentSource.ONLINE)


def _servant_rows(rows: _Rows, person, today: date, courses: dict[str, Course]) -> None:
    """4 of 6 integrity hours this year (two online courses), initial/appointment training done."""
    year = today.year
    first, last_year_end = date(year, 1, 1), date(year - 1, 12, 31)
    rows.add(person.id, "CX-SC-02", max(first, today - timedelta(days=60)), source=EnrolmentSource.ONLINE, score=80)
    rows.add(person.id, "CX-AL-02", max(first, today - timedelta(days=30)), source=EnrolmentSource.ONLINE)
    rows.add(person.id, "CX-AL-01", date(year - 1, 6, 20))
    rows.add(person.id, "CX-SC-01", date(year - 1, 9, 15), source=EnrolmentSource.ONLINE, score=100)
    if add_months(person.entry_date, 12) >= first:                   # initial training applies this year
        rows.add(person.id, "CR-01", min(person.entry_date + timedelta(days=30), last_year_end))
    if person.leading and person.appointed_on and add_months(person.appointed_on, 12) >= first:
        rows.add(person.id, "RZ-01", min(person.appointed_on - timedelta(days=30), last_year_end))


def _fix_servant_entry(person_id: int, today: date) -> None:
    """A servant who entered this year could not have 4 of 6 hours with the initial course done:
    move the demo person's entry date back (demo data only)."""
    with allow_bulk("demo: servant's entry date before this year"):
        db.session.execute(sa.update(Person).where(Person.id == person_id)
                           .values(entry_date=date(today.year - 3, 9, 1)))
    changes.changed([person_id], changes.PERSON)


def load_training(ctx: DemoContext) -> None:
    rng = ctx.rng_for("training")
    today = ctx.today
    changes.changed(None, changes.TRAINING)      # everyone's enrolments (core.changes)
    courses = _create_catalogue(today)
    sessions = _create_sessions(courses, today, rng)
    places = {s.id: int(s.capacity * 0.8) for items in sessions.values() for s in items}
    class_sessions = sessions.get("CX-AL-01", [])
    servant_id = ctx.account_people.get("servant")
    if servant_id:
        entry = db.session.execute(sa.select(Person.entry_date).where(Person.id == servant_id)).scalar_one()
        if entry >= date(today.year, 1, 1):
            _fix_servant_entry(servant_id, today)
    rates = _county_rates(ctx, rng)
    rows = _Rows(courses, today.year)
    people = db.session.execute(sa.select(Person.id, Person.department_path, Person.entry_date, Person.appointed_on,
                                          Person.leading).order_by(Person.id)).all()
    rate_of: dict[str, float] = {}
    with indexes_deferred(Enrolment):     # built once after the rows (PostgreSQL)
        for n, person in enumerate(people, 1):
            if n % PEOPLE_PER_WRITE == 0:
                rows.write()
            if person.id == servant_id:
                _servant_rows(rows, person, today, courses)
                continue
            rate = rate_of.get(person.department_path)
            if rate is None:
                rate = rate_of[person.department_path] = next(
                    (r for path, r in rates if person.department_path.startswith(path)), 0.9)
            _person_plan(rows, rng, person, today, rate, class_sessions, places)
        rows.write()
        _open_enrolments(courses, sessions, people, servant_id, today, rng, rows.done_this_year)
    with indexes_deferred(TrainingStatus):     # a fresh table: its secondary index built once
        for year in (today.year - 1, today.year):
            services.refresh_training_status(None, year, today)


def _open_enrolments(courses, sessions, people, servant_id, today, rng, done_people) -> None:
    """Upcoming sessions partly filled, a few absences and failures, the servant's open enrolment.
    ``done_people``: (person, course) completed this year."""
    rows = []
    taken: set[tuple[int, int]] = set()
    for code, items in sessions.items():
        course = courses[code]
        for session in items:
            if session.ends_on > today:
                n, status = int(session.capacity * 0.6), ENROLLED
            else:
                n, status = 3, rng.choice((EnrolmentStatus.ABSENT, EnrolmentStatus.FAILED))
            for person in rng.sample(people, min(n, len(people))):
                key = (person.id, course.id)
                if key in taken or key in done_people or person.id == servant_id:
                    continue
                taken.add(key)
                rows.append({"person_id": person.id, "course_id": course.id, "session_id": session.id,
                             "status": status, "source": EnrolmentSource.ENROLMENT,
                             "enrolled_on": min(today, session.starts_on - timedelta(days=10)),
                             "due_on": session.ends_on,
                             "score": rng.randrange(30, 59) if status is EnrolmentStatus.FAILED else None})
    if servant_id and (servant_id, courses["CX-SC-01"].id) not in taken:
        rows.append({"person_id": servant_id, "course_id": courses["CX-SC-01"].id, "session_id": None,
                     "status": ENROLLED, "source": EnrolmentSource.ENROLMENT, "due_on": date(today.year, 12, 31),
                     "enrolled_on": max(date(today.year, 1, 1), today - timedelta(days=20)), "score": None})
    _bulk_insert(rows)


def _bulk_insert(rows: list[dict]) -> None:
    """The rows of services.insert_enrolments (every column given), written set-based (COPY on
    PostgreSQL); the demo's coverage and training status are rebuilt set-based afterwards."""
    if not rows:
        return
    complete_enrolment_rows(rows)
    bulk_insert(Enrolment, rows)


def register() -> None:
    """This package's demo step(s), in core.wiring (called from the package's register_cli)."""
    wiring.register(wiring.DEMO_STEP, "load_training", DemoStep(20, load_training))
