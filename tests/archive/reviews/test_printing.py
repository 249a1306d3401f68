"""The integrity-file PDF (docs/rules.md §8), its verification (§9) and batch printing through jobs."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from core import crypto
from core.audit.models import AuditEvent
from core.documents import PrintedDocument, find_document
from core.extensions import db
from core.jobs import Job, job_dir
from tests import factories as f

SERIAL = re.compile(r"^IA-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _events(action: str) -> list[AuditEvent]:
    return db.session.execute(sa.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars().all()


def test_file_pdf_is_chinese_a4_with_sections_page_numbers_watermark_and_subset_fonts(
        region, committee, login_as, make_review, demerit, pdf_text, pdf_fonts):
    record = demerit(region.person, facts="<script>alert(1)</script> & <b>违规</b>发放津贴")
    review = make_review([region.person], [committee])
    resp = login_as(region.hr).get(f"/people/{region.person.id}/file.pdf?review_id={review.id}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    serial = resp.headers["X-Document-Serial"]
    assert SERIAL.match(serial)
    data = resp.data
    assert data.startswith(b"%PDF-")
    assert len(data) < 600 * 1024

    text = pdf_text(data)
    flat = _flat(text)
    assert "张伟" in text
    for heading in ("公务员诚信档案", "一、基本信息", "二、诚信状态与考察结论", "年度考核", "奖励和荣誉",
                    "个人有关事项报告查核", "失信记录", "异议", "信用承诺", "诚信教育培训", "信用修复"):
        assert heading in flat, heading
    assert "第1页共" in flat and re.search(r"第\d+页共(\d+)页", flat)
    assert "仅供考察使用" in _flat(pdf_text(data, "-raw")) or "仅供考察使用" in flat
    assert serial in text
    assert f"http://localhost/verify/{serial}" in flat       # the verification link (also the QR code)
    assert "2026年科级干部晋升考察" in flat and "晋升" in flat
    assert "不符合" in flat and "记过" in flat                     # the verdict and its reason
    masked = region.person.id_masked                                  # the id number masked, never in full
    assert masked.count("*") >= 8 and masked in text
    assert crypto.decrypt(region.person.id_cipher) not in text
    assert "<script>alert(1)</script>" in flat and "<b>违规</b>" in flat   # user text is text, never markup
    assert record.authority in flat

    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)     # A4 in points
    assert len(reader.pages) >= 2

    fonts = pdf_fonts(data)
    assert fonts and all(" yes yes " in row for row in fonts), fonts          # embedded and subset
    assert any("Noto-Serif-CJK-SC" in row for row in fonts)
    assert any("Noto-Sans-CJK-SC" in row for row in fonts)

    doc = find_document(serial)
    assert doc.kind == "integrity_file" and doc.person_id == region.person.id and doc.review_id == review.id
    prints, views = _events("print"), _events("file_view")
    assert len(prints) == 1 and prints[0].actor_id == region.hr.id and prints[0].person_id == region.person.id
    assert len(views) == 1 and views[0].person_id == region.person.id


def test_api_pdf_for_a_committee_member_of_the_open_review(region, committee, api, make_review):
    review = make_review([region.person], [committee])
    resp = api(committee).get(f"/api/v1/people/{region.person.id}/file.pdf?review_id={review.id}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert SERIAL.match(resp.headers["X-Document-Serial"])
    # a person who is not a candidate of that review, or a review the member does not sit on: 404
    assert api(committee).get(f"/api/v1/people/{region.other.id}/file.pdf?review_id={review.id}").status_code == 404
    other = make_review([region.person], [], name="别的评审")
    assert api(committee).get(f"/api/v1/people/{region.person.id}/file.pdf?review_id={other.id}").status_code == 404
    # HR of another county: 404; a servant: 403
    assert api(region.hr_hekou).get(f"/api/v1/people/{region.person.id}/file.pdf").status_code == 404
    assert api(region.servant).get(f"/api/v1/people/{region.person.id}/file.pdf").status_code == 403


def test_verification_of_a_genuine_a_changed_and_an_appended_file(region, login_as, client, api):
    resp = login_as(region.hr).get(f"/people/{region.person.id}/file.pdf")
    serial, data = resp.headers["X-Document-Serial"], resp.data
    anon = client.application.test_client()

    # JSON, by the API and by content negotiation on the public page
    body = anon.get(f"/api/v1/verify/{serial}").get_json()
    assert set(body) >= {"valid", "kind", "issued_at", "issued_by_department", "sha256"}
    assert body["valid"] is True and body["kind"] == "integrity_file"
    assert body["issued_by_department"] == "东营区" and len(body["sha256"]) == 64
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", body["issued_at"])
    assert anon.get(f"/verify/{serial}", headers={"Accept": "application/json"}).get_json() == body
    assert anon.get("/api/v1/verify/IA-2222-2222-2222").get_json()["valid"] is False

    page = anon.get(f"/verify/{serial}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-verify="valid"' in html and "诚信档案" in html
    assert "张伟" not in html                                      # never the file's contents

    def upload(content: bytes):
        return anon.post(f"/verify/{serial}", data={"file": (io.BytesIO(content), "档案.pdf")},
                         content_type="multipart/form-data").get_data(as_text=True)

    assert 'data-verify-result="match"' in upload(data)
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    assert 'data-verify-result="mismatch"' in upload(bytes(changed))
    assert 'data-verify-result="mismatch"' in upload(data + b"\n")
    assert [e.outcome for e in _events("document_verify")] == ["success", "failure", "failure"]

    assert anon.get("/verify/IA-2222-2222-2222").status_code == 404
    resp = anon.get(f"/verify?serial={serial.lower()}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/verify/{serial}")
    assert anon.get("/verify").status_code == 200


def test_verification_serves_every_kind_of_document(region, client):
    from core.documents import issue_document
    doc, data = issue_document("certificate", lambda serial: b"%PDF-1.7 certificate " + serial.encode(),
                               person=region.person)
    db.session.commit()
    body = client.get(f"/api/v1/verify/{doc.serial}").get_json()
    assert body["valid"] is True and body["kind"] == "certificate"
    html = client.post(f"/verify/{doc.serial}", data={"file": (io.BytesIO(data), "c.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-verify-result="match"' in html and "培训结业证书" in html


def test_batch_print_merged_pdf_with_a_bookmark_per_candidate(region, committee, login_as, fresh_login, make_review,
                                                              pdf_text):
    second = f.person("赵强", department=region.shikou)
    db.session.commit()
    review = make_review([region.person, second], [committee])
    client = fresh_login(committee)
    resp = client.post(f"/reviews/{review.id}/print", data={"format": "merged"})
    assert resp.status_code == 302
    job = db.session.execute(sa.select(Job)).scalar_one()
    assert resp.headers["Location"].endswith(f"/jobs/{job.id}")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'data-job-url="/jobs/{job.id}.json"' in page and "progress-bar" in page
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert status["state"] == "done" and status["done"] == status["total"] == 2
    assert status["download_url"] == f"/jobs/{job.id}/download" and status["state_label"] == "已完成"

    resp = client.get(status["download_url"])
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    # one top-level bookmark per candidate (each with that file's own section bookmarks nested)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert len(titles) == 2 and any("张伟" in t for t in titles) and any("赵强" in t for t in titles)
    text = _flat(pdf_text(resp.data))
    assert "张伟" in text and "赵强" in text
    # one document per candidate, plus the merged file, all verifiable
    docs = db.session.execute(sa.select(PrintedDocument).order_by(PrintedDocument.id)).scalars().all()
    assert [d.kind for d in docs] == ["integrity_file", "integrity_file", "review_batch"]
    assert all(d.issued_by_id == committee.id and d.review_id == review.id for d in docs)
    upload = client.application.test_client().post(
        f"/verify/{docs[0].serial}", data={"file": (io.BytesIO(resp.data), "batch.pdf")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-verify-result="match"' in upload and docs[2].serial in upload
    assert [e.actor_id for e in _events("print")] == [committee.id] * 3
    assert len(_events("export")) == 1 and len(_events("review_print")) == 1

    # only the job's creator sees or downloads it
    hr = login_as(region.hr, client.application.test_client())
    assert hr.get(f"/jobs/{job.id}").status_code == 404
    assert hr.get(f"/jobs/{job.id}/download").status_code == 404
    # and the committee member loses it when the review closes
    hr.post(f"/reviews/{review.id}/close")
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


def test_batch_print_zip_through_the_api_rendered_by_two_processes(region, committee, api, make_review, app,
                                                                  monkeypatch, pdf_text):
    monkeypatch.setitem(app.config, "PDF_PRINT_PROCESSES", 2)       # forked renderers, issued in order here
    second = f.person("赵强", department=region.shikou)
    db.session.commit()
    review = make_review([region.person, second], [committee])
    token = api(region.hr)
    resp = token.post(f"/api/v1/reviews/{review.id}/print", json={"format": "zip"})
    assert resp.status_code == 202
    job_id = resp.get_json()["job_id"]
    status = token.get(f"/api/v1/jobs/{job_id}").get_json()
    assert status["state"] == "done" and status["done"] == status["total"] == 2
    resp = token.get(status["download_url"])
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        names = zf.namelist()
        assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
        for name in names:
            serial = re.search(r"(IA-[A-Z0-9-]{14})\.pdf$", name).group(1)
            from core.documents import matches
            doc = find_document(serial)
            assert matches(doc, zf.read(name)) and doc.issued_by_id == region.hr.id
            assert serial in _flat(pdf_text(zf.read(name)))           # the serial drawn first is the one printed
    assert api(committee).get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert token.post(f"/api/v1/reviews/{review.id}/print", json={"format": "docx"}).status_code == 422


def test_a_failed_job_leaves_no_download_and_can_be_retried(region, fresh_login, make_review, monkeypatch):
    from archive.reviews import printing
    second = f.person("赵强", department=region.shikou)
    db.session.commit()
    review = make_review([region.person, second])
    real, calls = printing.render_file, []

    def crash_on_second(context, serial, **kw):
        calls.append(serial)
        if len(calls) == 2:
            raise RuntimeError("renderer crashed")
        return real(context, serial, **kw)

    monkeypatch.setattr(printing, "render_file", crash_on_second)
    for old in Path(job_dir()).glob("job-*"):      # results of earlier tests (job ids restart per test)
        old.unlink()
    client = fresh_login(region.hr)
    client.post(f"/reviews/{review.id}/print", data={"format": "merged"})
    job = db.session.execute(sa.select(Job)).scalar_one()
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert status["state"] == "failed" and "download_url" not in status
    assert client.get(f"/jobs/{job.id}/download").status_code == 404
    assert not list(Path(job_dir()).glob("job-*"))                      # no half file anywhere
    assert db.session.get(Job, job.id).result_path is None
    assert "重试" in client.get(f"/jobs/{job.id}").get_data(as_text=True)

    monkeypatch.setattr(printing, "render_file", real)
    resp = client.post(f"/jobs/{job.id}/retry")
    assert resp.status_code == 302
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert status["state"] == "done" and status["done"] == 2
    assert client.get(status["download_url"]).status_code == 200
    assert client.post(f"/jobs/{job.id}/retry").status_code in (302, 303)   # done jobs are not retried
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "done"


def test_batch_print_needs_a_fresh_login(region, login_as, make_review):
    review = make_review([region.person])
    client = login_as(region.hr)
    with client.session_transaction() as sess:
        sess["_fresh"] = False
    resp = client.post(f"/reviews/{review.id}/print", data={"format": "merged"})
    assert resp.status_code == 302 and "/reauth" in resp.headers["Location"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Job)).scalar() == 0
