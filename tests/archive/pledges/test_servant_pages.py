"""The servant's side: my pledges, signing on a phone-sized page, the signed view, the PDF."""
import re
import shutil
import subprocess

import pytest

from archive.pledges import services
from archive.pledges.models import Pledge, PledgeStatus
from core.documents import PrintedDocument
from core.extensions import db
from tests import factories as f
from tests.archive.pledges.conftest import sign

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}


def reload(p):
    db.session.expire_all()
    return db.session.get(Pledge, p.id)


class TestSigningPage:
    def test_my_pledges_lists_what_to_sign(self, login_as, region, pledge):
        html = login_as(region.servant).get("/my/pledges").get_data(as_text=True)
        assert "任职前信用承诺书" in html and f"/my/pledges/{pledge.id}/sign" in html

    def test_the_page_is_built_for_a_phone(self, login_as, region, pledge):
        resp = login_as(region.servant).get(f"/my/pledges/{pledge.id}/sign", headers=PHONE)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert 'data-read-to-end="sign-form"' in html and 'id="sign-form"' in html
        # every input waits for the text to be read to the end (static/js/app.js)
        for name in ("typed_name", "password", "agree"):
            tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
            assert "data-needs-read" in tag and "disabled" in tag
        assert "本人郑重承诺" in html
        assert "style=" not in html and "<script>" not in html
        p = reload(pledge)
        assert p.version == pledge.version and p.opened_at is None      # a GET writes no business row
        opened = services.first_opened_at(p)
        assert opened is not None
        login_as(region.servant).get(f"/my/pledges/{pledge.id}/sign")
        assert services.first_opened_at(reload(pledge)) == opened
        sign(reload(pledge), region.servant)
        db.session.commit()
        assert reload(pledge).opened_at == opened

    def test_errors_are_inline_and_typed_values_kept_except_the_password(self, login_as, region, pledge):
        client = login_as(region.servant)
        resp = client.post(f"/my/pledges/{pledge.id}/sign", data={"password": "Wrong@Pass1", "typed_name": "张伟",
                                                                  "agree": "y"})
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert "密码不正确" in html
        assert 'value="张伟"' in html and "Wrong@Pass1" not in html
        resp = client.post(f"/my/pledges/{pledge.id}/sign", data={"password": f.PASSWORD, "typed_name": "张三"})
        html = resp.get_data(as_text=True)
        assert "签名须与您登记的姓名完全一致" in html and "请勾选" in html and 'value="张三"' in html
        assert reload(pledge).status is PledgeStatus.ASSIGNED

    def test_signing_then_viewing_the_hash(self, login_as, region, pledge):
        client = login_as(region.servant)
        resp = client.post(f"/my/pledges/{pledge.id}/sign", headers=PHONE,
                           data={"password": f.PASSWORD, "typed_name": "张伟", "agree": "y"})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/pledges/{pledge.id}")
        p = reload(pledge)
        assert p.status is PledgeStatus.SIGNED and "iPhone" in p.user_agent
        html = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
        assert p.sha256 in html and "下载 PDF" in html
        again = client.get(f"/my/pledges/{pledge.id}/sign")
        assert again.status_code == 302

    def test_someone_elses_signing_page_is_404(self, login_as, region, pledge):
        other = f.user("lina", roles=("servant",), person=region.other)
        db.session.commit()
        assert login_as(other).get(f"/my/pledges/{pledge.id}/sign").status_code == 404
        assert login_as(other).post(f"/my/pledges/{pledge.id}/sign", data={
            "password": f.PASSWORD, "typed_name": "李娜", "agree": "y"}).status_code == 404
        assert login_as(region.hr).get(f"/my/pledges/{pledge.id}/sign").status_code == 403   # no person
        assert login_as(other).get(f"/pledges/{pledge.id}").status_code == 404
        assert reload(pledge).status is PledgeStatus.ASSIGNED


needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                   reason="poppler-utils not installed")


@needs_poppler
class TestPdf:
    def test_the_signed_pdf_has_chinese_text_embedded_fonts_and_an_evidence_page(self, login_as, region, pledge,
                                                                                 tmp_path):
        sign(pledge, region.servant)
        db.session.commit()
        resp = login_as(region.servant).get(f"/pledges/{pledge.id}/pdf")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        data = resp.data
        path = tmp_path / "pledge.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        compact = re.sub(r"\s+", "", text)
        assert "张伟" in compact and "任职前信用承诺书" in compact and "本人郑重承诺" in compact
        assert "签署存证" in compact and pledge.sha256 in compact and "10.1.2.3" in compact
        serial = resp.headers["X-Document-Serial"]
        assert serial in compact and "第2页共2页" in compact
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        header, dashes, *rows = fonts.splitlines()
        spans = [m.span() for m in re.finditer(r"-+", dashes)]
        names = header.split()
        emb = dict(zip(names, spans, strict=False))["emb"]
        assert rows and all(r[emb[0]:emb[1]].strip() == "yes" for r in rows), fonts
        assert any("CJK" in r or "Noto" in r for r in rows)
        doc = db.session.execute(db.select(PrintedDocument).filter_by(serial=serial)).scalar_one()
        import hashlib
        assert doc.kind == "pledge" and doc.person_id == region.person.id
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert reload(pledge).document_serial == serial

    def test_an_unsigned_pledge_is_not_printed(self, login_as, region, pledge):
        resp = login_as(region.servant).get(f"/pledges/{pledge.id}/pdf")
        assert resp.status_code in (302, 303)
        assert db.session.execute(db.select(db.func.count()).select_from(PrintedDocument)).scalar_one() == 0

    def test_hr_of_another_county_cannot_print(self, login_as, region, pledge):
        sign(pledge, region.servant)
        db.session.commit()
        assert login_as(region.hr_hekou).get(f"/pledges/{pledge.id}/pdf").status_code == 404
