"""Issue 19.15: the account form lists roles as checkboxes (from the Role enum) and links an
account to a person by searching name or id-number suffix through a narrow lookup."""
from __future__ import annotations

import re

import sqlalchemy as sa

from core import crypto
from core.accounts.models import User
from core.enums import Role
from core.extensions import db
from tests import factories as f


class TestRolesAsCheckboxes:
    def test_every_role_of_the_enum_is_a_checkbox(self, region, login_as):
        html = login_as(region.sysadmin).get("/admin/users/new").get_data(as_text=True)
        boxes = re.findall(r'<input class="form-check-input[^"]*" type="checkbox" name="roles" id="role-(\w+)"', html)
        assert boxes == [r.value for r in Role]
        assert "<select" not in html.split('id="roles-field"')[1].split("</fieldset>")[0]
        for role in Role:
            assert f'for="role-{role.value}">{role.label}</label>' in html

    def test_the_checked_roles_are_kept(self, region, login_as):
        user = f.user("hr2", roles=("hr", "committee"), department=region.dongying)
        db.session.commit()
        html = login_as(region.sysadmin).get(f"/admin/users/{user.id}").get_data(as_text=True)
        assert 'id="role-hr" value="hr" checked' in html and 'id="role-committee" value="committee" checked' in html
        assert 'id="role-servant" value="servant">' in html


class TestPersonLookup:
    def test_lookup_by_name_and_suffix_returns_only_name_department_masked_id(self, region, login_as):
        c = login_as(region.sysadmin)
        body = c.get("/admin/people/lookup?q=张伟").get_json()
        assert body["items"] == [{"id": region.person.id, "name": "张伟", "department": "文汇街道",
                                  "id_masked": region.person.id_masked}]
        number = crypto.decrypt(region.person.id_cipher)
        for q in (number[-4:], number[-6:], number):
            ids = [i["id"] for i in c.get(f"/admin/people/lookup?q={q}").get_json()["items"]]
            assert region.person.id in ids, q
        raw = c.get(f"/admin/people/lookup?q={number[-6:]}").get_data(as_text=True)
        assert number not in raw and "phone" not in raw and "birth" not in raw

    def test_lookup_limits_and_bad_input(self, region, login_as):
        for i in range(15):
            f.person(f"王测{i}", department=region.shikou)
        db.session.commit()
        c = login_as(region.sysadmin)
        assert len(c.get("/admin/people/lookup?q=王测").get_json()["items"]) == 10
        for q in ("", "王", "%", "x" * 500, "<script>"):
            r = c.get(f"/admin/people/lookup?q={q}")
            assert r.status_code == 200 and isinstance(r.get_json()["items"], list)
        assert login_as(region.hr).get("/admin/people/lookup?q=张伟").status_code == 403

    def test_the_form_links_a_person_found_by_suffix_without_javascript(self, region, login_as, app):
        person = f.person("赵强", department=region.shikou)
        db.session.commit()
        number = crypto.decrypt(person.id_cipher)
        c = login_as(region.sysadmin)
        html = c.get("/admin/users/new").get_data(as_text=True)
        assert 'data-person-lookup="/admin/people/lookup"' in html and "js/person-lookup.js" in html
        resp = c.post("/admin/users/new", data={
            "username": "zhaoqiang", "display_name": "赵强", "roles": ["servant"], "department_id": "0",
            "person_query": number[-6:], "password": "Str0ng!Passw0rd-19", "email": ""})
        assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
        user = db.session.execute(sa.select(User).filter_by(username="zhaoqiang")).scalar_one()
        assert user.person_id == person.id
        edit = c.get(f"/admin/users/{user.id}").get_data(as_text=True)
        assert f"赵强（史口镇，{person.id_masked}）" in edit

    def test_an_ambiguous_or_unknown_person_is_a_field_error(self, region, login_as):
        f.person("张伟", department=region.shikou)
        db.session.commit()
        c = login_as(region.sysadmin)
        for query, message in (("张伟", "找到多名人员"), ("无此人", "没有找到该人员")):
            resp = c.post("/admin/users/new", data={
                "username": "x1", "display_name": "x", "roles": ["servant"], "department_id": "0",
                "person_query": query, "password": "Str0ng!Passw0rd-19", "email": ""})
            assert resp.status_code == 200 and message in resp.get_data(as_text=True), query
        assert db.session.execute(sa.select(User).filter_by(username="x1")).scalar_one_or_none() is None


def test_a_servant_account_without_a_person_says_so_at_the_search_field(region, login_as):
    resp = login_as(region.sysadmin).post("/admin/users/new", data={
        "username": "x2", "display_name": "x", "roles": ["servant"], "department_id": "0",
        "password": "Str0ng!Passw0rd-19", "email": "", "person_id": "999999999999"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="person_query-err"' in html
