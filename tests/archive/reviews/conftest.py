"""Fixtures of the review tests: a committee account, reviews, records, PDF inspection."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest

from archive.reviews import services
from core import clock
from core.extensions import db
from tests import factories as f


@pytest.fixture
def committee(region):
    user = f.user("committee", roles=("committee",), department=region.city)
    db.session.commit()
    return user


@pytest.fixture
def fresh_login(app, login_as):
    """login_as(user) plus Flask-Login's session identifier, so the login stays "fresh" (batch
    printing and exports use fresh_login_required; without ``_id`` basic session protection
    marks the session non-fresh on the first request)."""
    from flask_login.utils import _create_identifier

    def _login(user, c=None):
        c = login_as(user, c)
        with app.test_request_context("/", environ_base=dict(c.environ_base)):
            ident = _create_identifier()
        with c.session_transaction() as sess:
            sess["_id"] = ident
        return c
    return _login


@pytest.fixture
def make_review(region):
    """make_review(people, members, closes_on=None, purpose="promotion", hr=None) -> Review (committed)."""
    def _make(people, members=(), *, closes_on: date | None = None, purpose="promotion", hr=None,
              name="2026年科级干部晋升考察"):
        review = services.create_review(name=name, purpose=purpose,
                                        closes_on=closes_on or clock.today() + timedelta(days=14),
                                        candidates=list(people), members=list(members), created_by=hr or region.hr)
        db.session.commit()
        return review
    return _make


@pytest.fixture
def demerit():
    """demerit(person, months_ago=2, facts=...) -> an effective 政务处分·记过 (restricts promotion 12 months)."""
    from archive.file import services as file_services

    def _make(person, months_ago: int = 2, facts: str = "违规发放津贴补贴", authority: str = "东营区监察委员会"):
        decided = clock.today() - timedelta(days=30 * months_ago)
        record = file_services.record_misconduct(person, category="discipline_gov", sanction="demerit",
                                                 severity="general", decided_on=decided, authority=authority,
                                                 facts=facts, document_no="东监〔2026〕7号")
        file_services.notify_record(record, person, on=decided + timedelta(days=1))
        db.session.commit()
        return record
    return _make


@pytest.fixture
def pdf_text(tmp_path):
    """pdf_text(bytes) -> the text poppler's pdftotext extracts."""
    def _text(data: bytes, *args: str) -> str:
        path = tmp_path / "doc.pdf"
        path.write_bytes(data)
        return subprocess.run(["pdftotext", *args, str(path), "-"], check=True, capture_output=True,
                              timeout=30).stdout.decode()
    return _text


@pytest.fixture
def pdf_fonts(tmp_path):
    """pdf_fonts(bytes) -> the rows of poppler's pdffonts (name, type, encoding, emb, sub, uni ...)."""
    def _fonts(data: bytes) -> list[str]:
        path = tmp_path / "fonts.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, timeout=30).stdout.decode()
        return out.splitlines()[2:]
    return _fonts
