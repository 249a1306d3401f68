"""Derived facts follow the person's own fields: after ``leading`` (or the appointment or entry
date) changes, the training summary, the coverage facts and the file agree (core.changes)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from archive.coverage import services
from archive.coverage.models import CoverageFacts
from core import clock
from core.extensions import db
from core.registry import services as registry
from tests.archive.coverage.coverage_helpers import give


def _training_flags(person):
    from training.models import TrainingStatus
    from training.services import training_status
    db.session.expire_all()
    live = training_status(person, clock.today().year, clock.today()).meets
    cached = db.session.execute(sa.select(TrainingStatus.meets).filter_by(
        person_id=person.id, year=clock.today().year)).scalar_one_or_none()
    fact = db.session.execute(sa.select(CoverageFacts.training_met).filter_by(person_id=person.id)).scalar_one()
    return live, bool(cached), fact


def test_becoming_leading_is_seen_by_coverage(region, course):
    person = region.person
    registry.update_person(person, {"appointed_on": clock.today() - timedelta(days=30)}, version=None)
    give(person, "training")             # the yearly integrity hours: met while not in a leading post
    db.session.commit()
    assert _training_flags(person) == (True, True, True)
    t = services.coverage(region.dongying).totals
    assert t.training >= 1
    registry.update_person(person, {"leading": True}, version=None)      # now the appointment training is due
    db.session.commit()
    assert _training_flags(person) == (False, False, False)
    assert services.coverage(region.dongying).totals.training == t.training - 1
    registry.update_person(person, {"leading": False}, version=None)
    db.session.commit()
    assert _training_flags(person) == (True, True, True)


def test_a_new_entry_date_is_seen_by_coverage(region, course):
    person = region.person
    give(person, "training")
    db.session.commit()
    assert _training_flags(person) == (True, True, True)
    registry.update_person(person, {"entry_date": clock.today() - timedelta(days=40)}, version=None)
    db.session.commit()                  # a new recruit: the initial training is due
    assert _training_flags(person) == (False, False, False)
