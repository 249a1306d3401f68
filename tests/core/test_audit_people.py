"""Issue 19.7: the audit log by person (name or id number, never an internal id), with the import
and batch events of their trail; anonymous /verify checks as 公众查验; Excel export (audited);
the action column in one language."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from core import crypto
from core.audit.models import AuditEvent
from core.audit.services import record_event
from core.extensions import db
from core.registry.models import Person
from tests import factories as f
from tests.archive.exchange.conftest import make_xlsx
from tests.archive.exchange.test_import_people import HEADERS, roster


def _body(resp) -> str:
    return resp.get_data(as_text=True)


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr data-action="[a-z_]+"><td>(\d+)</td>', html)]


class TestPersonFilter:
    def test_by_name_and_by_id_suffix(self, region, login_as):
        record_event("person_view", region.person, "查看人员信息")
        record_event("person_view", region.other, "查看人员信息")
        db.session.commit()
        c = login_as(region.auditor)
        html = _body(c.get("/audit/?person=张伟"))
        mine = db.session.execute(sa.select(AuditEvent.id).filter_by(person_id=region.person.id)).scalars().all()
        assert set(_ids(html)) == set(mine) and "人员：张伟" in html
        assert region.person.id_masked in html
        tail = crypto.decrypt(region.person.id_cipher)[-6:]
        assert set(_ids(_body(c.get(f"/audit/?person={tail}")))) == set(mine)
        full = crypto.decrypt(region.person.id_cipher)
        assert set(_ids(_body(c.get(f"/audit/?person={full}")))) == set(mine)

    def test_several_matches_are_offered_and_nobody_found_is_said(self, region, login_as):
        f.person("张伟", department=region.shikou)
        db.session.commit()
        c = login_as(region.auditor)
        html = _body(c.get("/audit/?person=张伟"))
        assert "找到 2 名人员" in html and html.count("/audit/?person_id=") >= 2
        assert "没有找到该人员" in _body(c.get("/audit/?person=不存在的人"))
        for bad in ("%00", "x" * 300, "<script>", "%25"):
            assert c.get(f"/audit/?person={bad}").status_code in (200, 400)
        for bad in ("99999999999999999999999", "-1", "0", "abc"):
            assert c.get(f"/audit/?person_id={bad}").status_code == 200
            assert c.get(f"/audit/export?person_id={bad}").status_code == 200

    def test_the_person_column_shows_the_name_not_the_internal_id(self, region, login_as):
        record_event("person_view", region.person, "查看人员信息")
        db.session.commit()
        html = _body(login_as(region.auditor).get("/audit/"))
        assert f'person_id={region.person.id}">张伟</a>' in html and f">#{region.person.id}<" not in html


class TestBatchEventsInTheTrail:
    def test_an_import_is_in_the_trail_of_every_imported_person(self, region, api, login_as):
        client = api(region.hr)
        resp = client.post("/api/v1/imports/people", data={"file": (io.BytesIO(make_xlsx(HEADERS, roster(2))),
                                                                     "p.xlsx")}, content_type="multipart/form-data")
        assert resp.status_code == 200, resp.get_json()
        imported = db.session.execute(sa.select(Person).where(Person.name == "测试1")).scalar_one()
        event = db.session.execute(sa.select(AuditEvent).filter_by(action="import")).scalar_one()
        assert event.person_id is None
        html = _body(login_as(region.auditor).get(f"/audit/?person_id={imported.id}"))
        assert event.id in _ids(html)
        assert event.id not in _ids(_body(login_as(region.auditor).get(f"/audit/?person_id={region.person.id}")))

    def test_a_bulk_pledge_assignment_is_in_the_trail(self, region, login_as):
        from archive.pledges.services import assign
        from tests.archive.coverage.coverage_helpers import pre_template
        other = f.person("孙八", department=region.shikou)
        db.session.commit()
        template = pre_template()
        db.session.commit()
        assign(template, [region.person.id, other.id], assigned_by=region.hr)
        db.session.commit()
        events = db.session.execute(sa.select(AuditEvent).filter_by(action="pledge_assign")).scalars().all()
        bulk = [e for e in events if e.person_id is None]
        assert bulk
        html = _body(login_as(region.auditor).get("/audit/?person=孙八"))
        assert bulk[-1].id in _ids(html)
        assert bulk[-1].id not in _ids(_body(login_as(region.auditor).get("/audit/?person=李娜")))


class TestActorsAndLanguage:
    def test_an_anonymous_verification_is_public_not_system(self, region, login_as, client):
        from core.documents import issue_document
        doc, data = issue_document("certificate", lambda serial: b"%PDF-1.7 certificate " + serial.encode(),
                                   person=region.person)
        db.session.commit()
        r = client.post(f"/verify/{doc.serial}", data={"file": (io.BytesIO(data), "c.pdf")},
                        content_type="multipart/form-data")      # a member of the public, not logged in
        assert r.status_code == 200
        html = _body(login_as(region.auditor).get("/audit/?action=document_verify"))
        assert 'data-actor="public"' in html and "公众查验" in html
        row = html.split('data-action="document_verify"')[1].split("</tr>")[0]
        assert "系统/命令行" not in row

    def test_the_action_column_is_one_language(self, region, login_as):
        record_event("person_view", region.person, "查看人员信息")
        db.session.commit()
        html = _body(login_as(region.auditor).get("/audit/"))
        row = html.split('data-action="person_view"')[1].split("</tr>")[0]
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert "<code" not in row and "person_view" not in cells[3]
        html = _body(login_as(region.auditor).get("/audit/?lang=en"))
        assert "<code class=\"small text-body-secondary\">" not in html


class TestExport:
    def test_the_filtered_log_exports_to_excel_and_is_audited(self, region, login_as):
        record_event("person_view", region.person, "查看人员信息")
        record_event("person_view", region.other, "查看人员信息")
        db.session.commit()
        c = login_as(region.auditor)
        assert 'id="audit-export"' in _body(c.get("/audit/?person=张伟"))
        r = c.get("/audit/export?person=张伟")
        assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
        rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
        assert rows[0][:4] == ("序号", "时间", "操作人", "操作")
        assert rows[1:] and all(row[6] == "张伟" for row in rows[1:])
        assert all(region.person.id_masked == row[7] for row in rows[1:])
        last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert last.action == "export" and "审计日志" in last.summary and last.actor_name == "auditor"
        assert login_as(region.hr).get("/audit/export").status_code == 403
