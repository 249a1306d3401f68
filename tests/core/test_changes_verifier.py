"""The unit of work's contract (core/changes.py) and the tests' verifier that proves writers
keep it (tests/changes_verifier.py): a write of a row derived data reads must be noted."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from core import changes
from core.extensions import db
from core.guards import allow_bulk
from core.registry.models import Department, Person
from tests import factories as f
from tests.changes_verifier import UnnotedWrite


@pytest.fixture(autouse=True)
def raising(monkeypatch):
    monkeypatch.setenv("CHANGES_VERIFIER", "raise")


def test_an_unknown_change_is_refused():
    with pytest.raises(ValueError, match="unknown change"):
        changes.changed([1], "records")


def test_an_orm_write_of_a_person_needs_the_person_noted(region):
    region.person.post = "副科长"
    with pytest.raises(UnnotedWrite, match=rf"people .* people \[{region.person.id}\].*'person'"):
        db.session.commit()
    db.session.rollback()
    region.person.post = "副科长"
    changes.changed([region.other.id], changes.PERSON)       # somebody else: not enough
    with pytest.raises(UnnotedWrite):
        db.session.commit()
    db.session.rollback()
    region.person.post = "副科长"
    changes.changed([region.person.id], changes.PERSON)
    db.session.commit()
    assert db.session.get(Person, region.person.id).post == "副科长"


def test_a_bulk_update_is_resolved_to_the_people_it_touches(region):
    with allow_bulk("test"):
        db.session.execute(sa.update(Person).where(Person.id == region.person.id).values(phone="13900000000"))
    changes.changed([region.other.id], changes.PERSON)
    with pytest.raises(UnnotedWrite, match=rf"UPDATE people\) for people \[{region.person.id}\]"):
        db.session.commit()
    db.session.rollback()
    with allow_bulk("test"):
        db.session.execute(sa.update(Person).where(Person.id == region.person.id).values(phone="13900000000"))
    changes.changed(None, changes.PERSON)                   # everyone covers anyone
    db.session.commit()


def test_shared_rows_need_a_change_for_everyone_once_they_exist(region):
    new = f.department("新设单位", parent=region.dongying)   # a new department is in no file yet
    new.name = "新设单位（更名）"                             # ... also when completed in the same transaction
    db.session.commit()
    db.session.get(Department, new.id).name = "新设单位二"
    changes.changed([region.person.id], changes.SHARED)     # a person is not everyone
    with pytest.raises(UnnotedWrite, match="departments .* for everyone"):
        db.session.commit()
    db.session.rollback()
    db.session.get(Department, new.id).name = "新设单位二"
    changes.changed(None, changes.SHARED)
    db.session.commit()


def test_a_users_login_bookkeeping_is_not_a_file_change(region):
    region.hr.failed_logins = 3                            # not shown in any file
    db.session.commit()
    region.hr.display_name = "人事干部"                      # shown in files (who entered a record)
    with pytest.raises(UnnotedWrite, match="users"):
        db.session.commit()
    db.session.rollback()


def test_people_inserted_without_ids_are_read_at_commit(region):
    from core import crypto
    idn = f.id_number()
    row = {"name": "批量", "id_hash": crypto.keyed_hash(idn), "id_cipher": crypto.encrypt(idn), "id_masked": "x",
           "gender": "male", "birth_date": date(1990, 1, 1), "department_id": region.shikou.id,
           "department_path": region.shikou.path, "post": "科员", "entry_date": date(2015, 1, 1),
           "status": "active", "version": 1}
    db.session.execute(sa.insert(Person.__table__), [row])
    with pytest.raises(UnnotedWrite, match="INSERT people"):
        db.session.commit()
    db.session.rollback()


def test_what_the_handlers_write_is_derived_data(region):
    """A PERSON change makes the training handler rewrite training_status: exempt (no TRAINING
    note needed for the handler's own write), and the summary is there after the commit."""
    from core.registry import services as registry
    from training.models import TrainingStatus
    with db.engine.begin() as conn:                     # behind the session's back: no summary rows
        conn.execute(sa.delete(TrainingStatus.__table__))
    registry.update_person(region.person, {"post": "三级主任科员"}, version=None)
    db.session.commit()
    rows = db.session.execute(sa.select(TrainingStatus.person_id)).scalars().all()
    assert rows == [region.person.id]
