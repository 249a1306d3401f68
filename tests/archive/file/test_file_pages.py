"""The pages of the file: scope, actions by role and state, forms, worklists, query count, audit."""
from __future__ import annotations

import io
from datetime import date

import pytest

from archive.file.models import Appraisal, Objection, Record
from archive.rules import add_months
from core import clock
from core.audit.models import AuditEvent
from core.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _text(resp):
    return resp.get_data(as_text=True)


class TestScope:
    def test_servant_sees_only_own_file(self, region, login_as):
        c = login_as(region.servant)
        assert c.get("/my/file").status_code == 200
        assert c.get(f"/people/{region.person.id}/file").status_code == 200
        assert c.get(f"/people/{region.other.id}/file").status_code == 404

    @pytest.mark.parametrize("who, status", [("hr", 200), ("hr_city", 200), ("hr_hekou", 404)])
    def test_hr_by_subtree(self, region, login_as, api, who, status):
        user = getattr(region, who)
        assert login_as(user).get(f"/people/{region.person.id}/file").status_code == status
        assert api(user).get(f"/api/v1/people/{region.person.id}/file").status_code == status

    def test_sibling_county_gets_404_on_records_and_objections(self, region, login_as, fx):
        rec = fx.record(notify=True, by=region.hr_city)
        c = login_as(region.hr_hekou)
        assert c.get(f"/records/{rec.id}").status_code == 404
        assert c.post(f"/records/{rec.id}/notify").status_code == 404
        assert c.get(f"/records/{rec.id}/revoke").status_code == 404
        assert "张伟" not in _text(c.get("/records"))

    def test_sysadmin_and_auditor_cannot_read_files(self, region, login_as):
        for user in (region.sysadmin, region.auditor):
            assert login_as(user).get(f"/people/{region.person.id}/file").status_code in (403, 302)


class TestFilePage:
    def test_hr_sees_actions_by_state(self, region, login_as, fx):
        draft = fx.record()
        page = _text(login_as(region.hr).get(f"/people/{region.person.id}/file"))
        assert f"/records/{draft.id}/notify" in page and f"/records/{draft.id}/exempt" in page
        assert "登记失信记录" in page and "草稿" in page

    def test_servant_sees_objection_button_not_hr_actions(self, region, login_as, fx):
        rec = fx.record(notify=True)
        page = _text(login_as(region.servant).get("/my/file"))
        assert f"/records/{rec.id}/objections/new" in page
        assert f"/records/{rec.id}/acknowledge" in page
        assert f"/records/{rec.id}/revoke" not in page and "登记失信记录" not in page

    def test_viewing_a_file_is_audited(self, region, login_as):
        login_as(region.hr).get(f"/people/{region.person.id}/file")
        ev = db.session.execute(db.select(AuditEvent).filter_by(action="file_view")).scalars().all()
        assert len(ev) == 1 and ev[0].person_id == region.person.id and ev[0].actor_id == region.hr.id

    def test_constant_number_of_queries(self, region, login_as, fx, count_queries, today):
        c = login_as(region.hr)
        fx.record(notify=True, by=region.hr_city)
        url = f"/people/{region.person.id}/file?as_of={today.isoformat()}"   # built each time, never cached
        c.get(url)                                      # warm up (templates, first-request work)
        db.session.commit()                             # same starting state as after the inserts below
        with count_queries() as one:
            assert c.get(url).status_code == 200
        for i in range(19):
            rec = fx.record(months_ago=i % 12 + 1, notify=i % 3 == 0, by=region.hr_city, commit=False,
                            sanction=("warning", "demerit", "major_demerit")[i % 3])
            if i % 4 == 0:
                from archive.file import services
                services.add_appraisal(region.person, 2000 + i, "competent", by=region.hr)
            if i in (0, 3):
                from archive.file import services
                services.file_objection(rec, "理由", region.servant)
        db.session.commit()
        with count_queries() as twenty:
            assert c.get(url).status_code == 200
        assert twenty[0] == one[0], (one[0], twenty[0])

    def test_record_detail_shows_history(self, region, login_as, api, fx):
        rec = fx.record()
        api(region.hr).patch(f"/api/v1/records/{rec.id}", json={"version": 1, "document_no": "东纪〔2026〕8号"})
        api(region.hr).post(f"/api/v1/records/{rec.id}/notify")
        page = _text(login_as(region.hr).get(f"/records/{rec.id}"))
        assert "变更历史" in page and "告知" in page and "东纪〔2026〕8号" in page and "草稿 → 已告知" in page


class TestForms:
    def test_record_form_wrong_sanction_shows_inline_error_and_keeps_values(self, region, login_as, fx):
        resp = login_as(region.hr).post(f"/people/{region.person.id}/records/new", data={
            "category": "discipline_gov", "sanction": "admonition", "severity": "general",
            "decided_on": add_months(clock.today(), -1).isoformat(), "authority": "区纪委", "facts": "保留的事实文字"})
        assert resp.status_code == 200
        page = _text(resp)
        assert "不属于政务处分" in page and "保留的事实文字" in page and "is-invalid" in page
        assert fx.count(Record) == 0

    def test_record_form_with_evidence_creates_draft(self, region, login_as, fx):
        resp = login_as(region.hr).post(f"/people/{region.person.id}/records/new", data={
            "category": "accountability", "sanction": "admonition", "severity": "general",
            "decided_on": add_months(clock.today(), -1).isoformat(), "authority": "区委组织部", "facts": "履职不力",
            "evidence": (io.BytesIO(PNG), "scan.png")}, content_type="multipart/form-data")
        assert resp.status_code == 302
        rec = db.session.execute(db.select(Record)).scalar_one()
        assert rec.status.value == "draft" and rec.restricted_until == add_months(rec.decided_on, 6)
        page = _text(login_as(region.hr).get(f"/records/{rec.id}"))
        assert "scan.png" in page

    def test_bad_date_in_form_is_inline(self, region, login_as, fx):
        resp = login_as(region.hr).post(f"/people/{region.person.id}/records/new", data={
            "category": "discipline_gov", "sanction": "warning", "severity": "general", "decided_on": "2026-02-30",
            "authority": "区纪委", "facts": "事实"})
        assert resp.status_code == 200 and "日期格式" in _text(resp)
        assert fx.count(Record) == 0

    def test_appraisal_form_asks_for_override_reason(self, region, login_as, fx):
        year = clock.today().year
        fx.record(decided_on=date(year, 1, 3), notify=True)
        c = login_as(region.hr)
        resp = c.post(f"/people/{region.person.id}/appraisals/new", data={"year": year, "grade": "excellent"})
        assert resp.status_code == 200
        page = _text(resp)
        assert "考核规则提示" in page and "不定等次" in page
        assert fx.count(Appraisal) == 0
        resp = c.post(f"/people/{region.person.id}/appraisals/new",
                      data={"year": year, "grade": "excellent", "override_reason": "经集体研究决定"})
        assert resp.status_code == 302 and fx.count(Appraisal) == 1

    def test_notify_button_notifies_and_illegal_repeat_is_a_clear_message(self, region, login_as, fx):
        rec = fx.record()
        c = login_as(region.hr)
        resp = c.post(f"/records/{rec.id}/notify", data={"version": rec.version}, follow_redirects=True)
        assert "已告知本人" in _text(resp)
        resp = c.post(f"/records/{rec.id}/notify", data={"version": fx.reload(rec).version}, follow_redirects=True)
        assert "不能告知" in _text(resp)

    def test_revoke_form_requires_reason(self, region, login_as, fx):
        rec = fx.record(notify=True)
        c = login_as(region.hr)
        resp = c.post(f"/records/{rec.id}/revoke", data={"reason": "", "version": rec.version})
        assert resp.status_code == 200 and "此项为必填项" in _text(resp)
        resp = c.post(f"/records/{rec.id}/revoke", data={"reason": "录入错误", "version": rec.version})
        assert resp.status_code == 302 and fx.reload(rec).status.value == "revoked"

    def test_servant_files_objection_and_hr_decides_on_pages(self, region, login_as, fx):
        rec = fx.record(notify=True, by=region.hr_city)
        s = login_as(region.servant)
        resp = s.post(f"/records/{rec.id}/objections/new", data={
            "reasons": "处分对象错误", "attachments": (io.BytesIO(PNG), "proof.png")}, content_type="multipart/form-data")
        assert resp.status_code == 302
        objection = db.session.execute(db.select(Objection)).scalar_one()
        hr_client = login_as(region.hr, s.application.test_client())
        assert "处理异议" in _text(hr_client.get(f"/objections/{objection.id}"))
        assert f'data-objection="{objection.id}"' in _text(hr_client.get("/objections"))
        resp = hr_client.post(f"/objections/{objection.id}", data={"decision": "upheld", "reason": "核实有误",
                                                                   "version": objection.version})
        assert resp.status_code == 302
        assert fx.reload(rec).status.value == "revoked"


class TestWorklists:
    def test_records_list_filters_by_effective_status(self, region, login_as, fx, today):
        fx.record()
        fx.record(months_ago=14, notify=add_months(today, -14))
        c = login_as(region.hr)
        assert _text(c.get("/records?status=draft")).count('data-record="') == 1
        assert _text(c.get("/records?status=expired")).count('data-record="') == 1
        assert _text(c.get("/records?status=effective")).count('data-record="') == 0
        assert _text(c.get("/records?sort=name&dir=desc")).count('data-record="') == 2

    def test_home_cards(self, region, login_as, fx, app):
        fx.record()
        from archive.file.worklists import worklist_cards
        from core.views import WORKLIST_PROVIDERS
        assert worklist_cards in WORKLIST_PROVIDERS
        with app.test_request_context():
            cards = worklist_cards(region.hr)
            assert any(c["title"] == "待告知的失信记录" and c["count"] == 1 for c in cards)
            assert worklist_cards(region.hr_hekou) == []

    def test_two_consecutive_incompetent(self, region, login_as):
        from archive.file import services
        year = clock.today().year - 1
        services.add_appraisal(region.person, year - 1, "incompetent", by=region.hr)
        services.add_appraisal(region.person, year, "incompetent", by=region.hr)
        db.session.commit()
        page = _text(login_as(region.hr).get("/worklists/incompetent"))
        assert "张伟" in page
        assert "连续两年" in _text(login_as(region.hr).get(f"/people/{region.person.id}/file"))


class TestEveryPageRenders:
    def test_get_pages(self, region, login_as, fx, api):
        from archive.file import services
        rec = fx.record(notify=True, by=region.hr_city)
        draft = fx.record(months_ago=1)
        check = services.add_matter_check(region.person, year=2024, result="omission", by=region.hr)
        case = services.set_case(region.person, started_on=date(2026, 1, 5), authority="区监委", by=region.hr)
        db.session.commit()
        objection = api(region.servant).post(f"/api/v1/records/{rec.id}/objections", json={"reasons": "理由"}).get_json()
        api(region.hr).post(f"/api/v1/objections/{objection['id']}/decision",
                            json={"decision": "rejected", "reason": "维持"})
        complaint = api(region.servant).post("/api/v1/complaints", json={
            "subject_type": "objection", "subject_id": objection["id"], "text": "投诉"}).get_json()
        hr = login_as(region.hr)
        pid = region.person.id
        for url in (f"/people/{pid}/file", f"/people/{pid}/appraisals/new", f"/people/{pid}/awards/new",
                    f"/people/{pid}/matter-checks/new", f"/people/{pid}/records/new", f"/people/{pid}/cases/new",
                    f"/records/{rec.id}", f"/records/{rec.id}/edit", f"/records/{draft.id}/exempt",
                    f"/records/{draft.id}/revoke", f"/records/{rec.id}/objections/new",
                    f"/matter-checks/{check.id}/convert", f"/cases/{case.id}/end",
                    f"/objections/{objection['id']}", f"/complaints/{complaint['id']}", "/records", "/objections",
                    "/objections?due=all", "/worklists/incompetent", "/"):
            resp = hr.get(url)
            assert resp.status_code == 200, url
        servant = login_as(region.servant, hr.application.test_client())
        for url in ("/my/file", f"/records/{rec.id}", f"/objections/{objection['id']}",
                    f"/complaints/{complaint['id']}",
                    f"/complaints/new?subject_type=objection&subject_id={objection['id']}"):
            assert servant.get(url).status_code == 200, url
        assert servant.get(f"/records/{rec.id}/edit").status_code == 403
