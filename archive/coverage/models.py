"""Models of coverage (docs/rules.md §7).

``CoverageFacts`` is a summary table: one row per person with the flags coverage counts
(file established, valid pre-appointment pledge, last appraisal year, training met for
a year), kept current on write by archive/coverage/facts.py, so coverage of any subtree
is one scan of one table by ``department_path`` (ARCHITECTURE "Performance shape").
It is derived data: it can always be rebuilt with ``flask --app wsgi coverage refresh``.

``CoverageSnapshot`` keeps the counts of every department once a month (``coverage
snapshot``, run by cron) for the trend chart and for coverage "as of" a past month.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import UTCDateTime
from core.extensions import db

__all__ = ["CUBE_GROUP", "CoverageCube", "CoverageFacts", "CoverageRefresh", "CoverageSnapshot"]


class CoverageFacts(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """Per-person coverage facts (derived; rebuilt by ``refresh_all_facts``)."""

    __tablename__ = "coverage_facts"
    __table_args__ = (
        sa.Index("ix_coverage_facts_department_path_prefix", "department_path",
                 postgresql_ops={"department_path": "varchar_pattern_ops"}),
        # gap worklists in department order: page ids by an index-only scan, however deep the page
        sa.Index("ix_coverage_facts_path_order", "department_path", "person_id",
                 postgresql_include=["active", "established", "pledge_ok", "last_appraisal_year", "training_year",
                                     "training_met"]),
    )

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), primary_key=True,
                                           autoincrement=False)
    department_path: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    established: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    pledge_ok: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the latest appraisal year recorded, capped at the year coverage expected when the
    #: row was computed (as_of.year - 1), so a future year never hides a missing one
    last_appraisal_year: Mapped[int | None] = mapped_column(sa.Integer)
    #: the calendar year ``training_met`` was evaluated for
    training_year: Mapped[int | None] = mapped_column(sa.Integer)
    training_met: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: when these facts last changed (a refresh that finds nothing new leaves the row alone)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)


#: the facts columns the cube groups by (its primary key, in this order)
CUBE_GROUP = ("department_path", "active", "established", "pledge_ok", "last_appraisal_year",
              "training_met", "training_year")


class CoverageCube(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """``coverage_facts`` counted by every distinct combination of its flags (issue 11).

    One row per (department path, active, established, pledge_ok, last appraisal year,
    training met, training year) with the number of people ``n``: a few dozen rows per
    department instead of thousands of people. The metrics' conditions
    (services.conditions) take any table with these columns, so the dashboard sums ``n``
    over the cube instead of counting the facts, with exactly the same numbers for any
    as_of. The two years are stored as 0 instead of NULL (the conditions read them through
    ``coalesce(…, 0)``; a NULL could not be part of the key).

    Kept current by database triggers on coverage_facts (archive/coverage/cube.py, created
    by migration 4d9a3b6c1e52 and, for schemas built with create_all, by an ``after_create``
    event): never written by the application, except when a bulk fill rebuilds it whole.
    """

    __tablename__ = "coverage_cube"

    department_path: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    active: Mapped[bool] = mapped_column(primary_key=True)
    established: Mapped[bool] = mapped_column(primary_key=True)
    pledge_ok: Mapped[bool] = mapped_column(primary_key=True)
    last_appraisal_year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    training_met: Mapped[bool] = mapped_column(primary_key=True)
    training_year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(sa.Integer, default=0)


class CoverageSnapshot(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """Counts of one department subtree for one month (first day of the month)."""

    __tablename__ = "coverage_snapshots"
    __table_args__ = (sa.UniqueConstraint("department_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    active: Mapped[int] = mapped_column(default=0)
    archive: Mapped[int] = mapped_column(default=0)
    pledge: Mapped[int] = mapped_column(default=0)
    appraisal: Mapped[int] = mapped_column(default=0)
    training: Mapped[int] = mapped_column(default=0)
    overall: Mapped[int] = mapped_column(default=0)
    as_of: Mapped[date] = mapped_column(sa.Date)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)


class CoverageRefresh(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A log of full refreshes of the facts (tells whether the year has turned since)."""

    __tablename__ = "coverage_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(sa.Date)
    people: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)


# the triggers that keep coverage_cube current, for schemas built with create_all (tests)
from archive.coverage import cube as _cube  # noqa: E402,F401  (after the models: it imports them)
