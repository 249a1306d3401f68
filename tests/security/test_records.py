"""Records are never lost and never silently changed (SECURITY.md "Records never lost").

- optimistic locking: a stale version answers 409 (API) or a Chinese message (form) and
  writes nothing; the ORM version column refuses a concurrent overwrite;
- bulk update()/delete() and ORM deletes are refused on audited tables;
- a fault at any step of a multi-step act (register a person: person row → department
  assignment → history row → audit event → hooks of other packages) leaves no partial rows.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.audit.models import AuditEvent
from core.changes import PERSON, changed
from core.extensions import db
from core.guards import AUDITED_TABLES, BulkWriteRefused, allow_bulk
from core.registry import services as registry
from core.registry.models import DepartmentAssignment, Person, PersonChange
from tests import factories as f


def counts() -> dict:
    return {name: db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for name, model in (("people", Person), ("assignments", DepartmentAssignment),
                                ("changes", PersonChange), ("events", AuditEvent))}


class TestOptimisticLocking:
    def test_stale_patch_is_409_and_writes_nothing(self, app, world):
        pid = world.id("people", "servant_own")
        headers = {"Authorization": f"Bearer {world.tokens['hr']}"}
        c = app.test_client()
        version = c.get(f"/api/v1/people/{pid}", headers=headers).get_json()["version"]
        first = c.patch(f"/api/v1/people/{pid}", json={"version": version, "post": "科长"}, headers=headers)
        assert first.status_code == 200 and first.get_json()["version"] == version + 1
        before = counts()
        stale = c.patch(f"/api/v1/people/{pid}", json={"version": version, "post": "局长"}, headers=headers)
        assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
        db.session.expire_all()
        assert db.session.get(Person, pid).post == "科长"
        assert counts() == before                            # no history row, no audit event
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "person_update")).scalar_one() == 1

    def test_stale_form_save_shows_a_chinese_message(self, world, session_login):
        p = world.people["servant_own"]
        pid, version = p.id, p.version
        c = session_login(world.user("hr"))
        form = {"name": "张伟", "post": "科长", "rank": "一级科员", "entry_date": "2015-03-01", "phone": "13800001234",
                "version": str(version)}
        assert c.post(f"/people/{pid}/edit", data=form).status_code == 302
        resp = c.post(f"/people/{pid}/edit", data={**form, "post": "局长"})
        assert resp.status_code == 200 and "已被他人修改" in resp.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Person, pid).post == "科长"

    def test_version_column_refuses_a_concurrent_overwrite(self, app, world):
        pid = world.id("people", "same_subtree")
        mine = db.session.get(Person, pid)
        assert mine.version == 1
        with Session(db.engine) as other:                 # another request, another connection
            theirs = other.get(Person, pid)
            theirs.post = "他们的修改"
            changed([pid], PERSON, session=other)     # written directly: noted (core.changes)
            other.commit()
        mine.post = "我的修改"
        with pytest.raises(StaleDataError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Person, pid).post == "他们的修改"

    def test_stale_data_error_answers_409(self, make_app):
        application = make_app()

        @application.route("/api/v1/stale")
        def stale():
            raise StaleDataError("UPDATE statement on table 'people' expected to update 1 row(s); 0 were matched.")
        stale.__public__ = True
        resp = application.test_client().get("/api/v1/stale")
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "stale_version"
        assert "UPDATE" not in resp.get_data(as_text=True)


class TestBulkGuard:
    def test_bulk_update_and_delete_refused_on_every_audited_table(self, app):
        assert {"people", "departments", "users", "audit_events", "person_changes"} <= AUDITED_TABLES
        for table in sorted(AUDITED_TABLES):
            t = db.metadata.tables[table]
            with pytest.raises(BulkWriteRefused):
                db.session.execute(sa.update(t).where(sa.false()).values({t.c.id: t.c.id}))
            with pytest.raises(BulkWriteRefused):
                db.session.execute(sa.delete(t).where(sa.false()))
            db.session.rollback()

    def test_orm_delete_refused_and_allow_bulk_needs_a_reason(self, app, world):
        person = world.people["other_subtree"]
        db.session.delete(person)
        with pytest.raises(BulkWriteRefused):
            db.session.flush()
        db.session.rollback()
        with allow_bulk("test maintenance"):
            db.session.execute(sa.update(Person).where(Person.id == person.id).values(rank="二级科员"))
        changed([person.id], PERSON)
        db.session.commit()
        assert db.session.get(Person, person.id).rank == "二级科员"


# ---- fault injection: register_person is one transaction ---------------------------------------

class Boom(RuntimeError):
    pass


def _raise(*_a, **_k):
    raise Boom("injected fault")


@pytest.fixture
def payload(world):
    return {"name": "故障注入", "id_number": f.id_number(), "department_id": world.id("depts", "文汇街道"),
            "entry_date": "2020-01-01", "post": "科员"}


FAULT_POINTS = ["person_insert", "assignment_insert", "history_insert", "audit_event", "registered_hook"]


@pytest.fixture
def fault(monkeypatch):
    """Install a fault at one step of register_person; removed afterwards."""
    installed = []

    def _install(point: str):
        if point == "registered_hook":
            registry.PERSON_REGISTERED.append(_raise)
            installed.append(lambda: registry.PERSON_REGISTERED.remove(_raise))
        elif point == "audit_event":
            monkeypatch.setattr(registry, "record_event", _raise)
        else:
            model = {"person_insert": Person, "assignment_insert": DepartmentAssignment,
                     "history_insert": PersonChange}[point]
            event.listen(model, "before_insert", _raise)
            installed.append(lambda: event.remove(model, "before_insert", _raise))
    yield _install
    for undo in installed:
        undo()


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_fault_in_api_registration_leaves_no_partial_rows(app, world, payload, fault, point):
    before = counts()
    fault(point)
    resp = app.test_client().post("/api/v1/people", json=payload,
                                  headers={"Authorization": f"Bearer {world.tokens['hr']}"})
    assert resp.status_code == 500 and resp.get_json()["error"]["code"] == "server_error"
    db.session.rollback()
    assert counts() == before
    assert db.session.execute(sa.select(Person).filter_by(name="故障注入")).first() is None


@pytest.mark.parametrize("point", ["history_insert", "registered_hook"])
def test_fault_in_form_registration_leaves_no_partial_rows(world, session_login, payload, fault, point):
    before = counts()
    fault(point)
    resp = session_login(world.user("hr")).post("/people/new", data={**payload, "leading": ""})
    assert resp.status_code == 500 and "服务器内部错误" in resp.get_data(as_text=True)
    db.session.rollback()
    assert counts() == before


def test_fault_in_an_appointment_hook_rolls_the_edit_back(app, world):
    p = world.people["servant_own"]
    pid, version = p.id, p.version
    registry.PERSON_APPOINTED.append(_raise)
    try:
        before = counts()
        resp = app.test_client().patch(f"/api/v1/people/{pid}", json={"version": version,
                                                                       "appointed_on": clock.today().isoformat()},
                                       headers={"Authorization": f"Bearer {world.tokens['hr']}"})
        assert resp.status_code == 500
    finally:
        registry.PERSON_APPOINTED.remove(_raise)
    db.session.rollback()
    assert counts() == before
    fresh = db.session.get(Person, pid)
    assert fresh.version == version and fresh.appointed_on is None
