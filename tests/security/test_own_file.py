"""No one acts on their own file (issue 17 item 1; ASVS 8.2.2, 等保 8.1.4.2 e "最小权限、权限分离").

An HR officer is also a civil servant: 刘强 (hr of 东营区) has his own person in his own
scope. He may read his file as its person and nothing more: every HR act on it answers 403
with the code ``own_file`` (API) or the Chinese message (pages); bulk acts skip him; an
import naming him is refused with a row error; the pages hide the buttons.
"""
from __future__ import annotations

import io
import time
from datetime import date

import pytest
import sqlalchemy as sa
from flask import url_for
from openpyxl import Workbook

from core import crypto
from core.accounts.permissions import OWN_FILE_MESSAGE
from core.extensions import db
from tests.conftest import _session_identifier
from tests.security.access_matrix import pick_rule, prepare, url_values


def _own_file_rows(matrix):
    """Every (endpoint, method) where HR in scope may act (same subtree: not 403/404) and HR's
    own person is refused with 403: the HR acts of the whole application, from the matrix."""
    by_key = {}
    for row in matrix.rows:
        if row.role == "hr":
            by_key.setdefault((row.endpoint, row.method, row.source), {})[row.relation] = row
    out = []
    for _key, rels in sorted(by_key.items()):
        own, same = rels.get("own"), rels.get("same_subtree")
        if own and same and own.expect == (403,) and not set(same.expect) & {403, 404}:
            out.append(own)
    return out


def test_every_hr_act_on_ones_own_file_answers_403_own_file(app, world):
    """Table-driven over every such endpoint of the access matrix, pages and API."""
    matrix = prepare(world)
    rows = _own_file_rows(matrix)
    endpoints = {r.endpoint for r in rows}
    # the acts the issue names are all in the table
    for expected in ("file_api.revoke_record", "file_api.exempt_record", "file_api.notify_record",
                     "file_api.create_record", "file_api.create_case", "file_api.end_case", "file_api.create_award",
                     "file_api.create_appraisal", "file_api.create_matter_check", "file_api.establish",
                     "file_api.decide_objection", "repair.decide", "pledges_api.fulfilment",
                     "training.enrolment_complete", "registry_api.patch_person", "registry.person_edit",
                     "file.record_revoke", "file.case_end", "file.award_new"):
        assert expected in endpoints, expected
    hr = world.user("hr")
    token = world.tokens["hr"]
    problems = []
    for row in rows:
        rule = pick_rule(app, row)
        values = url_values(rule, row, world, matrix.args_for(row.source))
        with app.test_request_context():
            url = url_for(row.endpoint, _method=row.method, **values)
        kwargs = {"method": row.method}
        if row.json is not None:
            kwargs["json"] = row.json
        elif row.data is not None:
            kwargs["data"] = row.data
        is_api = getattr(app.view_functions[row.endpoint], "__api_doc__", None) is not None
        client = app.test_client()
        if is_api:
            kwargs["headers"] = {"Authorization": f"Bearer {token}"}
        else:
            with client.session_transaction() as sess:
                sess.update({"_user_id": hr.get_id(), "_id": _session_identifier(client), "_fresh": True,
                             "mfa": True, "login_at": time.time(), "last_seen": time.time()})
        resp = client.open(url, **kwargs)
        db.session.rollback()
        if resp.status_code != 403:
            problems.append(f"{row.method} {url}: {resp.status_code}")
        elif is_api and resp.get_json()["error"]["code"] != "own_file":
            problems.append(f"{row.method} {url}: code {resp.get_json()['error']['code']}")
        elif not is_api and str(OWN_FILE_MESSAGE) not in resp.get_data(as_text=True):
            problems.append(f"{row.method} {url}: no clear message")
    assert len(rows) >= 40
    assert not problems, "\n".join(problems)


def test_own_file_page_shows_no_hr_buttons_but_others_do(app, world, session_login):
    c = session_login(world.user("hr"))
    own = c.get(f"/people/{world.id('people', 'hr_own')}/file").get_data(as_text=True)
    other = c.get(f"/people/{world.id('people', 'same_subtree')}/file").get_data(as_text=True)
    for link in ("/records/new", "/awards/new", "/appraisals/new", "/cases/new"):
        assert link in other
        assert link not in own


class TestBulkAndImports:
    def test_pledge_assignment_to_a_department_skips_the_officer(self, app, world, api):
        from archive.pledges import services as pledges
        from archive.pledges.models import Pledge
        hr = world.user("hr")
        tpl = pledges.create_template(kind="annual", title="年度诚信承诺书", body="本人承诺遵守纪律，廉洁奉公，诚实守信。" * 3,
                                      created_by=hr, publish=True)
        db.session.commit()
        resp = api(hr).post("/api/v1/pledges", json={"template_id": tpl.id, "department_id": world.id("depts", "东营区")})
        assert resp.status_code == 200, resp.get_json()
        holders = set(db.session.execute(sa.select(Pledge.person_id).filter_by(template_id=tpl.id)).scalars())
        assert world.id("people", "same_subtree") in holders
        assert world.id("people", "hr_own") not in holders
        # naming him explicitly is refused, not skipped
        resp = api(hr).post("/api/v1/pledges", json={"template_id": tpl.id,
                                                     "person_ids": [world.id("people", "hr_own")]})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "own_file"

    def test_enrolment_by_ids_naming_the_officer_is_refused_by_department_skipped(self, app, world, api):
        from training.models import Course, Enrolment
        course = Course(code="T-OWN", title="廉政教育", category="integrity", integrity=True, hours=2, mode="classroom")
        db.session.add(course)
        db.session.commit()
        client = api(world.user("hr"))
        resp = client.post(f"/api/v1/courses/{course.id}/enrolments", json={"person_ids": [world.id("people", "hr_own")]})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "own_file"
        resp = client.post(f"/api/v1/courses/{course.id}/enrolments", json={"department_id": world.id("depts", "东营区")})
        assert resp.status_code == 200, resp.get_json()
        enrolled = set(db.session.execute(sa.select(Enrolment.person_id).filter_by(course_id=course.id)).scalars())
        assert world.id("people", "same_subtree") in enrolled and world.id("people", "hr_own") not in enrolled

    @pytest.mark.parametrize("kind", ["appraisals", "people"])
    def test_an_import_touching_the_officer_is_refused_with_a_row_error(self, app, world, api, kind):
        from core.registry.models import Person
        own = db.session.get(Person, world.id("people", "hr_own"))
        other = db.session.get(Person, world.id("people", "same_subtree"))
        wb = Workbook()
        ws = wb.active
        if kind == "appraisals":
            ws.append(["公民身份号码", "姓名", "年度", "考核等次"])
            ws.append([crypto.decrypt(other.id_cipher), other.name, 2025, "称职"])
            ws.append([crypto.decrypt(own.id_cipher), own.name, 2025, "优秀"])
        else:
            ws.append(["姓名", "公民身份号码", "单位", "职务", "职级", "录用日期"])
            ws.append([own.name, crypto.decrypt(own.id_cipher), "东营区", "局长", "一级调研员", date(2012, 8, 1)])
        buf = io.BytesIO()
        wb.save(buf)
        resp = api(world.user("hr")).post(f"/api/v1/imports/{kind}", data={"file": (io.BytesIO(buf.getvalue()), "a.xlsx")},
                                          content_type="multipart/form-data")
        assert resp.status_code == 422, resp.get_json()
        errors = resp.get_json()["errors"]
        assert any("本人档案" in e["message"] for e in errors), errors
        own_row = 3 if kind == "appraisals" else 2
        assert [e["row"] for e in errors if "本人档案" in e["message"]] == [own_row]


def test_another_officer_may_act_on_the_officers_file(app, world, api):
    """The guard is about the actor, not the file: the city's HR may record on 刘强."""
    resp = api(world.user("hr_city")).post(f"/api/v1/people/{world.id('people', 'hr_own')}/awards", json={
        "kind": "commendation", "title": "嘉奖", "awarded_on": "2026-01-05", "authority": "市政府"})
    assert resp.status_code == 201
