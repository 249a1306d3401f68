"""The demo step of the file: every record state, objections, the servant's 行政处罚, coverage shares,
one example per rule of docs/rules.md (a chain, a 留党察看, a pending case, a released 警告, a repaired 行政处罚)."""
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
    demo.build_registry(ctx, "Demo@2026!x")
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
    assert (rec.category.value, rec.status.value) == ("admin_penalty", "effective")
    assert rec.decided_on == add_months(clock.today(), -4) and rec.restricted_until == add_months(rec.decided_on, 12)
    _law_examples_exist()
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


def _law_examples_exist():
    from archive.file.models import CaseFlag
    chained = db.session.execute(sa.select(Record).where(Record.restricts_until > Record.restricted_until)).scalars().all()
    assert len(chained) >= 1 and all(r.category.value == "discipline_gov" for r in chained)
    probation = db.session.execute(sa.select(Record).where(Record.probation_months == 24)).scalars().first()
    assert probation is not None and probation.restricted_until == add_months(probation.decided_on, 48)
    assert db.session.execute(sa.select(sa.func.count()).select_from(CaseFlag)
                              .where(CaseFlag.ended_on.is_(None))).scalar_one() >= 1
    assert db.session.execute(sa.select(Record).where(Record.category == "admin_penalty",
                                                      Record.status == "repaired",
                                                      Record.repaired_on.is_not(None))).scalars().first()
    assert db.session.execute(sa.select(Record).where(Record.category == "discipline_gov",
                                                      Record.status == "expired")).scalars().first()
