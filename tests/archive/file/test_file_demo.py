"""The demo step of the file: every record state, objections, the servant's 记过, coverage shares."""
from __future__ import annotations

import random

import sqlalchemy as sa

from archive.file.demo import demo_file
from archive.file.models import Appraisal, ArchiveFile, Objection, Record
from archive.rules import add_months
from core import clock, demo
from core.extensions import db


def _region(people: int, seed: int = 7):
    ctx = demo.DemoContext(seed=seed, people=people, today=clock.today(), rng=random.Random(seed))
    employers = demo._build_departments(ctx)
    demo._build_people(ctx, employers)
    demo._build_accounts(ctx, "Demo@2026!x")
    db.session.commit()
    return ctx


def test_demo_file_step(app):
    ctx = _region(1500)
    demo_file(ctx)
    db.session.commit()
    statuses = set(db.session.execute(sa.select(Record.status).distinct()).scalars())
    assert {s.value for s in statuses} >= {"draft", "notified", "under_objection", "effective", "revoked",
                                           "exempted", "expired"}
    assert db.session.execute(sa.select(sa.func.count()).select_from(Objection)
                              .where(Objection.status == "pending")).scalar_one() >= 2
    servant = ctx.account_people["servant"]
    rec = db.session.execute(sa.select(Record).where(Record.person_id == servant)).scalar_one()
    assert (rec.sanction.value, rec.status.value) == ("demerit", "effective")
    assert rec.decided_on == add_months(clock.today(), -4) and rec.restricted_until == add_months(rec.decided_on, 12)
    files = db.session.execute(sa.select(sa.func.count()).select_from(ArchiveFile)
                               .where(ArchiveFile.established.is_(True))).scalar_one()
    assert 0.7 * 1500 < files < 0.97 * 1500
    last = db.session.execute(sa.select(sa.func.count()).select_from(Appraisal)
                              .where(Appraisal.year == clock.today().year - 1)).scalar_one()
    assert 0.8 * 1500 < last < 0.99 * 1500
    from archive.file import services
    from core.registry.models import Person
    person = db.session.get(Person, servant)
    assert services.evaluate_person(person).status.value == "restricted"
    assert services.established_missing_items(person) == []
