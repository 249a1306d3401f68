"""Issue 19.1: 打印诚信档案 from the file page and the people list, with the watermark choice."""
from __future__ import annotations

import re

import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.extensions import db


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


class TestPrintActions:
    def test_file_page_offers_print_with_the_watermark_choice(self, region, login_as):
        html = login_as(region.hr).get(f"/people/{region.person.id}/file").get_data(as_text=True)
        assert 'id="print-file"' in html and f'action="/people/{region.person.id}/file.pdf"' in html
        assert 'name="watermark"' in html and 'value="review" selected' in html and 'value="archive"' in html
        assert "打印诚信档案" in html

    def test_people_list_rows_have_the_print_action(self, region, login_as):
        html = login_as(region.hr).get("/people").get_data(as_text=True)
        assert f'href="/people/{region.person.id}/file.pdf"' in html and "打印诚信档案" in html

    def test_a_servant_sees_no_print_form_on_his_file(self, region, login_as):
        html = login_as(region.servant).get(f"/people/{region.person.id}/file", follow_redirects=True)
        assert 'id="print-file"' not in html.get_data(as_text=True)

    def test_review_use_watermark_by_default_and_archive_on_choice(self, region, login_as, pdf_text):
        c = login_as(region.hr)
        review_use = c.get(f"/people/{region.person.id}/file.pdf?watermark=review")
        assert review_use.status_code == 200 and review_use.mimetype == "application/pdf"
        flat = _flat(pdf_text(review_use.data))
        assert "考察评审专用" in flat and "存档查阅" not in flat
        archive = c.get(f"/people/{region.person.id}/file.pdf?watermark=archive")
        assert archive.status_code == 200
        flat = _flat(pdf_text(archive.data))
        assert "存档查阅" in flat and "考察评审专用" not in flat
        summaries = db.session.execute(sa.select(AuditEvent.summary).filter_by(action="file_view")).scalars().all()
        assert any("仅供存档查阅" in s for s in summaries)

    def test_a_bad_watermark_value_prints_the_review_use_file(self, region, login_as, pdf_text):
        resp = login_as(region.hr).get(f"/people/{region.person.id}/file.pdf?watermark=%3Cbogus%3E")
        assert resp.status_code == 200 and "考察评审专用" in _flat(pdf_text(resp.data))
