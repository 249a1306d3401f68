"""HR's review: scope, rejection and the 30-day wait, one transaction per decision, the
queue with due dates and overdue flags, the HR home card, withdrawal."""
from __future__ import annotations

from datetime import timedelta

from archive.enums import RecordStatus
from archive.repair import services
from archive.repair.models import RepairApplication, RepairStatus
from core import clock
from core.changes import RECORD, changed
from core.extensions import db
from core.notify.models import Notification

from .conftest import upload


def _apply(region, api, rec, **body):
    resp = api(region.servant).post(f"/api/v1/records/{rec.id}/repairs",
                                    json={"correction": "remove_impact", "statement": "已消除影响", **body})
    assert resp.status_code == 201, resp.get_json()
    return db.session.get(RepairApplication, resp.get_json()["id"])


class TestScope:
    def test_hr_of_another_county_cannot_see_or_decide(self, app, region, repair, api, login_as):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        hekou = login_as(region.hr_hekou, app.test_client())
        assert application.id and f'data-application="{application.id}"' not in hekou.get("/repairs").get_data(
            as_text=True)
        assert hekou.get(f"/repairs/{application.id}").status_code == 404
        assert hekou.post(f"/repairs/{application.id}/decision",
                          data={"decision": "approved", "reason": "同意"}).status_code == 404
        assert api(region.hr_hekou).post(f"/api/v1/repairs/{application.id}/decision",
                                         json={"decision": "approved", "reason": "同意"}).status_code == 404
        assert api(region.hr_hekou).get(f"/api/v1/repairs/{application.id}").status_code == 404
        assert api(region.hr_hekou).get("/api/v1/repairs").get_json()["total"] == 0
        db.session.expire_all()
        assert db.session.get(RepairApplication, application.id).status is RepairStatus.PENDING
        assert db.session.get(type(rec), rec.id).status is not RecordStatus.REPAIRED

    def test_evidence_is_access_checked(self, app, region, repair, login_as):
        from tests import factories as f
        rec = repair.eligible_record()
        servant = login_as(region.servant, app.test_client())
        servant.post(f"/my/records/{rec.id}/repair", data={
            "correction": "recover_loss", "statement": "已退缴", "evidence": [upload()]},
            content_type="multipart/form-data")
        application = db.session.execute(db.select(RepairApplication)).scalar_one()
        att = services.evidence_of(application)[0]
        url = f"/repairs/{application.id}/evidence/{att.id}"
        other = f.user("lina", roles=("servant",), person=region.other)
        db.session.commit()
        assert login_as(region.hr_hekou, app.test_client()).get(url).status_code == 404
        assert login_as(other, app.test_client()).get(url).status_code == 404
        assert login_as(region.hr_city, app.test_client()).get(url).status_code == 200
        assert login_as(region.hr, app.test_client()).get(f"/repairs/{application.id}/evidence/999").status_code == 404

    def test_the_person_cannot_decide_and_other_servants_see_nothing(self, region, repair, api):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        resp = api(region.servant).post(f"/api/v1/repairs/{application.id}/decision",
                                        json={"decision": "approved", "reason": "x"})
        assert resp.status_code == 403
        assert api(region.servant).get(f"/api/v1/repairs/{application.id}").status_code == 200


class TestDecisions:
    def test_reject_gives_reasons_and_reapplying_waits_30_days(self, region, repair, api):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        hr = api(region.hr)
        assert hr.post(f"/api/v1/repairs/{application.id}/decision",
                       json={"decision": "rejected"}).status_code == 422
        resp = hr.post(f"/api/v1/repairs/{application.id}/decision",
                       json={"decision": "rejected", "reason": "证明材料不足以证明已挽回损失"})
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["status"] == "rejected"
        note = db.session.execute(db.select(Notification).filter_by(
            person_id=region.person.id, kind="repair_decided")).scalar_one()
        assert "证明材料不足" in note.body

        again = api(region.servant).post(f"/api/v1/records/{rec.id}/repairs", json={"correction": "recover_loss"})
        assert again.status_code == 409
        error = again.get_json()["error"]
        assert error["code"] == "not_eligible" and list(error["fields"]) == ["reapply_wait"]

        decided = clock.today()
        record = db.session.get(type(rec), rec.id)
        codes = lambda day: [c.code for c in services.eligibility(record, day) if not c.met]  # noqa: E731
        assert codes(decided + timedelta(days=29)) == ["reapply_wait"]
        assert codes(decided + timedelta(days=30)) == []
        services.apply_for_repair(record, region.servant, "recover_loss", "补充材料",
                                  as_of=decided + timedelta(days=30))
        db.session.commit()
        assert db.session.execute(db.select(db.func.count()).select_from(RepairApplication)).scalar() == 2

    def test_a_decision_is_one_transaction(self, app, region, repair, api, monkeypatch):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        before = db.session.execute(db.select(db.func.count()).select_from(Notification)).scalar()

        def broken(**kw):
            raise RuntimeError("mail server on fire")
        monkeypatch.setattr("core.notify.services.notify", broken)
        resp = api(region.hr).post(f"/api/v1/repairs/{application.id}/decision",
                                   json={"decision": "approved", "reason": "同意"})
        assert resp.status_code == 500
        db.session.rollback()
        db.session.expire_all()
        assert db.session.get(type(rec), rec.id).status is RecordStatus.NOTIFIED
        assert db.session.get(RepairApplication, application.id).status is RepairStatus.PENDING
        assert db.session.execute(db.select(db.func.count()).select_from(Notification)).scalar() == before
        from archive.file.models import RecordVersion
        assert not db.session.execute(db.select(RecordVersion).filter_by(action="repair")).first()

    def test_decided_twice_or_stale_is_409(self, region, repair, api):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        hr = api(region.hr)
        stale = hr.post(f"/api/v1/repairs/{application.id}/decision",
                        json={"decision": "approved", "reason": "同意", "version": application.version + 5})
        assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
        assert hr.post(f"/api/v1/repairs/{application.id}/decision",
                       json={"decision": "approved", "reason": "同意"}).status_code == 200
        twice = hr.post(f"/api/v1/repairs/{application.id}/decision", json={"decision": "rejected", "reason": "x"})
        assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "illegal_state"
        bad = hr.post(f"/api/v1/repairs/{application.id}/decision", json={"decision": "maybe"})
        assert bad.status_code == 422

    def test_page_rejection_without_reason_shows_the_error(self, app, region, repair, api, login_as):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        resp = login_as(region.hr, app.test_client()).post(
            f"/repairs/{application.id}/decision", data={"decision": "rejected", "reason": "",
                                                         "version": application.version})
        assert resp.status_code == 422
        assert "驳回须说明理由" in resp.get_data(as_text=True)


class TestQueue:
    def test_due_dates_overdue_flags_and_home_card(self, app, region, repair, api, login_as):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        assert application.due_on == services.due_date(application.filed_on)
        assert (application.due_on - application.filed_on).days >= 19      # 15 working days
        hr = login_as(region.hr, app.test_client())
        assert 'data-overdue="true"' not in hr.get("/repairs").get_data(as_text=True)
        home = hr.get("/").get_data(as_text=True)
        assert "待审核的信用修复申请" in home and "逾期未审核" not in home

        application.filed_on -= timedelta(days=40)
        application.due_on = services.due_date(application.filed_on)
        changed([application.person_id], RECORD)                        # written directly: noted (core.changes)
        db.session.commit()
        html = hr.get("/repairs").get_data(as_text=True)
        assert 'data-overdue="true"' in html
        assert f'data-application="{application.id}"' in hr.get("/repairs?overdue=1").get_data(as_text=True)
        assert "逾期未审核的信用修复申请" in hr.get("/").get_data(as_text=True)
        listed = api(region.hr).get("/api/v1/repairs?status=pending&overdue=true").get_json()
        assert [a["id"] for a in listed["items"]] == [application.id] and listed["items"][0]["overdue"] is True
        assert api(region.hr).get("/api/v1/repairs?status=approved").get_json()["total"] == 0

    def test_queue_sorts_and_filters(self, app, region, repair, api, login_as):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        hr = login_as(region.hr, app.test_client())
        for sort in ("due_on", "filed_on", "decided_on", "status", "name", "bogus"):
            html = hr.get(f"/repairs?status=all&sort={sort}&dir=desc&q=张").get_data(as_text=True)
            assert f'data-application="{application.id}"' in html
        assert f'data-application="{application.id}"' not in hr.get("/repairs?status=approved").get_data(
            as_text=True)
        assert f'data-application="{application.id}"' not in hr.get("/repairs?q=李").get_data(as_text=True)

    def test_servant_withdraws_a_pending_application(self, app, region, repair, api, login_as):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        dup = api(region.servant).post(f"/api/v1/records/{rec.id}/repairs", json={"correction": "recover_loss"})
        assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "repair_pending"
        servant = login_as(region.servant, app.test_client())
        assert servant.post(f"/my/repairs/{application.id}/withdraw").status_code == 302
        db.session.expire_all()
        assert db.session.get(RepairApplication, application.id).status is RepairStatus.WITHDRAWN
        assert "已撤回" in servant.get("/my/repairs").get_data(as_text=True)
        assert _apply(region, api, rec).status is RepairStatus.PENDING   # no waiting after a withdrawal


class TestComplaints:
    def test_a_repair_decision_can_be_complained_about_to_the_parent_department(self, app, region, repair, api,
                                                                                login_as):
        rec = repair.eligible_record()
        application = _apply(region, api, rec)
        complaint = {"subject_type": "repair", "subject_id": application.id, "text": "驳回理由不成立，材料齐全。"}
        early = api(region.servant).post("/api/v1/complaints", json=complaint)
        assert early.status_code == 409            # nothing decided yet
        api(region.hr).post(f"/api/v1/repairs/{application.id}/decision",
                            json={"decision": "rejected", "reason": "材料不全"})
        page = login_as(region.servant, app.test_client()).get(f"/my/records/{rec.id}/repair")
        assert f"subject_type=repair&amp;subject_id={application.id}" in page.get_data(as_text=True)
        resp = api(region.servant).post("/api/v1/complaints", json=complaint)
        assert resp.status_code == 201, resp.get_json()
        cid = resp.get_json()["id"]
        answer = {"answer": "经复查，维持原决定。"}
        assert api(region.hr_hekou).post(f"/api/v1/complaints/{cid}/answer", json=answer).status_code == 404
        assert api(region.hr).post(f"/api/v1/complaints/{cid}/answer", json=answer).status_code == 200
