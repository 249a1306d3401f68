"""Shared catalogues belong to the department that created them (issue 17 item 7;
ASVS 8.2.1 / 等保 8.1.4.2 e).

A county's HR used to edit, retire or re-categorise a city course or pledge template (and
so flip other people's repair eligibility). Now HR of the owning department, or above it,
changes them; every other HR uses them (enrols, assigns) and gets 403 ``not_owner``.
"""
from __future__ import annotations

import sqlalchemy as sa

from archive.pledges import services as pledges
from core.extensions import db
from tests import factories as f
from training.models import Course

BODY = "本人承诺：遵守宪法法律，廉洁从政，诚实守信，如有违反自愿接受组织处理。"


def city_course(app, region, api) -> dict:
    resp = api(region.hr_city).post("/api/v1/courses", json={
        "code": "CITY-01", "title": "全市廉政教育", "category": "integrity", "integrity": True, "hours": "2",
        "mode": "classroom"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


class TestCourses:
    def test_the_creating_department_owns_the_course(self, app, region, api):
        body = city_course(app, region, api)
        assert db.session.get(Course, body["id"]).owner_department_id == region.city.id

    def test_a_county_uses_but_cannot_change_a_city_course(self, app, region, api):
        body = city_course(app, region, api)
        county = api(region.hr)
        resp = county.patch(f"/api/v1/courses/{body['id']}", json={"version": body["version"], "category": "repair"})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_owner"
        resp = county.patch(f"/api/v1/courses/{body['id']}", json={"version": body["version"], "active": False})
        assert resp.status_code == 403
        assert db.session.get(Course, body["id"]).active
        # but may use it
        resp = county.post(f"/api/v1/courses/{body['id']}/enrolments", json={"person_ids": [region.person.id]})
        assert resp.status_code == 200 and resp.get_json()["enrolled"] == 1
        # the owner (or above) changes it
        resp = api(region.hr_city).patch(f"/api/v1/courses/{body['id']}", json={"version": body["version"],
                                                                              "active": False})
        assert resp.status_code == 200

    def test_the_pages_refuse_and_hide_the_buttons(self, app, region, api, session_login):
        body = city_course(app, region, api)
        c = session_login(region.hr)
        page = c.get(f"/training/courses/{body['id']}").get_data(as_text=True)
        assert "data-not-owner" in page and f"/training/courses/{body['id']}/edit" not in page
        assert c.get(f"/training/courses/{body['id']}/edit").status_code == 403
        assert c.post(f"/training/courses/{body['id']}/materials/new", data={"title": "x"}).status_code == 403
        owner = session_login(region.hr_city).get(f"/training/courses/{body['id']}").get_data(as_text=True)
        assert f"/training/courses/{body['id']}/edit" in owner


class TestPledgeTemplates:
    def _city_template(self, region):
        tpl = pledges.create_template(kind="annual", title="全市年度承诺书", body=BODY, created_by=region.hr_city,
                                      publish=True)
        db.session.commit()
        return tpl

    def test_a_county_assigns_but_cannot_retire_or_revise_a_city_template(self, app, region, api, session_login):
        tpl = self._city_template(region)
        assert tpl.owner_department_id == region.city.id
        county = api(region.hr)
        resp = county.post(f"/api/v1/pledge-templates/{tpl.id}/versions", json={"title": "改", "body": BODY})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_owner"
        c = session_login(region.hr)
        assert c.post(f"/pledges/templates/{tpl.id}/retire").status_code == 403
        assert c.get(f"/pledges/templates/{tpl.id}/edit").status_code == 403
        page = c.get(f"/pledges/templates/{tpl.id}").get_data(as_text=True)
        assert "data-not-owner" in page and f"/pledges/templates/{tpl.id}/retire" not in page
        resp = county.post("/api/v1/pledges", json={"template_id": tpl.id, "person_ids": [region.person.id]})
        assert resp.status_code == 200 and resp.get_json()["assigned"] == 1
        # a new version keeps the owner; the city revises it
        resp = api(region.hr_city).post(f"/api/v1/pledge-templates/{tpl.id}/versions", json={"title": "新", "body": BODY})
        assert resp.status_code == 201
        from archive.pledges.models import PledgeTemplate
        owners = set(db.session.execute(sa.select(PledgeTemplate.owner_department_id)
                                        .filter_by(template_key=tpl.template_key)).scalars())
        assert owners == {region.city.id}

    def test_an_entry_without_owner_is_changed_only_from_a_root(self, app, region, api):
        tpl = pledges.create_template(kind="annual", title="旧模板", body=BODY, created_by=None)   # a draft
        db.session.commit()
        assert tpl.owner_department_id is None
        assert api(region.hr).post(f"/api/v1/pledge-templates/{tpl.id}/publish").status_code == 403
        assert api(region.hr_city).post(f"/api/v1/pledge-templates/{tpl.id}/publish").status_code == 200

    def test_a_sibling_county_cannot_change_the_other_countys_template(self, app, region, api):
        tpl = pledges.create_template(kind="annual", title="河口区承诺书", body=BODY, created_by=region.hr_hekou,
                                      publish=True)
        db.session.commit()
        assert api(region.hr).post(f"/api/v1/pledge-templates/{tpl.id}/publish").status_code == 403
        assert f.department("测试", parent=region.hekou) is not None
