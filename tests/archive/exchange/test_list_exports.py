"""Excel export of lists: people (same filters and scope as the people page), records."""
from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from python_calamine import CalamineWorkbook

from core import clock
from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f

from .conftest import make_record


def rows_of(resp):
    assert resp.status_code == 200, resp.headers.get("Location")
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return CalamineWorkbook.from_filelike(io.BytesIO(resp.data)).get_sheet_by_index(0).to_python()


class TestPeopleExport:
    def test_exported_set_equals_visible_set(self, region, login_as):
        f.person("王五", department=region.shikou)
        f.person("赵六", department=region.hekou)
        f.person("退休者", department=region.wenhui, status=__import__("core.enums", fromlist=["x"]).PersonStatus.RETIRED)
        db.session.commit()
        web = login_as(region.hr)
        rows = rows_of(web.get("/exports/people.xlsx"))
        assert rows[0][:2] == ["姓名", "公民身份号码（脱敏）"]
        assert {r[0] for r in rows[1:]} == {"张伟", "王五"}          # active, 东营区 only
        assert {r[1] for r in rows[1:]} == {region.person.id_masked, db.session.get(type(region.person),
                                                                                       region.person.id + 2).id_masked}
        assert {r[0] for r in rows_of(web.get("/exports/people.xlsx?status=all"))[1:]} == {"张伟", "王五", "退休者"}
        assert {r[0] for r in rows_of(web.get("/exports/people.xlsx", query_string={
            "department_id": region.shikou.id}))[1:]} == {"王五"}
        assert {r[0] for r in rows_of(web.get("/exports/people.xlsx?q=张"))[1:]} == {"张伟"}
        city = login_as(region.hr_city)
        assert {r[0] for r in rows_of(city.get("/exports/people.xlsx"))[1:]} == {"张伟", "王五", "李娜", "赵六"}
        events = db.session.execute(db.select(AuditEvent).filter_by(action="export")).scalars().all()
        assert len(events) == 5 and "人员名单" in events[0].summary

    def test_department_outside_scope_is_404(self, region, login_as):
        assert login_as(region.hr).get(f"/exports/people.xlsx?department_id={region.hekou.id}").status_code == 404

    def test_only_hr(self, app, region, login_as):
        assert login_as(region.servant).get("/exports/people.xlsx").status_code == 403
        assert app.test_client().get("/exports/people.xlsx").status_code in (302, 401)

    def test_bulk_export_needs_a_fresh_login(self, app, region, login_as, monkeypatch):
        monkeypatch.setitem(app.config, "EXPORT_FRESH_ROWS", 1)
        f.person("王五", department=region.shikou)
        db.session.commit()
        web = login_as(region.hr)
        with web.session_transaction() as sess:
            sess["fresh_at"] = sess["login_at"] = time.time() - 3600
        resp = web.get("/exports/people.xlsx")
        assert resp.status_code == 302 and "/reauth" in resp.headers["Location"]
        again = web.post(resp.headers["Location"], data={"password": f.PASSWORD})
        assert again.status_code == 302 and again.headers["Location"].startswith("/exports/people.xlsx")
        assert len(rows_of(web.get("/exports/people.xlsx"))) == 3


class TestRecordsExport:
    def test_records_in_scope_with_current_status(self, region, login_as):
        mine = make_record(region.person, decided_on=clock.today() - timedelta(days=30))
        make_record(region.other, decided_on=clock.today() - timedelta(days=30))
        db.session.commit()
        rows = rows_of(login_as(region.hr).get("/exports/records.xlsx"))
        assert len(rows) == 2 and rows[1][0] == "张伟" and rows[1][3] == "政务处分" and rows[1][10] == "生效"
        assert mine.id


@pytest.mark.parametrize("path", ["/exports/people.xlsx", "/exports/records.xlsx"])
def test_exports_are_not_cached(region, login_as, path):
    resp = login_as(region.hr).get(path)
    assert resp.headers["Cache-Control"].startswith("no-store")


def test_list_pages_link_to_their_export(region, login_as):
    web = login_as(region.hr)
    assert "/exports/people.xlsx" in web.get("/people?status=all").get_data(as_text=True)
    assert "/exports/records.xlsx" in web.get("/records?category=discipline_gov").get_data(as_text=True)
