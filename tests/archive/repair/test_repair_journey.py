"""The issue's "Done when": a servant with a 4-month-old general 记过 sees two unmet
conditions, completes the repair course, signs the repair pledge, applies with a scanned
receipt, and HR approves: the file shows 已修复 and 守信 at once. A serious record of the
same age shows the waiting period unmet."""
from __future__ import annotations

import re

from archive.enums import RecordStatus
from archive.repair.models import RepairApplication, RepairStatus
from core.audit.models import AuditEvent
from core.extensions import db
from core.notify.models import Notification

from .conftest import PNG, upload


def _conditions(html: str) -> dict[str, bool]:
    return {code: met == "true" for code, met in
            re.findall(r'data-condition="([a-z_]+)" data-met="(true|false)"', html)}


def test_servant_repairs_a_record_and_hr_approves(app, region, repair, login_as, api):
    rec = repair.record()
    servant = login_as(region.servant, app.test_client())

    page = servant.get(f"/my/records/{rec.id}/repair")
    assert page.status_code == 200
    conditions = _conditions(page.get_data(as_text=True))
    assert [c for c, met in conditions.items() if not met] == ["repair_training", "repair_pledge"]
    assert conditions["status"] and conditions["category"] and conditions["waiting_period"]

    repair.complete_course()
    repair.sign_pledge()
    html = servant.get(f"/my/records/{rec.id}/repair").get_data(as_text=True)
    assert all(_conditions(html).values())
    assert 'data-eligible="true"' in html

    resp = servant.post(f"/my/records/{rec.id}/repair", data={
        "correction": "recover_loss", "statement": "已全额退缴违规所得并作出书面检查。",
        "evidence": [upload(PNG, "缴款凭证.png")]}, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    application = db.session.execute(db.select(RepairApplication)).scalar_one()
    assert application.status is RepairStatus.PENDING
    assert application.due_on > application.filed_on
    assert [c["met"] for c in application.conditions_at_filing] == [True] * 5
    hr_notes = db.session.execute(db.select(Notification).filter_by(user_id=region.hr.id,
                                                                   kind="repair_filed")).scalars().all()
    assert len(hr_notes) == 1

    assert "申请审核中" in servant.get(f"/my/records/{rec.id}/repair").get_data(as_text=True)

    hr = login_as(region.hr, app.test_client())
    queue = hr.get("/repairs").get_data(as_text=True)
    assert "张伟" in queue and f'data-application="{application.id}"' in queue
    detail = hr.get(f"/repairs/{application.id}").get_data(as_text=True)
    assert "缴款凭证.png" in detail and "data-confirm" in detail
    att_id = re.search(rf"/repairs/{application.id}/evidence/(\d+)", detail).group(1)
    download = hr.get(f"/repairs/{application.id}/evidence/{att_id}")
    assert download.status_code == 200 and download.data == PNG
    assert servant.get(f"/repairs/{application.id}/evidence/{att_id}").status_code == 200

    resp = hr.post(f"/repairs/{application.id}/decision", data={
        "decision": "approved", "reason": "已纠正失信行为，材料真实。", "version": application.version})
    assert resp.status_code == 302, resp.get_data(as_text=True)

    db.session.expire_all()
    assert db.session.get(type(rec), rec.id).status is RecordStatus.REPAIRED
    assert db.session.get(RepairApplication, application.id).status is RepairStatus.APPROVED
    assert db.session.execute(db.select(Notification).filter_by(
        person_id=region.person.id, kind="repair_decided")).scalar_one()
    actions = set(db.session.execute(db.select(AuditEvent.action)).scalars())
    assert {"repair_apply", "repair_approved", "record_repair"} <= actions

    file = api(region.hr).get(f"/api/v1/people/{region.person.id}/file")
    assert file.status_code == 200
    body = file.get_json()
    assert body["integrity_status"] == "good"
    assert body["restrictions"] == []
    assert [r["status"] for r in body["records"]] == ["repaired"]
    assert [(r["id"], r["status"]) for r in body["repairs"]] == [(application.id, "approved")]

    for who in (servant, hr):
        html = who.get(f"/people/{region.person.id}", follow_redirects=True).get_data(as_text=True)
        assert "已修复" in html and "守信" in html
        assert f'data-repair="{application.id}"' in html          # the file's repair history
    assert "该记录已信用修复" in servant.get(f"/my/records/{rec.id}/repair").get_data(as_text=True)
    assert "已批准" in servant.get("/my/repairs").get_data(as_text=True)
    decided = hr.get(f"/repairs/{application.id}").get_data(as_text=True)
    assert "已纠正失信行为，材料真实。" in decided and "提交决定" not in decided

    from flask import render_template
    from flask_login import login_user

    from archive.file.services import load_file
    with app.test_request_context():
        login_user(region.hr)
        section = render_template("archive/repair/_file_section.html", data=load_file(region.person))
    assert f'data-repair="{application.id}"' in section and "已批准" in section


def test_a_serious_record_of_the_same_age_must_wait(region, repair, login_as):
    rec = repair.record(severity="serious")
    repair.complete_course()
    repair.sign_pledge()
    html = login_as(region.servant).get(f"/my/records/{rec.id}/repair").get_data(as_text=True)
    assert [c for c, met in _conditions(html).items() if not met] == ["waiting_period"]
    assert "须满12个月" in html


def test_ineligible_application_is_refused_and_keeps_what_was_typed(region, repair, login_as):
    rec = repair.record()
    resp = login_as(region.servant).post(f"/my/records/{rec.id}/repair", data={
        "correction": "fulfil_duty", "statement": "已履行全部义务", "evidence": [upload()]},
        content_type="multipart/form-data")
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert 'data-unmet="repair_training"' in html and 'data-unmet="repair_pledge"' in html
    assert "已履行全部义务" in html and re.search(r'<input checked[^>]*value="fulfil_duty"', html)
    assert db.session.execute(db.select(RepairApplication)).first() is None
