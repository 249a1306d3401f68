"""The law, exact (issue 15): every path under "Why", through the services and the API.

Each test names the statute sentence it pins (docs/rules.md; LAW-NOTES §7.6-7.10).
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest

from archive.file import services
from archive.rules import add_months
from core import clock
from core.extensions import db
from tests import factories as f


@pytest.fixture
def committee(region):
    user = f.user("committee", roles=("committee",), department=region.city)
    db.session.commit()
    return user


@pytest.fixture
def make_review(region):
    from archive.reviews import services as reviews

    def _make(people, members=()):
        review = reviews.create_review(name="晋升考察", purpose="promotion", closes_on=clock.today() + timedelta(days=14),
                                       candidates=list(people), members=list(members), created_by=region.hr)
        db.session.commit()
        return review
    return _make


def _file(api, user, person, as_of: date | None = None) -> dict:
    url = f"/api/v1/people/{person.id}/file" + (f"?as_of={as_of.isoformat()}" if as_of else "")
    resp = api(user).get(url)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _kinds(body) -> set[str]:
    return {r["kind"] for r in body["restrictions"]}


class TestHiringBars:
    @pytest.mark.parametrize("values", [
        pytest.param(dict(category="discipline_gov", sanction="expulsion"), id="开除 (art.26(3))"),
        pytest.param(dict(category="discipline_party", sanction="party_expulsion"), id="开除党籍 (art.26(2))"),
        pytest.param(dict(category="judicial", sanction="none", judgment_kind="criminal",
                          restricted_until=clock.today() + timedelta(days=10)), id="刑事处罚 (art.26(1))"),
    ])
    def test_entered_as_general_still_bars_hiring(self, region, api, fx, values):
        """公务员法 art. 26: barred for ever, whatever the severity entered."""
        fx.record(severity="general", notify=True, **values)
        body = _file(api, region.hr, region.person)
        hiring = [r for r in body["restrictions"] if r["kind"] == "hiring"]
        assert any("终身不得录用" in r["reason"] and "第26条" in r["reason"] for r in hiring)

    def test_judicial_record_needs_its_kind(self, region, api, today):
        body = {"category": "judicial", "sanction": "none", "severity": "general",
                "decided_on": add_months(today, -1).isoformat(), "authority": "东营区人民法院", "facts": "判决",
                "restricted_until": add_months(today, 6).isoformat()}
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", json=body)
        assert resp.status_code == 422 and "judgment_kind" in resp.get_json()["error"]["fields"]
        body["judgment_kind"] = "judgment_debtor"
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", json=body)
        assert resp.status_code == 201 and resp.get_json()["judgment_kind"] == "judgment_debtor"

    def test_minor_only_for_admin_penalty(self, region, api, today):
        body = {"category": "discipline_gov", "sanction": "warning", "severity": "minor",
                "decided_on": add_months(today, -1).isoformat(), "authority": "区监委", "facts": "事实"}
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", json=body)
        assert resp.status_code == 422 and "severity" in resp.get_json()["error"]["fields"]
        body.update(category="admin_penalty", sanction="none")
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/records", json=body)
        assert resp.status_code == 201 and resp.get_json()["restricts_until"] is None


def _chain(fx, today):
    """记过 decided 14 months ago (own end 2 months ago), 警告 8 months ago inside its period:
    行政机关公务员处分条例 art. 10 → rest (6 months) + new (6 months) from the 警告."""
    first = fx.record(months_ago=14, notify=add_months(today, -14))
    second = fx.record(months_ago=8, sanction="warning", notify=add_months(today, -8))
    return first, second


class TestChains:
    def test_every_reader_agrees_on_a_chained_record(self, region, api, fx, today, committee, make_review):
        first, second = _chain(fx, today)
        chain_end = add_months(add_months(today, -8), 12)
        assert first.restricted_until < today < chain_end
        # the file (JSON)
        body = _file(api, region.hr, region.person)
        records = {r["id"]: r for r in body["records"]}
        assert records[first.id]["status"] == "effective"
        assert records[first.id]["restricted_until"] == first.restricted_until.isoformat()
        assert records[first.id]["restricts_until"] == chain_end.isoformat()
        assert records[second.id]["restricts_until"] == chain_end.isoformat()
        assert "promotion" in _kinds(body) and body["integrity_status"] == "restricted"
        # GET /records, its ?status= filter
        hr = api(region.hr)
        listed = {r["id"]: r for r in hr.get(f"/api/v1/records?person_id={region.person.id}").get_json()["items"]}
        assert listed[first.id]["status"] == "effective"
        assert listed[first.id]["restricts_until"] == chain_end.isoformat()
        effective = hr.get(f"/api/v1/records?person_id={region.person.id}&status=effective").get_json()["items"]
        assert {r["id"] for r in effective} == {first.id, second.id}
        expired = hr.get(f"/api/v1/records?person_id={region.person.id}&status=expired").get_json()["items"]
        assert expired == []
        # the release job does not release the earlier sanction (art. 9 / 公务员法 art. 65)
        services.release_records(today)
        db.session.commit()
        assert fx.reload(first).status.value == "effective" and fx.reload(second).status.value == "effective"
        # the review verdict
        review = make_review([region.person], [committee])
        candidates = api(committee).get(f"/api/v1/reviews/{review.id}").get_json()["candidates"]
        assert candidates[0]["verdict"] == "ineligible"
        assert any("2" in r and "政务处分" in r for r in candidates[0]["reasons"])
        # the objection guard reads the chain: the record is effective, the window long closed
        resp = api(region.servant).post(f"/api/v1/records/{first.id}/objections", json={"reasons": "理由"})
        assert resp.get_json()["error"]["code"] == "objection_window_closed"
        # the printed PDF
        if shutil.which("pdftotext"):
            resp = hr.get(f"/api/v1/people/{region.person.id}/file.pdf")
            assert resp.status_code == 200
            text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=resp.data, capture_output=True,
                                  check=True).stdout.decode()
            assert f"{chain_end.year}年{chain_end.month}月{chain_end.day}日" in text
            assert text.count("已解除") == 1     # only in the note: no record reads released

    def test_after_the_chain_end_both_are_released(self, region, api, fx, today):
        first, second = _chain(fx, today)
        chain_end = add_months(add_months(today, -8), 12)
        assert services.release_records(chain_end + timedelta(days=1)) == 2
        db.session.commit()
        assert fx.reload(first).status.value == "expired" and fx.reload(second).status.value == "expired"

    def test_as_of_before_the_second_sanction_shows_the_own_end(self, region, api, fx, today):
        first, _ = _chain(fx, today)
        body = _file(api, region.hr, region.person, as_of=add_months(today, -9))
        assert [r["restricts_until"] for r in body["records"] if r["id"] == first.id] == [
            first.restricted_until.isoformat()]
        assert body["integrity_status"] == "restricted"


class TestCasePending:
    def _open_case(self, api, region, today):
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/cases",
                                   json={"started_on": add_months(today, -1).isoformat(), "authority": "东营区监委"})
        assert resp.status_code == 201
        return resp.get_json()

    def test_blocks_transfer_retirement_and_awards(self, region, api, today):
        """政务处分法 art. 52: no transfer, retirement or award while a case is pending."""
        case = self._open_case(api, region, today)
        hr = api(region.hr_city)
        person = hr.get(f"/api/v1/people/{region.person.id}").get_json()
        resp = hr.patch(f"/api/v1/people/{region.person.id}",
                        json={"version": person["version"], "department_id": region.liuhe.id})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "case_pending"
        assert "东营区监委" in resp.get_json()["error"]["message"]
        resp = hr.patch(f"/api/v1/people/{region.person.id}", json={"version": person["version"], "status": "retired"})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "case_pending"
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/awards",
                                   json={"kind": "commendation", "title": "嘉奖", "awarded_on": today.isoformat(),
                                         "authority": "东营区人民政府"})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "case_pending"
        api(region.hr).post(f"/api/v1/cases/{case['id']}/end", json={"ended_on": today.isoformat()})
        resp = hr.patch(f"/api/v1/people/{region.person.id}", json={"version": person["version"], "status": "retired"})
        assert resp.status_code == 200, resp.get_json()

    def test_appraisal_during_a_case_must_be_ungraded(self, region, api, today):
        self._open_case(api, region, today)
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/appraisals",
                                   json={"year": today.year - 1, "grade": "competent"})
        assert resp.status_code == 422
        assert "立案审查" in str(resp.get_json()["error"])


class TestAppraisal:
    def test_competent_in_a_year_of_party_post_removal(self, region, api, fx, today, login_as):
        """组通字〔1998〕19号: 撤销党内职务 → 不称职 that year."""
        year = today.year - 1
        fx.record(category="discipline_party", sanction="party_post_removal", decided_on=date(year, 3, 1),
                  notify=date(year, 3, 2))
        url = f"/api/v1/people/{region.person.id}/appraisals"
        resp = api(region.hr).post(url, json={"year": year, "grade": "competent"})
        assert resp.status_code == 422 and "不称职" in str(resp.get_json()["error"])
        resp = api(region.hr).post(url, json={"year": year, "grade": "competent", "override_reason": "组织决定"})
        assert resp.status_code == 201
        body = _file(api, region.hr, region.person)
        assert body["appraisals"][0]["override_reason"] == "组织决定"
        # issue 19 item 3: the reason is shown on the file page and printed next to the grade
        page = login_as(region.hr).get(f"/people/{region.person.id}/file").get_data(as_text=True)
        assert "data-override-reason" in page and "组织决定" in page
        if shutil.which("pdftotext"):
            pdf = api(region.hr).get(f"/api/v1/people/{region.person.id}/file.pdf").data
            text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                                  check=True).stdout.decode()
            assert "组织决定" in "".join(text.split())     # the grade cell wraps

    def test_recruit_in_probation(self, region, api, today):
        """公务员法 art. 34: a recruit in probation is not graded."""
        recruit = f.person("赵新", department=region.wenhui, entry_date=date(today.year - 1, 6, 1))
        db.session.commit()
        resp = api(region.hr).post(f"/api/v1/people/{recruit.id}/appraisals",
                                   json={"year": today.year - 1, "grade": "competent"})
        assert resp.status_code == 422 and "试用期" in str(resp.get_json()["error"])

    def test_quota_counts_the_people_to_be_graded(self, region, api, today):
        """§4.1: entering results one by one does not trip the 20% quota."""
        for i in range(9):
            f.person(f"同事{i}", department=region.wenhui, entry_date=date(2015, 1, 1))
        db.session.commit()
        resp = api(region.hr).post(f"/api/v1/people/{region.person.id}/appraisals",
                                   json={"year": today.year - 1, "grade": "excellent"})
        assert resp.status_code == 201, resp.get_json()


class TestRepairScope:
    def test_statutory_record_is_not_repairable(self, region, api, fx, today):
        """政务处分法 arts. 19, 26: a 记过 runs its full period; repair does not end it early."""
        rec = fx.record(months_ago=4, notify=add_months(today, -4))
        body = api(region.servant).get(f"/api/v1/records/{rec.id}/repair-eligibility").get_json()
        category = next(c for c in body["conditions"] if c["code"] == "category")
        assert body["eligible"] is False and category["met"] is False
        assert "期满自动解除" in category["message"] and "异议" in category["message"]
        resp = api(region.servant).post(f"/api/v1/records/{rec.id}/repairs",
                                        json={"correction": "remove_impact", "statement": "已改正"})
        assert resp.status_code in (409, 422)

    def test_as_of_before_a_repair_still_restricts(self, region, api, fx, today):
        rec = fx.record(category="admin_penalty", sanction="none", months_ago=5, notify=add_months(today, -5))
        services.mark_repaired(rec, reason="修复", by=region.hr, on=add_months(today, -1))
        db.session.commit()
        assert _file(api, region.hr, region.person)["integrity_status"] == "good"
        before = _file(api, region.hr, region.person, as_of=add_months(today, -2))
        assert before["integrity_status"] == "restricted"
        assert before["records"][0]["status"] == "effective"


class TestRulesPage:
    def test_rules_page_lists_every_table(self, region, login_as):
        page = login_as(region.hr).get("/rules")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        for needle in ("规则与依据", "中国共产党纪律处分条例", "国家发展改革委令第36号", "国家发展改革委令第58号",
                       "公务员法（2018）第26条", "组通字〔1998〕19号", "48个月"):
            assert needle in text

    def test_rules_api(self, region, api):
        body = api(region.hr).get("/api/v1/rules").get_json()
        assert any(r["period"].startswith("察看期") and "第12条" in r["citation"] for r in body["periods"])
        assert [v["effective_from"] for v in body["repair_versions"]] == ["2023-05-01", "2026-04-01"]
        assert api(region.servant).get("/api/v1/rules").status_code == 403

    def test_rules_page_forbidden_to_servants(self, region, login_as):
        assert login_as(region.servant).get("/rules").status_code == 403


class TestRecordFormPreview:
    def test_preview_gives_sanctions_end_and_chain(self, region, login_as, fx, today):
        """§4.4: the form shows the computed end and, with a running 记过, the chain end (rest + new)."""
        fx.record(months_ago=6, notify=add_months(today, -6))
        client = login_as(region.hr)
        decided = add_months(today, -1)
        data = client.get(f"/people/{region.person.id}/records/preview?category=discipline_gov&sanction=warning"
                          f"&severity=general&decided_on={decided.isoformat()}").get_json()
        assert [s["value"] for s in data["sanctions"]][:2] == ["warning", "demerit"]
        assert data["restricted_until"] == add_months(decided, 6).isoformat()
        assert data["chained"] is True
        rest_plus_new = add_months(today, -6)   # 记过 ends +12 from there; + 6 months of the 警告
        assert data["restricts_until"] == add_months(rest_plus_new, 18).isoformat()

    @pytest.mark.parametrize("query", ["", "category=nope", "category=judicial&decided_on=yesterday",
                                       "category=discipline_party&sanction=party_probation&decided_on=2026-01-15"
                                       "&probation_months=99"])
    def test_bad_input_never_fails(self, region, login_as, query):
        resp = login_as(region.hr).get(f"/people/{region.person.id}/records/preview?{query}")
        assert resp.status_code == 200

    def test_form_has_the_script_and_fields(self, region, login_as):
        page = login_as(region.hr).get(f"/people/{region.person.id}/records/new").get_data(as_text=True)
        assert "js/record_form.js" in page and 'name="judgment_kind"' in page and 'name="probation_months"' in page
        assert "<script>" not in page


class TestDismissed:
    def test_dismissed_less_than_five_years_ago_is_not_hired(self, region, api):
        """Recruitment rules (公务员录用规定 art. 18): 辞退 less than 5 years ago bars hiring."""
        from core.registry import services as registry
        registry.change_status(region.person, "dismissed", reason="辞退")
        db.session.commit()
        body = _file(api, region.hr, region.person)
        assert any("辞退未满五年" in r["reason"] for r in body["restrictions"] if r["kind"] == "hiring")


class TestPartyProbationEdit:
    def test_changing_the_probation_moves_the_end(self, region, api, fx, today):
        """党纪处分条例 art. 12: the end follows the probation (+ 24 months)."""
        rec = fx.record(category="discipline_party", sanction="party_probation", severity="serious",
                        probation_months=12)
        assert rec.restricted_until == add_months(rec.decided_on, 36)
        resp = api(region.hr).patch(f"/api/v1/records/{rec.id}", json={"version": rec.version, "probation_months": 24})
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["restricted_until"] == add_months(rec.decided_on, 48).isoformat()
