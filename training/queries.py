"""Set-based training queries (SQLAlchemy Core, bound parameters only; SQLite and PostgreSQL).

``evaluation`` is the SQL twin of the rule :func:`training.rules.evaluate` (docs/rules-sql.md,
"Rules and their SQL twins"); tests/training/test_differential_training.py holds them equal.

``evaluation`` is the exact SQL translation of :func:`training.rules.evaluate` for every person
at once: no Python loop over people, whatever their number. It is used

* by ``people_meeting_training(year, as_of)`` (archive.coverage, the overview page, the
  "everyone not meeting the requirement" enrolment), and
* to refresh the ``training_status`` summary in one INSERT … SELECT … ON CONFLICT.

Design (the choice the issue asks to document): the expensive part on a whole region is summing
a year of completions per person; the rest (initial / appointment training windows) reads only
the few completions of those two categories. So the per-person-per-year summary table
``training_status`` (person_id, year, integrity_hours, total_hours, meets, updated_at) is kept
current by every service that changes completions (``refresh_training_status``; complete,
quiz, imports, the demo loader), and the evaluation reads the year's hours from it whenever that
is exact (``summary_usable``: as_of not before today / the end of the year). The requirement
windows are always evaluated live from ``people`` (entry date, leading post, appointment date),
so registry edits need no refresh. The summary's ``meets`` column is a cache of the full answer,
refreshed with the hours and nightly by ``flask --app wsgi training refresh`` (the calendar moves).

Hours are summed as integer tenths (the column is NUMERIC(5,1)), so the comparison with the
required hours is exact on both databases (SQLite would otherwise add binary floats).
Calendar-month arithmetic (``rules.add_months``: the day clamped to the end of the month) is
the ``add_months(date, months)`` SQL construct below, compiled per dialect.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from core import clock
from core.extensions import db
from core.registry.models import Person
from training.enums import CourseCategory, EnrolmentStatus
from training.models import Course, Enrolment, TrainingStatus
from training.rules import LEADER_RULE_YEARS, TrainingSettings

COMPLETED = EnrolmentStatus.COMPLETED


class add_months(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """``date`` moved by ``months`` calendar months, the day clamped to the month's end."""

    type = sa.Date()
    name = "add_months"
    inherit_cache = True


@compiles(add_months)
def _add_months_postgresql(element, compiler, **kw):
    # PostgreSQL's date + interval 'n months' clamps the day to the end of the month.
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST({day} + make_interval(months => CAST({months} AS INTEGER)) AS DATE)"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    # SQLite's date(d, '+n months') overflows into the next month (01-31 + 1 month = 03-02 or
    # 03-03); when the day changed, the last day of the intended month is the day before the
    # first of the month it overflowed into.
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    shifted = f"date({day}, {months} || ' months')"
    return (f"(CASE WHEN strftime('%d', {shifted}) <> strftime('%d', {day}) "
            f"THEN date({shifted}, 'start of month', '-1 day') ELSE {shifted} END)")


def settings() -> TrainingSettings:
    return TrainingSettings.from_mapping(current_app.config)


def _tenths(hours: Decimal) -> int:
    """Required hours as whole tenths, rounded up (6 → 60, 6.01 → 61)."""
    return int((Decimal(hours) * 10).to_integral_value(rounding=ROUND_CEILING))


def _tenths_sum(condition=None):
    value = sa.cast(sa.func.round(Enrolment.hours_credited * 10), sa.Integer)
    if condition is not None:
        value = sa.case((condition, value), else_=0)
    return sa.func.sum(value)


def hours_by_person(first: date, last: date, person_ids: list[int] | None = None):
    """Completed hours per person in [first, last], as integer tenths: total and integrity."""
    sel = (sa.select(Enrolment.person_id.label("person_id"),
                     _tenths_sum().label("total"),
                     _tenths_sum(Course.integrity).label("integrity"))
           .join(Course, Course.id == Enrolment.course_id)
           .where(Enrolment.status == COMPLETED, Enrolment.completed_on >= first, Enrolment.completed_on <= last)
           .group_by(Enrolment.person_id))
    if person_ids is not None:
        sel = sel.where(Enrolment.person_id.in_(person_ids))
    return sel


def summary_hours(year: int, person_ids: list[int] | None = None):
    """The same columns read from the training_status summary (kept current by every completion)."""
    sel = sa.select(TrainingStatus.person_id.label("person_id"),
                    sa.cast(sa.func.round(TrainingStatus.total_hours * 10), sa.Integer).label("total"),
                    sa.cast(sa.func.round(TrainingStatus.integrity_hours * 10), sa.Integer).label("integrity")
                    ).where(TrainingStatus.year == year)
    if person_ids is not None:
        sel = sel.where(TrainingStatus.person_id.in_(person_ids))
    return sel


def summary_usable(year: int, as_of: date) -> bool:
    """Whether the summary's hours equal the hours completed in ``year`` up to ``as_of``: the summary
    counts everything completed in the year up to today (completions are never future-dated), so
    it is exact when ``as_of`` is not before today or the end of the year, and the year was built."""
    if as_of < min(clock.today(), date(year, 12, 31)):
        return False
    return db.session.execute(sa.select(TrainingStatus.person_id).where(TrainingStatus.year == year).limit(1)
                              ).first() is not None


def _qualified(category: CourseCategory, start, end, as_of: date, *, integrity: bool = False,
               person_ids: list[int] | None = None):
    """Ids of the people with a completed course of ``category`` dated in [start, min(end, as_of)],
    ``start``/``end`` being expressions over that person's row. Used as ``people.id IN (…)``, not a
    correlated EXISTS: it reads only the completions of that category, once, on both databases."""
    courses = sa.select(Course.id).where(Course.category == category)
    if integrity:
        courses = courses.where(Course.integrity)
    conds = [Enrolment.course_id.in_(courses), Enrolment.status == COMPLETED, Enrolment.completed_on >= start,
             Enrolment.completed_on <= end, Enrolment.completed_on <= as_of]
    if person_ids is not None:
        conds.append(Enrolment.person_id.in_(person_ids))
    return sa.select(Enrolment.person_id).join(Person, Person.id == Enrolment.person_id).where(*conds)


@dataclass
class Evaluation:
    """The pieces of the set-based evaluation: outer-joined hour sums and the ``meets`` condition."""

    joins: list            # (subquery, on-clause) to LEFT OUTER JOIN to people
    integrity_tenths: sa.ColumnElement
    total_tenths: sa.ColumnElement
    condition: sa.ColumnElement
    checks: dict[str, sa.ColumnElement]    # requirement code -> met (or not applicable)

    @property
    def parts(self) -> dict[str, sa.ColumnElement]:
        """Each requirement as a boolean column (for lists: what is missing)."""
        return {code: sa.case((cond, sa.true()), else_=sa.false()) for code, cond in self.checks.items()}

    def apply(self, select):
        for sub, on in self.joins:
            select = select.outerjoin(sub, on)
        return select


def evaluation(year: int, as_of: date, cfg: TrainingSettings | None = None, *, source: str = "auto",
               person_ids: list[int] | None = None) -> Evaluation:
    """The requirements of ``rules.evaluate`` for calendar ``year`` at ``as_of``, for all people at once
    (or for ``person_ids``: the restriction is pushed into every subquery).

    ``source`` of the year's hours: ``completions`` (sum the register), ``summary`` (the
    training_status table, one row per person: fast on a whole region), ``auto`` (the summary
    when :func:`summary_usable`). Both give the same answer; tests hold them to rules.evaluate.
    """
    cfg = cfg or settings()
    first, year_last = date(year, 1, 1), date(year, 12, 31)
    upto = min(year_last, as_of)
    if source == "auto":
        source = "summary" if summary_usable(year, as_of) else "completions"
    hours = summary_hours(year, person_ids) if source == "summary" else hours_by_person(first, upto, person_ids)
    year_hours = hours.subquery("year_hours")
    joins = [(year_hours, year_hours.c.person_id == Person.id)]
    integrity = sa.func.coalesce(year_hours.c.integrity, 0)
    total = sa.func.coalesce(year_hours.c.total, 0)
    conds: dict[str, sa.ColumnElement] = {}

    # integrity_hours (everyone) and annual_hours (when configured)
    if cfg.integrity_hours_per_year > 0:
        conds["integrity_hours"] = integrity >= _tenths(cfg.integrity_hours_per_year)
    if cfg.annual_training_hours > 0:
        conds["annual_hours"] = total >= _tenths(cfg.annual_training_hours)

    # initial: window [entry, entry + M] overlaps the year and entry <= as_of; a completed
    # initial-training course with integrity content dated in [entry, min(due, as_of)].
    due = add_months(Person.entry_date, cfg.initial_training_months)
    applies = sa.and_(Person.entry_date.is_not(None), Person.entry_date <= as_of,
                      Person.entry_date <= year_last, due >= first)
    done = _qualified(CourseCategory.INITIAL, Person.entry_date, due, as_of, integrity=True, person_ids=person_ids)
    conds["initial"] = sa.or_(sa.not_(applies), Person.id.in_(done))

    # appointment: leading, window [appointed, appointed + M] overlaps the year, appointed <= as_of;
    # a completed appointment-training course in [appointed - M, min(appointed + M, as_of)].
    months = cfg.appointment_training_months
    due = add_months(Person.appointed_on, months)
    applies = sa.and_(Person.leading, Person.appointed_on.is_not(None), Person.appointed_on <= as_of,
                      Person.appointed_on <= year_last, due >= first)
    window_from = add_months(Person.appointed_on, -months)
    done = _qualified(CourseCategory.APPOINTMENT, window_from, due, as_of, person_ids=person_ids)
    conds["appointment"] = sa.or_(sa.not_(applies), Person.id.in_(done))

    # leader_five_year (when configured): total hours of the 5 calendar years ending with ``year``.
    if cfg.leader_five_year_hours > 0:
        five = hours_by_person(date(year - LEADER_RULE_YEARS + 1, 1, 1), upto, person_ids).subquery("five_year_hours")
        joins.append((five, five.c.person_id == Person.id))
        conds["leader_five_year"] = sa.or_(sa.not_(Person.leading),
                                           sa.func.coalesce(five.c.total, 0) >= _tenths(cfg.leader_five_year_hours))
    return Evaluation(joins, integrity, total, sa.and_(*conds.values()), conds)


def people_meeting_training(year: int, as_of: date):
    """SELECT of the ids of the people (any status) who meet every training requirement of ``year``
    at ``as_of``: use as ``Person.id.in_(people_meeting_training(2026, clock.today()))``."""
    ev = evaluation(year, as_of)
    return ev.apply(sa.select(Person.id).select_from(Person)).where(ev.condition)


def people_not_meeting_training(year: int, as_of: date):
    """SELECT of the ids of the people who miss at least one training requirement."""
    ev = evaluation(year, as_of)
    return ev.apply(sa.select(Person.id).select_from(Person)).where(sa.not_(ev.condition))


def status_select(year: int, as_of: date, *, parts: bool = False, source: str = "auto",
                  person_ids: list[int] | None = None):
    """person_id, year, integrity_hours, total_hours, meets, updated_at per person (``parts``: also
    ``ok_<requirement code>`` booleans, to say what is missing); ``person_ids`` restricts it."""
    ev = evaluation(year, as_of, source=source, person_ids=person_ids)
    sel = sa.select(Person.id.label("person_id"), sa.literal(year, sa.Integer).label("year"),
                    (ev.integrity_tenths / 10.0).label("integrity_hours"),
                    (ev.total_tenths / 10.0).label("total_hours"),
                    sa.case((ev.condition, sa.true()), else_=sa.false()).label("meets"),
                    sa.literal(clock.utcnow(), TrainingStatus.updated_at.type).label("updated_at"))
    if parts:
        sel = sel.add_columns(*[col.label(f"ok_{code}") for code, col in ev.parts.items()])
    sel = ev.apply(sel.select_from(Person))
    return sel.where(Person.id.in_(person_ids)) if person_ids is not None else sel


def refresh(person_ids, year: int, as_of: date, chunk: int = 2000, *, session=None) -> None:
    """Upsert ``training_status`` rows of ``year`` for ``person_ids`` (None: everyone), set-based,
    in ``session`` (default the application's)."""
    session = session or db.session
    if person_ids is None:
        _upsert(status_select(year, as_of, source="completions").where(Person.id > 0), session)
        return
    ids = sorted({int(i) for i in person_ids})
    for start in range(0, len(ids), chunk):
        _upsert(status_select(year, as_of, source="completions", person_ids=ids[start:start + chunk]), session)


def _upsert(select, session=None) -> None:
    session = session or db.session
    cols = ["person_id", "year", "integrity_hours", "total_hours", "meets", "updated_at"]
    key = ["person_id", "year"]
    if session.get_bind().dialect.name == "postgresql":     # the two dialects' INSERTs are distinct types
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        pg = pg_insert(TrainingStatus).from_select(cols, select)
        session.execute(pg.on_conflict_do_update(index_elements=key,
                                                 set_={c: getattr(pg.excluded, c) for c in cols[2:]}))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        lite = sqlite_insert(TrainingStatus).from_select(cols, select)
        session.execute(lite.on_conflict_do_update(index_elements=key,
                                                   set_={c: getattr(lite.excluded, c) for c in cols[2:]}))
