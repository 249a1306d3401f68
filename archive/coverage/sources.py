"""Where each coverage fact comes from: SQL correlated to a ``people`` row (docs/rules.md §7).

The rules belong to the packages that own the facts and are used through their SQL:

* established: ``archive_files.established`` (archive/file: ``establish_file``);
* pledge: ``archive.pledges.queries.valid_pre_appointment_pledge_clause`` (signed a
  pre-appointment pledge on or after the start of the current post, docs/rules.md §5);
* appraisal: the latest ``appraisals.year`` up to the year coverage expects;
* training: ``training_status.meets`` of the year, the training package's cache of its
  exact set-based evaluation (``training.queries.evaluation``), which it keeps current on
  every completion and with ``flask --app wsgi training refresh``.

Each flag is a SQL twin of its owner's rule (docs/rules-sql.md); the differential test
tests/archive/test_differential.py::test_coverage_flags_and_gap_lists holds them equal.

``tracked_models`` / ``tracked_tables`` tell the listener in facts.py which writes change
which person's facts.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from archive.rules import appraisal_year_for_coverage

# ---------------------------------------------------------------------------- the facts


def expected_appraisal_year(as_of: date) -> int:
    return appraisal_year_for_coverage(as_of)


def established(p):
    """档案已建立: the person's file is established (docs/rules.md §4)."""
    from archive.file.models import ArchiveFile
    af = ArchiveFile.__table__
    return sa.exists().where(af.c.person_id == p.c.id, af.c.established == sa.true())


def pledge_ok(p, as_of: date):
    """A valid pre-appointment pledge for the current post (docs/rules.md §5). Correlates to the
    people table, whichever alias of it ``p`` is."""
    from archive.pledges.queries import valid_pre_appointment_pledge_clause
    return valid_pre_appointment_pledge_clause()


def last_appraisal_year(p, as_of: date):
    """The latest appraisal year recorded, capped at the year coverage expects at ``as_of``
    (an appraisal of a later year never hides a missing one)."""
    from archive.file.models import Appraisal
    a = Appraisal.__table__
    return (sa.select(sa.func.max(a.c.year))
            .where(a.c.person_id == p.c.id, a.c.year <= expected_appraisal_year(as_of))
            .scalar_subquery())


def training_met(p, year: int, as_of: date):
    """Meets every training requirement of ``year`` (docs/rules.md §6), from the training package's
    summary; no row for the year means no completion that year: not met."""
    from training.models import TrainingStatus
    ts = TrainingStatus.__table__
    return sa.exists().where(ts.c.person_id == p.c.id, ts.c.year == year, ts.c.meets == sa.true())


# ---------------------------------------------------------------------------- what to watch

IGNORE, EVERYONE, LISTED_IDS, NEW_ROWS = "ignore", "everyone", "listed_ids", "new_rows"


@dataclass(frozen=True)
class Tracked:
    """A source table.

    ``person_key``: the column/attribute holding the person id (``id`` for people).
    ``attrs``: the attributes whose change on an existing ORM row matters (None: any).
    ``unknown_insert``: what an INSERT whose rows cannot be read (INSERT … SELECT) means:
    ``everyone`` (refresh all), ``ignore`` (such inserts never change a fact, e.g. pledge
    assignments are born unsigned) or ``listed_ids`` (the statement lists person ids in an
    ``IN``: training_status refreshes of some people; without a list, everyone).
    """
    person_key: str = "person_id"
    attrs: tuple[str, ...] | None = None
    unknown_insert: str = EVERYONE
    person_ids: Callable | None = None


PERSON_ATTRS = ("status", "department_id", "department_path", "appointed_on", "entry_date", "leading")


@functools.cache
def _tracked() -> dict[str, tuple[type | None, Tracked]]:
    from archive.file.models import Appraisal, ArchiveFile
    from archive.pledges.models import Pledge
    from core.registry.models import Person
    from training.models import Enrolment, TrainingStatus
    return {
        "people": (Person, Tracked("id", PERSON_ATTRS, unknown_insert=NEW_ROWS)),
        "archive_files": (ArchiveFile, Tracked(attrs=("established", "person_id"))),
        "appraisals": (Appraisal, Tracked(attrs=("year", "person_id"))),
        "pledges": (Pledge, Tracked(attrs=("status", "signed_on", "kind", "person_id"), unknown_insert=IGNORE)),
        "enrolments": (Enrolment, Tracked(attrs=("status", "completed_on", "hours_credited", "course_id",
                                                 "person_id"))),
        "training_status": (TrainingStatus, Tracked(attrs=("meets", "year", "person_id"),
                                                    unknown_insert=LISTED_IDS)),
    }


@functools.cache
def tracked_models() -> dict[type, Tracked]:
    return {model: spec for model, spec in _tracked().values() if model is not None}


@functools.cache
def tracked_tables() -> dict[str, Tracked]:
    return {name: spec for name, (_, spec) in _tracked().items()}
