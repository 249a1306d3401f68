"""Drafts stay internal (issue 17 item 9; ASVS 8.2.2 / 等保 8.1.4.2 e).

A record not yet notified (draft) is HR's work in progress: every route a person reaches
answers 404 for it (record page and JSON, repair eligibility and repair page, objection,
evidence download), also for an HR officer looking at his own file as its person. HR in
scope still sees it.
"""
from __future__ import annotations

import io
from datetime import date

import pytest

from archive.file import services as file
from core.extensions import db
from core.files import save_upload
from tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class _Upload:
    def __init__(self, data: bytes, name: str):
        self.filename, self._buf = name, io.BytesIO(data)

    def read(self, n=-1):
        return self._buf.read(n)


@pytest.fixture
def draft(region):
    record = file.record_misconduct(region.person, category="discipline_gov", sanction="demerit", severity="general",
                                    decided_on=date(2026, 3, 1), authority="东营区监察委员会", facts="尚未告知的事实")
    att = save_upload(_Upload(PNG, "证据.png"), owner_type="record", owner_id=record.id, person_id=region.person.id)
    db.session.commit()
    return record, att


PERSON_PAGES = [
    ("get", "/records/{id}"),
    ("get", "/my/records/{id}/repair"),
    ("get", "/records/{id}/objections/new"),
    ("get", "/attachments/{att}/download"),
]
PERSON_API = [
    ("get", "/api/v1/records/{id}", None),
    ("get", "/api/v1/records/{id}/repair-eligibility", None),
    ("post", "/api/v1/records/{id}/repairs", {"correction": "recover_loss"}),
    ("post", "/api/v1/records/{id}/objections", {"reasons": "记录有误，请核实"}),
    ("post", "/api/v1/records/{id}/acknowledge", None),
]


@pytest.mark.parametrize("method,url", PERSON_PAGES)
def test_person_pages_answer_404_for_a_draft(app, region, draft, login_as, client, method, url):
    record, att = draft
    login_as(region.servant)
    resp = getattr(client, method)(url.format(id=record.id, att=att.id))
    assert resp.status_code == 404, url
    assert "尚未告知的事实" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("method,url,body", PERSON_API)
def test_person_api_answers_404_for_a_draft(app, region, draft, api, method, url, body):
    record, _att = draft
    kwargs = {"json": body} if body is not None else {}
    resp = getattr(api(region.servant), method)(url.format(id=record.id), **kwargs)
    assert resp.status_code == 404, (url, resp.get_json())


def test_the_persons_file_leaves_the_draft_out_and_hr_still_sees_it(app, region, draft, api, login_as, client):
    record, att = draft
    body = api(region.servant).get(f"/api/v1/people/{region.person.id}/file").get_json()
    assert record.id not in [r["id"] for r in body["records"]]
    hr = api(region.hr)
    assert hr.get(f"/api/v1/records/{record.id}").status_code == 200
    assert hr.get(f"/api/v1/records/{record.id}/repair-eligibility").status_code == 200
    login_as(region.hr)
    assert client.get(f"/attachments/{att.id}/download").status_code == 200


def test_an_officers_own_draft_is_hidden_from_him_too(app, region, api):
    """刘强 is HR of 东营区 and a person of 东营区: his own draft stays internal for him."""
    me = f.person("刘强", department=region.dongying)
    region.hr.person_id = me.id
    record = file.record_misconduct(me, category="discipline_gov", sanction="warning", severity="general",
                                    decided_on=date(2026, 3, 1), authority="区监委", facts="事实")
    db.session.commit()
    client = api(region.hr)
    assert client.get(f"/api/v1/records/{record.id}").status_code == 404
    assert client.get(f"/api/v1/records/{record.id}/repair-eligibility").status_code == 404
    assert api(region.hr_city).get(f"/api/v1/records/{record.id}").status_code == 200
