"""Scope: HR sees and edits only their subtree; everything else is 404 (pages and API)."""
from datetime import date

import pytest

from core.audit.models import AuditEvent
from core.extensions import db
from core.registry.models import Person
from tests import factories as f


class TestPeoplePages:
    def test_list_shows_exactly_the_subtree(self, region, login_as, client):
        extra = f.person("王五", department=region.shikou)
        db.session.commit()
        body = login_as(region.hr).get("/people").get_data(as_text=True)
        assert "张伟" in body and "王五" in body
        assert "李娜" not in body
        assert extra.id_masked in body

    @pytest.mark.parametrize("who, status", [("hr", 200), ("hr_city", 200), ("hr_hekou", 404)])
    def test_detail_by_relation(self, region, login_as, who, status):
        resp = login_as(getattr(region, who)).get(f"/people/{region.person.id}/registry")
        assert resp.status_code == status

    def test_nonexistent_person_is_404(self, region, login_as):
        assert login_as(region.hr).get("/people/999999/registry").status_code == 404

    def test_servant_sees_only_self(self, region, login_as):
        c = login_as(region.servant)
        assert c.get(f"/people/{region.person.id}/registry").status_code == 200
        assert c.get(f"/people/{region.other.id}/registry").status_code == 404
        assert c.get("/people").status_code == 403

    def test_edit_out_of_scope_is_404_and_writes_nothing(self, region, login_as):
        before = region.other.name
        resp = login_as(region.hr).post(f"/people/{region.other.id}/edit", data={"name": "篡改"})
        assert resp.status_code == 404
        db.session.expire_all()
        assert db.session.get(Person, region.other.id).name == before

    def test_view_is_audited(self, region, login_as):
        login_as(region.hr).get(f"/people/{region.person.id}/registry")
        events = db.session.execute(db.select(AuditEvent).filter_by(action="person_view",
                                                                    person_id=region.person.id)).scalars().all()
        assert len(events) == 1 and events[0].actor_name == "hr"

    def test_parent_path_prefix_does_not_leak(self, db, login_as):
        """A department with id 1 must not see id 10..19 ('/1/' is not a prefix of '/10/')."""
        depts = [f.department(f"单位{i}") for i in range(1, 12)]
        one, ten = depts[0], depts[9]
        assert one.path == "/1/" and ten.path == "/10/"
        f.person("甲", department=one)
        f.person("乙", department=ten)
        hr = f.user("hr1", roles=("hr",), department=one)
        db.session.commit()
        body = login_as(hr).get("/people").get_data(as_text=True)
        assert "甲" in body and "乙" not in body


class TestPersonForm:
    def test_bad_input_shows_chinese_errors_and_keeps_values(self, region, login_as):
        resp = login_as(region.hr).post("/people/new", data={
            "name": "新人", "id_number": "110105194912310021", "department_id": region.wenhui.id,
            "entry_date": "2020-02-30", "post": "科员"})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert "校验位错误" in body
        assert "日期格式" in body
        assert 'value="新人"' in body and 'value="科员"' in body
        assert db.session.execute(db.select(Person).filter_by(name="新人")).first() is None

    def test_register_and_duplicate(self, region, login_as):
        idn = f.id_number(date(1990, 5, 6))
        data = {"name": "新人", "id_number": idn, "department_id": region.wenhui.id, "entry_date": "2020-02-03"}
        c = login_as(region.hr)
        assert c.post("/people/new", data=data).status_code == 302
        resp = c.post("/people/new", data=data | {"name": "另一人"})
        assert "已登记" in resp.get_data(as_text=True)
        assert db.session.execute(db.select(Person).filter_by(name="另一人")).first() is None

    def test_cannot_register_into_sibling_county(self, region, login_as):
        resp = login_as(region.hr).post("/people/new", data={
            "name": "越权", "id_number": f.id_number(), "department_id": region.liuhe.id, "entry_date": "2020-01-01"})
        assert "管理范围" in resp.get_data(as_text=True)
        assert db.session.execute(db.select(Person).filter_by(name="越权")).first() is None

    def test_transfer_keeps_history(self, region, login_as):
        c = login_as(region.hr)
        resp = c.post(f"/people/{region.person.id}/transfer", data={
            "department_id": region.shikou.id, "on": "2026-01-05", "reason": "工作需要",
            "version": region.person.version})
        assert resp.status_code == 302
        db.session.expire_all()
        p = db.session.get(Person, region.person.id)
        assert p.department_id == region.shikou.id and p.department_path == region.shikou.path
        page = c.get(f"/people/{p.id}/registry").get_data(as_text=True)
        assert "调动" in page and "史口镇" in page


class TestRevealId:
    def test_reveal_is_for_hr_in_scope_and_audited(self, region, login_as):
        from core import crypto
        full = crypto.decrypt(region.person.id_cipher)
        resp = login_as(region.hr).post(f"/people/{region.person.id}/reveal")
        assert full in resp.get_data(as_text=True)
        assert db.session.execute(db.select(AuditEvent).filter_by(action="id_reveal")).scalar_one()
        assert login_as(region.hr_hekou).post(f"/people/{region.person.id}/reveal").status_code == 404
        assert login_as(region.servant).post(f"/people/{region.person.id}/reveal").status_code == 403

    def test_id_number_not_stored_in_clear(self, region):
        from core import crypto
        full = crypto.decrypt(region.person.id_cipher)
        row = db.session.execute(db.text("SELECT id_cipher, id_hash, id_masked FROM people WHERE id = :i"),
                                 {"i": region.person.id}).one()
        assert full not in "".join(row)
