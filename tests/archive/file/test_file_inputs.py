"""Bad input, appraisals and their entry checks, awards, matter checks, establishment (API)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from archive.file.models import Appraisal, AppraisalVersion, ArchiveFile, Award, MatterCheck, Record
from archive.rules import add_months
from core import clock


def _record_body(**kw):
    body = {"category": "discipline_gov", "sanction": "demerit", "severity": "general",
            "decided_on": add_months(clock.today(), -1).isoformat(), "authority": "东营区纪委监委", "facts": "事实"}
    body.update(kw)
    return body


class TestBadInput:
    @pytest.mark.parametrize("change, field", [
        ({"sanction": "party_warning"}, "sanction"),                 # a party sanction under 政务处分
        ({"category": "judicial", "sanction": "none"}, "restricted_until"),   # set by HR
        ({"decided_on": "2026-13-01"}, "decided_on"),
        ({"decided_on": (clock.today() + timedelta(days=3)).isoformat()}, "decided_on"),
        ({"authority": ""}, "authority"),
        ({"severity": "medium"}, "severity"),
        ({"restricted_until": "2000-01-01"}, "restricted_until"),    # before the decision
        ({"item": "不存在的事项"}, "item"),
        ({"unknown": 1}, "unknown"),
    ])
    def test_invalid_record_is_422_in_chinese_and_writes_nothing(self, region, api, fx, change, field):
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", json=_record_body(**change))
        assert resp.status_code == 422, resp.get_json()
        error = resp.get_json()["error"]
        assert field in error["fields"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["fields"][field])
        assert fx.count(Record) == 0

    def test_missing_fields_are_listed(self, region, api):
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", json={"category": "discipline_gov"})
        assert resp.status_code == 422
        assert {"decided_on", "authority", "facts"} <= set(resp.get_json()["error"]["fields"])

    def test_non_json_is_400(self, region, api):
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", data="category=x",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert resp.status_code == 400
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", data="{bad json",
                                   headers={"Content-Type": "application/json"})
        assert resp.status_code == 400

    def test_bad_as_of_is_422(self, region, api):
        assert api(region.hr).get(f"/api/v1/people/{region.person.id}/file?as_of=yesterday").status_code == 422

    def test_party_probation_needs_twelve_or_twenty_four_months(self, region, api):
        """党纪处分条例 art. 12: 留党察看 1 or 2 years, restricting the probation + 24 months."""
        decided = add_months(clock.today(), -1)
        url = f"/api/v1/people/{region.person.id}/records"
        body = _record_body(category="discipline_party", sanction="party_probation")
        resp = api(region.hr).post(url, json=body)
        assert resp.status_code == 422 and "察看期" in resp.get_json()["error"]["fields"]["probation_months"]
        body["probation_months"] = 18
        assert "probation_months" in api(region.hr).post(url, json=body).get_json()["error"]["fields"]
        body.update(probation_months=24, restricted_until=add_months(decided, 24).isoformat())
        resp = api(region.hr).post(url, json=body)
        assert resp.status_code == 422 and "第12条" in resp.get_json()["error"]["fields"]["restricted_until"]
        del body["restricted_until"]
        resp = api(region.hr).post(url, json=body)
        assert resp.status_code == 201, resp.get_json()
        record = resp.get_json()
        assert record["probation_months"] == 24
        assert record["restricted_until"] == add_months(decided, 48).isoformat()

    def test_roles_and_scope(self, region, api):
        url = f"/api/v1/people/{region.person.id}/records"
        assert api(region.servant).post(url, json=_record_body()).status_code == 403
        assert api(region.hr_hekou).post(url, json=_record_body()).status_code == 404
        assert api(region.hr_city).post(url, json=_record_body()).status_code == 201


class TestAppraisals:
    def test_duplicate_year_is_409_and_correction_keeps_history(self, region, api, fx):
        hr = api(region.hr)
        url = f"/api/v1/people/{region.person.id}/appraisals"
        year = clock.today().year - 1
        assert hr.post(url, json={"year": year, "grade": "competent"}).status_code == 201
        resp = hr.post(url, json={"year": year, "grade": "basically_competent"})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "duplicate"
        resp = hr.post(url, json={"year": year, "grade": "basically_competent", "correct": True, "reason": "复核更正"})
        assert resp.status_code == 201
        body = resp.get_json()
        assert body["grade"] == "basically_competent"
        assert fx.count(Appraisal) == 1 and fx.count(AppraisalVersion) == 1
        file = hr.get(f"/api/v1/people/{region.person.id}/file").get_json()
        assert file["appraisals"][0]["history"][0]["old_grade"] == "competent"
        assert file["appraisals"][0]["history"][0]["reason"] == "复核更正"

    def test_sanction_warning_needs_an_override_reason(self, region, api, fx):
        year = clock.today().year
        fx.record(months_ago=0, decided_on=date(year, 1, 2), notify=True)
        hr = api(region.hr)
        url = f"/api/v1/people/{region.person.id}/appraisals"
        resp = hr.post(url, json={"year": year, "grade": "competent"})
        assert resp.status_code == 422
        fields = resp.get_json()["error"]["fields"]
        assert "不定等次" in fields["grade"] and "override_reason" in fields
        assert fx.count(Appraisal) == 0
        resp = hr.post(url, json={"year": year, "grade": "competent", "override_reason": "处分已被上级机关撤销，文件待补"})
        assert resp.status_code == 201
        assert resp.get_json()["override_reason"].startswith("处分已被")

    def test_ungraded_needs_no_override(self, region, api, fx):
        year = clock.today().year
        fx.record(decided_on=date(year, 1, 2), notify=True)
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/appraisals",
                                   json={"year": year, "grade": "ungraded"})
        assert resp.status_code == 201

    def test_future_year_refused(self, region, api):
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/appraisals",
                                   json={"year": clock.today().year + 1, "grade": "competent"})
        assert resp.status_code == 422 and "year" in resp.get_json()["error"]["fields"]


class TestOtherEntries:
    def test_award_and_matter_check(self, region, api, fx):
        hr = api(region.hr)
        resp = hr.post(f"/api/v1/people/{region.person.id}/awards", json={
            "kind": "merit_3", "title": "防汛抗旱记三等功", "awarded_on": "2024-09-01", "authority": "东营市人民政府"})
        assert resp.status_code == 201 and fx.count(Award) == 1
        url = f"/api/v1/people/{region.person.id}/matter-checks"
        assert hr.post(url, json={"year": 2024, "result": "omission", "notes": "漏报房产"}).status_code == 201
        assert hr.post(url, json={"year": 2024, "result": "truthful"}).status_code == 409
        assert hr.post(url, json={"year": 2024, "result": "lied"}).status_code == 422
        assert fx.count(MatterCheck) == 1

    def test_convert_omission_to_draft_record(self, region, fx):
        from archive.file import services
        check = services.add_matter_check(region.person, year=2024, result="omission", by=region.hr)
        record = services.convert_matter_check_to_record(check, region.person, decided_on=date(2025, 3, 1),
                                                         authority="东营区委组织部", by=region.hr)
        assert record.category.value == "report_omission" and record.status.value == "draft"
        assert record.restricted_until == date(2026, 3, 1)
        assert check.record_id == record.id

    def test_case_pending_blocks_promotion_and_awards(self, region, api):
        hr = api(region.hr)
        resp = hr.post(f"/api/v1/people/{region.person.id}/cases",
                       json={"started_on": add_months(clock.today(), -1).isoformat(), "authority": "东营区监委"})
        assert resp.status_code == 201
        body = hr.get(f"/api/v1/people/{region.person.id}/file").get_json()
        # 政务处分法 art. 52 (promotion, awards) and the recruitment rules (hiring)
        assert {r["kind"] for r in body["restrictions"]} == {"promotion", "award", "hiring"}
        assert body["integrity_status"] == "good"
        hr.post(f"/api/v1/cases/{resp.get_json()['id']}/end", json={"ended_on": clock.today().isoformat()})
        assert hr.get(f"/api/v1/people/{region.person.id}/file").get_json()["restrictions"] == []


class TestEstablish:
    def test_missing_items_then_established(self, region, api, fx):
        hr = api(region.hr)
        url = f"/api/v1/people/{region.person.id}/establish"
        resp = hr.post(url)
        assert resp.status_code == 409
        error = resp.get_json()["error"]
        assert error["code"] == "file_incomplete" and "appraisal" in error["fields"]
        assert fx.count(ArchiveFile, established=True) == 0
        hr.post(f"/api/v1/people/{region.person.id}/appraisals", json={"year": clock.today().year - 1,
                                                                        "grade": "competent"})
        resp = hr.post(url)
        assert resp.status_code == 200 and resp.get_json()["established"] is True
        assert hr.get(f"/api/v1/people/{region.person.id}/file").get_json()["established"] is True
        row = fx.count(ArchiveFile, person_id=region.person.id, established=True)
        assert row == 1

    def test_file_sections_placeholders_are_honest(self, region, api):
        body = api(region.hr).get(f"/api/v1/people/{region.person.id}/file").get_json()
        assert isinstance(body["pledges"], list) and isinstance(body["repairs"], list)
        assert body["training"]["year"] == clock.today().year and "meets" in body["training"]
        assert body["person"]["id_number"].count("*") >= 8
