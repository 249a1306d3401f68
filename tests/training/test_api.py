"""API.md "Training": courses, enrolments, completions, a person's evaluation; 422/404/409, nothing written."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from core.extensions import db
from tests import factories as f
from tests.training.conftest import complete_hours
from training.models import Course, Enrolment

COURSE = {"code": "CX-2026-09", "title": "诚信专题：政务诚信建设", "category": "integrity", "integrity": True,
          "hours": 2, "mode": "online"}


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


class TestCourses:
    def test_create_and_list(self, region, api):
        client = api(region.hr)
        resp = client.post("/api/v1/courses", json=dict(COURSE, hours="1.5"))
        assert resp.status_code == 201
        body = resp.get_json()
        assert (body["code"], body["hours"], body["category"], body["version"]) == ("CX-2026-09", 1.5, "integrity", 1)
        listing = client.get("/api/v1/courses?category=integrity").get_json()
        assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]
        assert client.get("/api/v1/courses?category=repair").get_json()["total"] == 0
        assert api(region.servant).get("/api/v1/courses").status_code == 200
        resp = client.patch(f"/api/v1/courses/{body['id']}", json={"version": 1, "hours": 3})
        assert resp.status_code == 200 and resp.get_json()["hours"] == 3
        assert client.patch(f"/api/v1/courses/{body['id']}", json={"version": 1, "hours": 4}).status_code == 409

    def test_bad_values_answer_422_in_chinese_and_write_nothing(self, region, api):
        client = api(region.hr)
        cases = [({"hours": "两小时"}, "hours", "学时须为数字，例如 2 或 1.5"), ({"hours": -1}, "hours", "学时不能为负数"),
                 ({"category": "sport"}, "category", "取值无效"), ({"hours": None}, "hours", None),
                 ({"extra": 1}, "extra", "不支持的字段")]
        for change, field, message in cases:
            resp = client.post("/api/v1/courses", json=dict(COURSE, **change))
            assert resp.status_code == 422, change
            error = resp.get_json()["error"]
            assert field in error["fields"]
            if message:
                assert error["fields"][field] == message
        resp = client.post("/api/v1/courses", data="{", content_type="application/json")
        assert resp.status_code == 400
        assert count(Course) == 0

    def test_duplicate_code_is_409_and_servant_cannot_create(self, region, api):
        assert api(region.hr).post("/api/v1/courses", json=COURSE).status_code == 201
        resp = api(region.hr).post("/api/v1/courses", json=dict(COURSE, code="cx-2026-09"))
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "duplicate_code"
        assert api(region.servant).post("/api/v1/courses", json=dict(COURSE, code="X-2")).status_code == 403
        assert count(Course) == 1


class TestEnrolmentsAndCompletions:
    def test_enrol_people_or_a_department(self, region, integrity_online, api):
        client = api(region.hr)
        shikou = f.person("王强", department=region.shikou)
        db.session.commit()
        url = f"/api/v1/courses/{integrity_online.id}/enrolments"
        assert client.post(url, json={"person_ids": [region.person.id]}).get_json() == {"enrolled": 1, "skipped": 0}
        assert client.post(url, json={"department_id": region.dongying.id}).get_json() == {"enrolled": 1,
                                                                                          "skipped": 1}
        assert {e.person_id for e in db.session.execute(sa.select(Enrolment)).scalars()} == {region.person.id,
                                                                                             shikou.id}

    def test_scope_unknown_and_bad_bodies(self, region, integrity_online, api):
        client = api(region.hr)
        url = f"/api/v1/courses/{integrity_online.id}/enrolments"
        assert client.post(url, json={"person_ids": [region.person.id, region.other.id]}).status_code == 404
        assert client.post(url, json={"department_id": region.hekou.id}).status_code == 404
        assert client.post("/api/v1/courses/9999/enrolments", json={"person_ids": [region.person.id]}
                           ).status_code == 404
        assert client.post(url, json={}).status_code == 422
        assert client.post(url, json={"person_ids": ["张伟"]}).status_code == 422
        assert api(region.servant).post(url, json={"person_ids": [region.person.id]}).status_code == 403
        assert count(Enrolment) == 0

    def test_completion_201_then_duplicate_409(self, region, integrity_online, api, today):
        client = api(region.hr)
        url = f"/api/v1/courses/{integrity_online.id}/completions"
        resp = client.post(url, json={"person_id": region.person.id, "completed_on": today.isoformat(),
                                      "hours": 6, "score": 95})
        assert resp.status_code == 201
        body = resp.get_json()
        assert (body["status"], body["hours"], body["score"]) == ("completed", 6, 95)
        assert body["certificate_no"] == f"CX-01-{today:%Y%m%d}-{region.person.id:07d}"
        resp = client.post(url, json={"person_id": region.person.id, "completed_on": today.isoformat()})
        assert resp.status_code == 409

    def test_bad_completions_are_422_and_write_nothing(self, region, integrity_online, api, today):
        client = api(region.hr)
        url = f"/api/v1/courses/{integrity_online.id}/completions"
        base = {"person_id": region.person.id, "completed_on": today.isoformat()}
        cases = [({"completed_on": "2026-02-30"}, "completed_on", "日期格式须为 YYYY-MM-DD"),
                 ({"completed_on": (today + timedelta(days=1)).isoformat()}, "completed_on", "完成日期不能晚于今天"),
                 ({"hours": "abc"}, "hours", "学时须为数字，例如 2 或 1.5"), ({"hours": -2}, "hours", "学时不能为负数"),
                 ({"score": 101}, "score", "数值过大")]
        for change, field, message in cases:
            resp = client.post(url, json=dict(base, **change))
            assert resp.status_code == 422, change
            assert resp.get_json()["error"]["fields"][field] == message
        assert client.post(url, json=dict(base, person_id=region.other.id)).status_code == 404
        assert client.post("/api/v1/courses/9999/completions", json=base).status_code == 404
        assert count(Enrolment) == 0


class TestPersonTraining:
    def test_evaluation_shape(self, region, integrity_online, api, today):
        complete_hours(region.person, integrity_online, max(date(today.year, 1, 1), today - timedelta(days=1)),
                       hours="4")
        db.session.commit()
        body = api(region.hr).get(f"/api/v1/people/{region.person.id}/training?year={today.year}").get_json()
        assert (body["year"], body["meets"], body["hours"], body["integrity_hours"]) == (today.year, False, 4, 4)
        req = {r["code"]: r for r in body["requirements"]}
        assert list(req) == ["initial", "appointment", "integrity_hours", "annual_hours", "leader_five_year"]
        gap = req["integrity_hours"]
        assert (gap["applies"], gap["met"], gap["required_hours"], gap["done_hours"]) == (True, False, 6, 4)
        assert gap["due_on"] == f"{today.year}-12-31" and gap["overdue"] is False
        assert gap["message"] == "本年度诚信教育学时 4/6，还差 2 学时"
        assert [c["course_code"] for c in body["completions"]] == ["CX-01"]
        url = f"/api/v1/people/{region.person.id}/training?year={today.year - 1}"
        past = api(region.hr).get(url).get_json()
        assert past["as_of"] == f"{today.year - 1}-12-31" and past["completions"] == []
        assert past["requirements"][2]["overdue"] is False
        assert api(region.hr).get(f"{url}&as_of={today}").get_json()["requirements"][2]["overdue"] is True

    def test_scope(self, region, api):
        assert api(region.servant).get(f"/api/v1/people/{region.person.id}/training").status_code == 200
        assert api(region.servant).get(f"/api/v1/people/{region.other.id}/training").status_code == 404
        assert api(region.hr_hekou).get(f"/api/v1/people/{region.person.id}/training").status_code == 404
        assert api(region.hr).get(f"/api/v1/people/{region.person.id}/training?year=abc").status_code == 422
        assert api(region.auditor).get(f"/api/v1/people/{region.person.id}/training").status_code == 403
