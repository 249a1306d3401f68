"""Completion certificate: a PDF with the Chinese name, embedded subset CJK fonts, a serial and its hash."""
from __future__ import annotations

import hashlib
import subprocess

import sqlalchemy as sa

from core.documents import PrintedDocument
from core.extensions import db
from tests.training.conftest import complete_hours


def test_certificate_pdf_text_fonts_serial_and_hash(region, integrity_online, login_as, today, tmp_path):
    enrolment = complete_hours(region.person, integrity_online, today)
    db.session.commit()
    resp = login_as(region.servant).get(f"/training/enrolments/{enrolment.id}/certificate.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    serial = resp.headers["X-Document-Serial"]
    path = tmp_path / "certificate.pdf"
    path.write_bytes(resp.data)

    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info and "841.89 x 595.276" in info          # one A4 landscape page
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    assert "结业证书" in compact and "张伟" in compact
    assert "诚信专题：政务诚信与公务员守信践诺" in compact
    assert serial in compact and enrolment.certificate_no in compact

    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and any("CJK" in r[0] for r in rows)
    for row in rows:                                  # name, type..., emb, sub, uni, object, id
        assert "+" in row[0], row                     # subset prefix ABCDEF+Name
        assert row[-5:-3] == ["yes", "yes"], row      # embedded and subset

    doc = db.session.execute(sa.select(PrintedDocument).where(PrintedDocument.serial == serial)).scalar_one()
    assert doc.kind == "certificate" and doc.person_id == region.person.id
    assert doc.owner_type == "enrolments" and doc.owner_id == enrolment.id
    assert doc.sha256 == hashlib.sha256(resp.data).hexdigest()


def test_no_certificate_before_completion(region, integrity_online, login_as):
    from training import services
    attempt = services.submit_quiz(region.person, integrity_online,
                                   {str(q.id): ["B"] for q in integrity_online.questions})
    db.session.commit()
    resp = login_as(region.servant).get(f"/training/enrolments/{attempt.enrolment_id}/certificate.pdf")
    assert resp.status_code in (302, 303)
    assert db.session.execute(sa.select(sa.func.count()).select_from(PrintedDocument)).scalar_one() == 0
