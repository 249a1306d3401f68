"""The lifecycle of a record through the API (docs/rules.md §4.4-4.5, issue 3 "Done when")."""
from __future__ import annotations

from datetime import timedelta

from archive.file.models import Objection, Record, RecordVersion
from archive.rules import add_months
from core.notify.models import Notification


def _restriction(body, kind):
    return next((r for r in body["restrictions"] if r["kind"] == kind), None)


class TestAcceptance:
    def test_demerit_restricts_promotion_twelve_months_then_releases_itself(self, region, api, today, fx):
        hr = api(region.hr)
        decided = add_months(today, -2)
        resp = hr.post(f"/api/v1/people/{region.person.id}/records", json={
            "category": "discipline_gov", "sanction": "demerit", "severity": "general",
            "decided_on": decided.isoformat(), "authority": "东营区纪委监委", "facts": "违反工作纪律"})
        assert resp.status_code == 201, resp.get_json()
        record = resp.get_json()
        assert record["status"] == "draft"
        until = add_months(decided, 12)
        assert record["restricted_until"] == until.isoformat()

        resp = hr.post(f"/api/v1/records/{record['id']}/notify")
        assert resp.status_code == 200
        assert resp.get_json()["status"] == "notified"
        assert fx.count(Notification, person_id=region.person.id, kind="record_notified") == 1

        body = hr.get(f"/api/v1/people/{region.person.id}/file").get_json()
        assert body["integrity_status"] == "restricted"
        promotion = _restriction(body, "promotion")
        assert promotion["until"] == until.isoformat()
        assert _restriction(body, "award")["until"] == until.isoformat()

        on_last_day = hr.get(f"/api/v1/people/{region.person.id}/file?as_of={until.isoformat()}").get_json()
        assert on_last_day["integrity_status"] == "restricted"
        assert on_last_day["records"][0]["status"] == "effective"

        after = (until + timedelta(days=1)).isoformat()
        body = hr.get(f"/api/v1/people/{region.person.id}/file?as_of={after}").get_json()
        assert body["integrity_status"] == "good"
        assert body["restrictions"] == []
        assert body["records"][0]["status"] == "expired"

    def test_file_page_shows_restriction_until_and_released_state(self, region, login_as, today, fx):
        decided = add_months(today, -2)
        fx.record(notify=True)
        until = add_months(decided, 12)
        c = login_as(region.hr)
        page = c.get(f"/people/{region.person.id}/file").get_data(as_text=True)
        assert "限制晋升" in page and f"{until.year}年{until.month}月{until.day}日" in page
        later = c.get(f"/people/{region.person.id}/file?as_of={(until + timedelta(days=1)).isoformat()}")
        text = later.get_data(as_text=True)
        assert "守信" in text and "已解除" in text and "限制晋升" not in text

    def test_exempted_record_never_restricts(self, region, api, fx, today):
        rec = fx.record(months_ago=1)
        resp = api(region.hr).post(f"/api/v1/records/{rec.id}/exempt", json={"basis": "改革创新中的探索性失误"})
        assert resp.status_code == 200 and resp.get_json()["status"] == "exempted"
        for as_of in (today, add_months(today, -1), add_months(today, 6)):
            body = api(region.hr).get(f"/api/v1/people/{region.person.id}/file?as_of={as_of.isoformat()}").get_json()
            assert body["integrity_status"] == "good" and body["restrictions"] == []

    def test_stored_status_changes_only_by_release_command(self, region, app, fx, today):
        rec = fx.record(months_ago=14, notify=add_months(today, -14))
        assert fx.reload(rec).status.value == "notified"
        result = app.test_cli_runner().invoke(args=["records", "release"])
        assert "1 records updated" in result.output
        rec = fx.reload(rec)
        assert rec.status.value == "expired"
        assert fx.count(RecordVersion, record_id=rec.id, action="time") == 1


class TestObjections:
    def test_upheld_objection_revokes_record_and_lifts_restriction_at_once(self, region, api, fx):
        rec = fx.record(notify=True, by=region.hr_city)
        resp = api(region.servant).post(f"/api/v1/records/{rec.id}/objections", json={"reasons": "处分对象有误"})
        assert resp.status_code == 201, resp.get_json()
        objection = resp.get_json()
        body = api(region.hr).get(f"/api/v1/people/{region.person.id}/file").get_json()
        assert body["records"][0]["status"] == "under_objection"
        assert body["integrity_status"] == "restricted"      # not suspended while reviewed

        resp = api(region.hr).post(f"/api/v1/objections/{objection['id']}/decision",
                                   json={"decision": "upheld", "reason": "经核实，记录有误"})
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["record"]["status"] == "revoked"
        body = api(region.hr).get(f"/api/v1/people/{region.person.id}/file").get_json()
        assert body["integrity_status"] == "good" and body["restrictions"] == []
        assert fx.count(Notification, person_id=region.person.id, kind="objection_decided") == 1

    def test_rejected_objection_keeps_the_restriction(self, region, api, fx, today):
        rec = fx.record(notify=add_months(today, -2), by=region.hr_city)
        url = f"/api/v1/records/{rec.id}/objections"
        # docs/rules.md §4.5 / 公务员法 art. 95: the person's objection after the 30-day window is refused
        resp = api(region.servant).post(url, json={"reasons": "我认为处分过重"})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "objection_window_closed"
        last_day = rec.notified_on + timedelta(days=30)
        assert last_day.isoformat() in resp.get_json()["error"]["message"]
        # HR may register it late, only with a reason (kept and shown)
        resp = api(region.hr_city).post(url, json={"reasons": "我认为处分过重"})
        assert resp.status_code == 409 and "late_reason" in resp.get_json()["error"]["fields"]
        resp = api(region.hr_city).post(url, json={"reasons": "我认为处分过重", "late_reason": "本人住院，逾期提交"})
        assert resp.status_code == 201 and resp.get_json()["late_reason"] == "本人住院，逾期提交"
        objection = resp.get_json()
        resp = api(region.hr).post(f"/api/v1/objections/{objection['id']}/decision",
                                   json={"decision": "rejected", "reason": "事实清楚，处分适当"})
        assert resp.status_code == 200
        assert resp.get_json()["record"]["status"] == "effective"
        body = api(region.hr).get(f"/api/v1/people/{region.person.id}/file").get_json()
        assert body["integrity_status"] == "restricted"

    def test_rejection_within_window_goes_back_to_notified(self, region, api, fx):
        rec = fx.record(notify=True, by=region.hr_city)
        objection = api(region.servant).post(f"/api/v1/records/{rec.id}/objections",
                                             json={"reasons": "理由"}).get_json()
        resp = api(region.hr).post(f"/api/v1/objections/{objection['id']}/decision",
                                   json={"decision": "rejected", "reason": "维持"})
        assert resp.get_json()["record"]["status"] == "notified"

    def test_officer_who_entered_the_record_may_not_decide_when_another_exists(self, region, api, fx):
        rec = fx.record(notify=True, by=region.hr)
        objection = api(region.servant).post(f"/api/v1/records/{rec.id}/objections",
                                             json={"reasons": "理由"}).get_json()
        resp = api(region.hr).post(f"/api/v1/objections/{objection['id']}/decision",
                                   json={"decision": "upheld", "reason": "自己处理"})
        assert resp.status_code == 403
        assert "回避" in resp.get_json()["error"]["message"]
        assert fx.count(Objection, status="pending") == 1
        resp = api(region.hr_city).post(f"/api/v1/objections/{objection['id']}/decision",
                                        json={"decision": "upheld", "reason": "由市级处理"})
        assert resp.status_code == 200

    def test_objection_only_on_notified_or_effective_records(self, region, api, fx):
        rec = fx.record()
        resp = api(region.hr).post(f"/api/v1/records/{rec.id}/objections", json={"reasons": "理由"})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "illegal_state"

    def test_drafts_are_hidden_from_the_person(self, region, api, fx, login_as):
        rec = fx.record()
        assert api(region.servant).post(f"/api/v1/records/{rec.id}/objections",
                                        json={"reasons": "理由"}).status_code == 404
        assert api(region.servant).get(f"/api/v1/records/{rec.id}").status_code == 404
        assert api(region.servant).get(f"/api/v1/people/{region.person.id}/file").get_json()["records"] == []
        assert len(api(region.hr).get(f"/api/v1/people/{region.person.id}/file").get_json()["records"]) == 1
        assert f'data-record="{rec.id}"' not in login_as(region.servant).get("/my/file").get_data(as_text=True)

    def test_servant_cannot_object_to_someone_elses_record(self, region, api, fx):
        rec = fx.record(region.other, notify=True, by=region.hr_hekou)
        resp = api(region.servant).post(f"/api/v1/records/{rec.id}/objections", json={"reasons": "理由"})
        assert resp.status_code == 404

    def test_complaint_goes_to_parent_department_hr(self, region, api, fx, login_as):
        rec = fx.record(notify=True, by=region.hr_city)
        objection = api(region.servant).post(f"/api/v1/records/{rec.id}/objections",
                                             json={"reasons": "理由"}).get_json()
        api(region.hr).post(f"/api/v1/objections/{objection['id']}/decision",
                            json={"decision": "rejected", "reason": "维持"})
        resp = api(region.servant).post("/api/v1/complaints", json={
            "subject_type": "objection", "subject_id": objection["id"], "text": "处理过程未听取我的陈述"})
        assert resp.status_code == 201, resp.get_json()
        complaint = resp.get_json()
        # 文汇街道's parent is 东营区: its HR (and the city's) answer; 河口区's does not
        assert api(region.hr_hekou).post(f"/api/v1/complaints/{complaint['id']}/answer",
                                         json={"answer": "x"}).status_code == 404
        assert "处理过程未听取" in login_as(region.hr).get("/objections").get_data(as_text=True)
        resp = api(region.hr).post(f"/api/v1/complaints/{complaint['id']}/answer", json={"answer": "已复查，处理程序合规"})
        assert resp.status_code == 200 and resp.get_json()["status"] == "answered"


class TestTransitions:
    def test_illegal_transitions_are_409(self, region, api, fx):
        hr = api(region.hr)
        rec = fx.record(notify=True)
        for url, body in ((f"/api/v1/records/{rec.id}/notify", None),
                          (f"/api/v1/records/{rec.id}/exempt", {"basis": "容错"})):
            resp = hr.post(url, json=body) if body else hr.post(url)
            assert resp.status_code == 409, url
            assert resp.get_json()["error"]["code"] == "illegal_state"
            assert "已告知" in resp.get_json()["error"]["message"]
        assert hr.post(f"/api/v1/records/{rec.id}/revoke", json={"reason": "录入错误"}).status_code == 200
        resp = hr.post(f"/api/v1/records/{rec.id}/revoke", json={"reason": "again"})
        assert resp.status_code == 409

    def test_every_change_keeps_the_previous_version(self, region, api, fx):
        rec = fx.record()
        hr = api(region.hr)
        resp = hr.patch(f"/api/v1/records/{rec.id}", json={"version": 1, "facts": "更正后的事实"})
        assert resp.status_code == 200 and resp.get_json()["version"] == 2
        hr.post(f"/api/v1/records/{rec.id}/notify")
        versions = fx.count(RecordVersion, record_id=rec.id)
        assert versions == 2
        row = fx.reload(rec)
        assert row.facts == "更正后的事实"
        from core.extensions import db
        old = db.session.execute(db.select(RecordVersion).filter_by(record_id=rec.id, action="update")).scalar_one()
        assert old.snapshot["facts"] == "违反工作纪律，造成不良影响。"

    def test_stale_version_is_409_and_changes_nothing(self, region, api, fx):
        rec = fx.record()
        hr = api(region.hr)
        assert hr.patch(f"/api/v1/records/{rec.id}", json={"version": 1, "facts": "第一次"}).status_code == 200
        resp = hr.patch(f"/api/v1/records/{rec.id}", json={"version": 1, "facts": "第二次"})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "stale_version"
        assert fx.reload(rec).facts == "第一次"

    def test_notified_record_edit_needs_a_reason(self, region, api, fx):
        rec = fx.record(notify=True)
        hr = api(region.hr)
        resp = hr.patch(f"/api/v1/records/{rec.id}", json={"version": 2, "document_no": "东纪〔2026〕1号"})
        assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]
        resp = hr.patch(f"/api/v1/records/{rec.id}", json={"version": 2, "document_no": "东纪〔2026〕1号",
                                                            "reason": "补录文号"})
        assert resp.status_code == 200

    def test_upheld_objection_from_servant_notifies_and_revoked_record_stays(self, region, api, fx):
        rec = fx.record(notify=True, by=region.hr_city)
        api(region.hr).post(f"/api/v1/records/{rec.id}/revoke", json={"reason": "决定机关撤销"})
        assert fx.count(Record) == 1
        body = api(region.servant).get(f"/api/v1/people/{region.person.id}/file").get_json()
        assert body["records"][0]["status"] == "revoked"

    def test_acknowledge_makes_it_effective(self, region, api, fx):
        rec = fx.record(notify=True)
        resp = api(region.servant).post(f"/api/v1/records/{rec.id}/acknowledge")
        assert resp.status_code == 200 and resp.get_json()["status"] == "effective"
        assert api(region.servant).post(f"/api/v1/records/{rec.id}/acknowledge").status_code == 409

    def test_mark_repaired_only_from_effective(self, region, fx, today):
        from archive.file import services
        from core.errors import Conflict
        rec = fx.record(notify=True)
        try:
            services.mark_repaired(rec, reason="修复", by=region.hr)
        except Conflict as exc:
            assert exc.code == "illegal_state"
        else:
            raise AssertionError("a notified record cannot be repaired")
        old = fx.record(months_ago=4, notify=add_months(today, -4))
        services.mark_repaired(old, reason="修复", by=region.hr)
        assert services.evaluate_person(region.person).status.value == "restricted"   # the other one
