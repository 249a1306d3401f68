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

:data:`SOURCES` names the tables the facts are computed from and the change
(``core.changes.changed(person_ids, what)``) that their writers note so that facts.py
recomputes those people; tests/archive/coverage/test_coverage_metrics.py holds it equal to
core.changes.FACT_TABLES.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from archive.rules import appraisal_year_for_coverage
from core import changes

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


# ---------------------------------------------------------------------------- what changes them

#: source table -> the ``core.changes`` change its writers note (as core.changes.TABLE_WHAT)
SOURCES = {
    "people": changes.PERSON,            # status, department, appointment, entry date, leading post
    "archive_files": changes.FILE,       # established
    "appraisals": changes.APPRAISAL,     # year
    "pledges": changes.PLEDGE,           # status, signed_on, kind
    "enrolments": changes.TRAINING,      # through the training summary
    "training_status": changes.TRAINING, # meets
}
