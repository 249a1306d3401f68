"""The set-based evaluation (one SQL query for everyone) equals rules.evaluate person by person."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.registry.models import Person
from tests import factories as f
from tests.training.conftest import complete_hours, make_course
from training import queries, services
from training.enums import CourseCategory, CourseMode
from training.models import TrainingStatus
from training.queries import add_months
from training.rules import add_months as py_add_months


@pytest.fixture
def population(region):
    """People covering every branch of the rules, with completions around the year boundaries."""
    integ = make_course("CX-A", "诚信专题 A", hours="2")
    integ15 = make_course("CX-B", "诚信专题 B", hours="1.5")
    tenth = make_course("CX-C", "诚信微课", hours="0.1")
    plain = make_course("ZZ-A", "在职培训：公文写作", CourseCategory.IN_SERVICE, integrity=False, hours="8")
    initial = make_course("CR-A", "初任培训（含诚信教育）", CourseCategory.INITIAL, integrity=True, hours="24",
                          mode=CourseMode.CLASSROOM)
    initial_plain = make_course("CR-B", "初任培训（业务）", CourseCategory.INITIAL, integrity=False, hours="24",
                                mode=CourseMode.CLASSROOM)
    appoint = make_course("RZ-A", "任职培训", CourseCategory.APPOINTMENT, integrity=False, hours="40",
                          mode=CourseMode.CLASSROOM)
    d = region.wenhui
    people = []

    def p(name, entry=date(2010, 3, 1), **kw):
        person = f.person(name, department=d, entry_date=entry, **kw)
        people.append(person)
        return person

    a = p("甲")                                             # 6 integrity hours in 2025: meets
    for day in (date(2025, 2, 1), date(2025, 5, 1), date(2025, 9, 30)):
        complete_hours(a, integ, day)
    b = p("乙")                                             # 4 + 8 non-integrity: not
    complete_hours(b, integ, date(2025, 2, 1))
    complete_hours(b, integ, date(2025, 3, 1))
    complete_hours(b, plain, date(2025, 4, 1))
    c = p("丙")                                             # 4×1.5: meets (decimal sums exact)
    for m in (1, 2, 3, 4):
        complete_hours(c, integ15, date(2025, m, 10))
    e = p("丁")                                             # 5.9 + 0.1 = 6.0 exactly
    complete_hours(e, integ, date(2025, 1, 5), hours="5.9")
    complete_hours(e, tenth, date(2025, 12, 20))
    g = p("戊", entry=date(2025, 1, 31))                    # new recruit with integrity initial course
    complete_hours(g, initial, date(2025, 3, 1))
    complete_hours(g, integ, date(2025, 6, 1), hours="6")
    h = p("己", entry=date(2024, 2, 29))                    # recruit, initial course without integrity content
    complete_hours(h, initial_plain, date(2024, 6, 1))
    complete_hours(h, integ, date(2025, 6, 1), hours="6")
    i = p("庚", entry=date(2024, 2, 29))                    # recruit, initial course done after the window
    complete_hours(i, initial, date(2025, 3, 1))
    complete_hours(i, integ, date(2025, 6, 1), hours="6")
    j = p("辛", leading=True, appointed_on=date(2025, 1, 31))  # leader, appointment training before the post
    complete_hours(j, appoint, date(2024, 2, 29))
    complete_hours(j, integ, date(2025, 6, 1), hours="6")
    k = p("壬", leading=True, appointed_on=date(2024, 12, 31))  # leader without appointment training
    complete_hours(k, integ, date(2025, 6, 1), hours="6")
    m = p("癸", leading=True, appointed_on=date(2020, 5, 1))  # old appointment: not applicable
    complete_hours(m, integ, date(2025, 6, 1), hours="6")
    n = p("子", entry=date(2025, 11, 1))                    # enters after some as_of dates
    complete_hours(n, integ, date(2025, 12, 1), hours="6")
    o = p("丑")                                             # hours in 2024 only
    complete_hours(o, integ, date(2024, 12, 31), hours="6")
    for day in (date(2025, 1, 1), date(2025, 12, 31)):      # boundary days of the year
        q = p("寅" + str(day.month))
        complete_hours(q, integ, day, hours="6")
    db.session.commit()
    return people


def reference(_population, year, as_of):
    everyone = db.session.execute(sa.select(Person)).scalars()
    return {p.id for p in everyone if services.training_status(p, year, as_of).meets}


def set_based(year, as_of, source="auto"):
    ev = queries.evaluation(year, as_of, source=source)
    return set(db.session.execute(ev.apply(sa.select(Person.id).select_from(Person)).where(ev.condition)).scalars())


CASES = [(2025, date(2025, 12, 31)), (2025, date(2025, 6, 30)), (2025, date(2026, 3, 1)),
         (2025, date(2025, 1, 1)), (2024, date(2024, 12, 31)), (2026, date(2026, 11, 1)), (2026, clock.today())]


def test_set_based_equals_per_person_reference(population):
    everyone = {p.id for p in db.session.execute(sa.select(Person)).scalars()}
    for year, as_of in CASES:
        expected = reference(population, year, as_of)
        assert set_based(year, as_of, "completions") == expected, (year, as_of)
        assert set(db.session.execute(services.people_meeting_training(year, as_of)).scalars()) == expected
        assert set(db.session.execute(services.people_not_meeting_training(year, as_of)).scalars()) \
            == everyone - expected
        if queries.summary_usable(year, as_of):
            assert set_based(year, as_of, "summary") == expected, (year, as_of)
    assert queries.summary_usable(2025, date(2025, 12, 31)) and not queries.summary_usable(2025, date(2025, 6, 30))


def test_set_based_follows_configuration(app, population, monkeypatch):
    configs = [{"ANNUAL_TRAINING_HOURS": 12}, {"LEADER_FIVE_YEAR_HOURS": 40},
               {"INTEGRITY_HOURS_PER_YEAR": 4, "INITIAL_TRAINING_MONTHS": 24}, {"APPOINTMENT_TRAINING_MONTHS": 6},
               {"INTEGRITY_HOURS_PER_YEAR": 0}]
    for config in configs:
        with monkeypatch.context() as m:
            for key, value in config.items():
                m.setitem(app.config, key, value)
            for year, as_of in CASES[:3]:
                expected = reference(population, year, as_of)
                assert set_based(year, as_of, "completions") == expected, (config, year, as_of)
                if queries.summary_usable(year, as_of):
                    assert set_based(year, as_of, "summary") == expected, (config, year, as_of)


def test_summary_table_matches_and_is_one_statement(population):
    services.refresh_training_status(None, 2025, date(2025, 12, 31))
    rows = {r.person_id: r for r in db.session.execute(sa.select(TrainingStatus).where(TrainingStatus.year == 2025))
            .scalars()}
    assert len(rows) == len(db.session.execute(sa.select(Person.id)).all())
    for person in population:
        ev = services.training_status(person, 2025, date(2025, 12, 31))
        assert rows[person.id].meets == ev.meets, person.name
        assert rows[person.id].integrity_hours == ev.integrity_hours
        assert rows[person.id].total_hours == ev.hours


def test_sql_add_months_clamps_like_rules(region):
    for start, months in [(date(2024, 1, 31), 1), (date(2024, 2, 29), 12), (date(2024, 3, 31), -1),
                          (date(2025, 1, 31), 13), (date(2024, 5, 15), -12), (date(2024, 12, 31), 2)]:
        value = db.session.execute(sa.select(add_months(sa.literal(start, sa.Date), months))).scalar_one()
        assert value == py_add_months(start, months), (start, months)
