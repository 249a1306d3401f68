"""Issue 9 "Done when": HR downloads the appraisal template, fills 2,000 rows, uploads a file
with two bad rows and sees exactly those two named, fixes them, imports, re-imports with no change."""
from __future__ import annotations

import io
import time
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from archive.file.models import Appraisal
from core.extensions import db
from core.registry.models import Person
from tests import factories as f

PEOPLE_HEADERS = ["姓名", "公民身份号码", "单位", "职务", "职级", "录用日期"]
N = 2000


def _register_people(api_client, xlsx, upload, n=N):
    """n people in 文汇街道 and 史口镇, registered through the people import."""
    roster = [[f"人员{i:04d}", f.id_number(), "文汇街道" if i % 2 else "史口镇", "科员", "一级科员", date(2012, 9, 1)]
              for i in range(n)]
    resp = upload(api_client, "people", xlsx(PEOPLE_HEADERS, roster))
    assert resp.status_code == 200, resp.get_json()["errors"][:5]
    return roster


def _filled_template(template: bytes, rows) -> bytes:
    """What HR does in Excel: open the template, type rows under the header, save."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _snapshot():
    return db.session.execute(sa.select(Appraisal.id, Appraisal.person_id, Appraisal.year, Appraisal.grade,
                                        Appraisal.version, Appraisal.updated_at).order_by(Appraisal.id)).all()


class TestAppraisalImportDoneWhen:
    def test_template_two_bad_rows_fix_import_reimport(self, region, api, login_as, xlsx, upload):
        client = api(region.hr)
        t0 = time.perf_counter()
        roster = _register_people(client, xlsx, upload)
        people_seconds = time.perf_counter() - t0

        # 1. the template: Chinese headers and an instructions sheet
        web = login_as(region.hr)
        resp = web.get("/imports/appraisals/template")
        assert resp.status_code == 200
        assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        template = resp.data
        wb = load_workbook(io.BytesIO(template))
        headers = [c.value for c in wb.worksheets[0][1] if c.value]
        assert headers[:4] == ["公民身份号码", "姓名", "年度", "考核等次"] and "文号" in headers
        assert "填写说明" in wb.sheetnames
        assert any("考核等次" in str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)

        # 2. 2,000 rows with two bad ones (spreadsheet rows 501 and 1502)
        rows = [[idn, name, 2025, "优秀" if i % 10 == 0 else "称职", f"东人社〔2026〕{i}号"]
                for i, (name, idn, *_rest) in enumerate(roster)]
        bad = [list(r) for r in rows]
        bad[499][3] = "良好"                                   # row 501: not a grade
        bad[1500][0] = bad[1500][0][:17] + ("0" if bad[1500][0][17] != "0" else "1")   # row 1502: check digit
        upload_bad = _filled_template(template, bad)
        resp = web.post("/imports/appraisals", data={"file": (io.BytesIO(upload_bad), "考核结果.xlsx")},
                        content_type="multipart/form-data")
        assert resp.status_code == 302
        page = web.get(resp.headers["Location"])
        html = page.get_data(as_text=True)
        assert "发现 2 个问题" in html and "良好" in html
        api_resp = upload(client, "appraisals", upload_bad)
        assert api_resp.status_code == 422
        body = api_resp.get_json()
        assert body["rows"] == N and body["imported"] == 0
        assert [(e["row"], e["column"]) for e in body["errors"]] == [(501, "考核等次"), (1502, "公民身份号码")]
        assert body["error"]["code"] == "import_invalid"
        assert db.session.execute(sa.select(sa.func.count()).select_from(Appraisal)).scalar() == 0

        # 3. fixed: check on the page, confirm, 2,000 imported
        good = _filled_template(template, rows)
        resp = web.post("/imports/appraisals", data={"file": (io.BytesIO(good), "考核结果.xlsx")},
                        content_type="multipart/form-data")
        batch_url = resp.headers["Location"]
        assert "检查通过" in web.get(batch_url).get_data(as_text=True)
        t0 = time.perf_counter()
        resp = web.post(batch_url + "/confirm")
        import_seconds = time.perf_counter() - t0
        assert resp.status_code == 302
        assert "已导入" in web.get(batch_url).get_data(as_text=True)
        assert db.session.execute(sa.select(sa.func.count()).select_from(Appraisal)).scalar() == N
        from archive.coverage.models import CoverageFacts  # coverage sees the imported results
        years = db.session.execute(sa.select(CoverageFacts.last_appraisal_year).join(
            Person, Person.id == CoverageFacts.person_id).where(Person.name.like("人员%"))).scalars().all()
        assert len(years) == N and set(years) == {2025}
        before = _snapshot()

        # 4. re-import: nothing changes
        again = upload(client, "appraisals", good)
        assert again.status_code == 200
        assert again.get_json()["imported"] == 0 and again.get_json()["unchanged"] == N
        db.session.expire_all()
        assert _snapshot() == before
        print(f"people import {people_seconds:.1f}s, appraisal import {import_seconds:.1f}s")

    def test_people_are_resolved_within_scope_only(self, region, api, xlsx, upload):
        """An appraisal for a person of another county is refused (and not revealed)."""
        other = db.session.get(Person, region.other.id)
        from core import crypto
        idn = crypto.decrypt(other.id_cipher)
        resp = upload(api(region.hr), "appraisals", xlsx(["公民身份号码", "姓名", "年度", "考核等次"],
                                                          [[idn, other.name, 2025, "称职"]]))
        assert resp.status_code == 422
        assert resp.get_json()["errors"] == [{"row": 2, "column": "公民身份号码",
                                              "message": "未找到该公民身份号码对应的人员（未登记，或不在您的管理范围内）"}]
