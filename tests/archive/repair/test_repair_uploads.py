"""Evidence uploads: PDF/JPG/PNG by content (a renamed text or HTML file is refused), the
size limit answers 413, the API's draft uploads are attached by id and only by their owner."""
from __future__ import annotations

from archive.repair.models import DRAFT_OWNER, EVIDENCE_OWNER, RepairApplication
from core.extensions import db
from core.files import Attachment

from .conftest import PDF, PNG, upload

FAKES = [(b"just some text, not an image", "receipt.png"),
         (b"<html><script>alert(1)</script></html>", "receipt.png"),
         (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "scan.pdf")]


def test_page_refuses_files_that_are_not_pdf_jpg_png(app, region, repair, login_as):
    from pathlib import Path
    folder = Path(app.config["UPLOAD_DIR"])
    before = set(folder.iterdir()) if folder.exists() else set()
    rec = repair.eligible_record()
    servant = login_as(region.servant)
    for data, name in FAKES:
        resp = servant.post(f"/my/records/{rec.id}/repair", data={
            "correction": "recover_loss", "statement": "已退缴", "evidence": [upload(PNG), upload(data, name)]},
            content_type="multipart/form-data")
        assert resp.status_code == 422, name
        html = resp.get_data(as_text=True)
        assert "只接受 PDF、JPG、PNG 文件" in html and "已退缴" in html
        assert db.session.execute(db.select(RepairApplication)).first() is None
        assert db.session.execute(db.select(Attachment)).first() is None
        # the good PNG stored before the bad file was refused is gone again (no orphan files)
        assert set(folder.iterdir()) == before


def test_page_oversize_is_413(app, region, repair, login_as, monkeypatch):
    rec = repair.eligible_record()
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    resp = login_as(region.servant).post(f"/my/records/{rec.id}/repair", data={
        "correction": "recover_loss", "statement": "已退缴", "evidence": [upload(PNG + b"\0" * 2048)]},
        content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "大小限制" in resp.get_data(as_text=True) or "不能超过" in resp.get_data(as_text=True)
    assert db.session.execute(db.select(RepairApplication)).first() is None


def test_several_files_are_kept_with_the_application(region, repair, login_as):
    rec = repair.eligible_record()
    resp = login_as(region.servant).post(f"/my/records/{rec.id}/repair", data={
        "correction": "recover_loss", "statement": "已退缴",
        "evidence": [upload(PNG, "a.png"), upload(PDF, "b.pdf"), upload(b"\xff\xd8\xff\xe0" + b"\0" * 32, "c.jpg")]},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    app_row = db.session.execute(db.select(RepairApplication)).scalar_one()
    atts = db.session.execute(db.select(Attachment).order_by(Attachment.id)).scalars().all()
    assert [(a.original_name, a.mime, a.owner_type, a.owner_id, a.person_id) for a in atts] == [
        ("a.png", "image/png", EVIDENCE_OWNER, app_row.id, region.person.id),
        ("b.pdf", "application/pdf", EVIDENCE_OWNER, app_row.id, region.person.id),
        ("c.jpg", "image/jpeg", EVIDENCE_OWNER, app_row.id, region.person.id)]
    assert all(len(a.stored_name) == 36 and a.stored_name != a.original_name for a in atts)


class TestApiUploads:
    def test_draft_upload_then_apply_with_evidence_ids(self, region, repair, api):
        rec = repair.eligible_record()
        client = api(region.servant)
        resp = client.post("/api/v1/attachments", data={"file": upload(PDF, "收据.pdf")},
                           content_type="multipart/form-data")
        assert resp.status_code == 201, resp.get_json()
        att_id = resp.get_json()["id"]
        assert db.session.get(Attachment, att_id).owner_type == DRAFT_OWNER
        created = client.post(f"/api/v1/records/{rec.id}/repairs",
                              json={"correction": "recover_loss", "evidence_ids": [att_id]})
        assert created.status_code == 201, created.get_json()
        body = created.get_json()
        assert body["status"] == "pending" and [e["id"] for e in body["evidence"]] == [att_id]
        att = db.session.get(Attachment, att_id)
        assert (att.owner_type, att.owner_id) == (EVIDENCE_OWNER, body["id"])

    def test_api_refuses_fakes(self, region, api):
        client = api(region.servant)
        for data, name in FAKES:
            resp = client.post("/api/v1/attachments", data={"file": upload(data, name)},
                               content_type="multipart/form-data")
            assert resp.status_code == 422, name
            assert resp.get_json()["error"]["code"] == "bad_type"
        assert db.session.execute(db.select(Attachment)).first() is None

    def test_api_oversize_is_413_and_missing_file_422(self, app, region, api, monkeypatch):
        monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
        client = api(region.servant)
        resp = client.post("/api/v1/attachments", data={"file": upload(PNG + b"\0" * 2048)},
                           content_type="multipart/form-data")
        assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"
        assert client.post("/api/v1/attachments", json={}).status_code == 422

    def test_someone_elses_draft_cannot_be_used(self, region, repair, api):
        from tests import factories as f
        rec = repair.eligible_record()
        other = f.user("lina", roles=("servant",), person=region.other)
        db.session.commit()
        att_id = api(other).post("/api/v1/attachments", data={"file": upload()},
                                 content_type="multipart/form-data").get_json()["id"]
        resp = api(region.servant).post(f"/api/v1/records/{rec.id}/repairs",
                                        json={"correction": "recover_loss", "evidence_ids": [att_id]})
        assert resp.status_code == 422 and "evidence_ids" in resp.get_json()["error"]["fields"]
        assert db.session.execute(db.select(RepairApplication)).first() is None

    def test_an_account_without_a_person_cannot_upload(self, region, api):
        resp = api(region.hr).post("/api/v1/attachments", data={"file": upload()},
                                   content_type="multipart/form-data")
        assert resp.status_code == 403
