"""Workbook bombs (issue 17, item 6): a tiny .xlsx whose sheet claims or uses the cell XFD1048576
is refused with a Chinese 422 before any reader allocates its grid; the job worker runs with a
memory limit."""
from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pytest

from core.excel import ExcelError, check_xlsx, count_rows, read_table
from tests.archive.exchange.conftest import make_xlsx

WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
             '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
         'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
         '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
         'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
         'spreadsheetml.worksheet+xml"/></Types>')


def workbook(sheet_data: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.'
             f'org/spreadsheetml/2006/main">{dim}<sheetData>{sheet_data}</sheetData></worksheet>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


BOMB = workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
                '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576")

BOMBS = {
    "declared_and_used_XFD1048576": BOMB,
    "declared_only": workbook('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576"),
    "whole_columns_declared": workbook('<row r="1"><c r="A1"><v>1</v></c></row>', "A:XFD"),
    "used_but_declared_small": workbook('<row r="1"><c r="A1"><v>1</v></c></row>'
                                        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:B2"),
    "no_dimension_far_cell": workbook('<row r="1"><c r="A1"><v>1</v></c></row>'
                                      '<row r="900000"><c r="ZZ900000"><v>1</v></c></row>'),
    "far_row_then_wide_column": workbook('<row r="1"><c r="A1"><v>1</v></c></row>'
                                         '<row r="500000"><c r="A500000"><v>1</v></c></row>'
                                         '<row r="500001"><c r="IV500001"><v>1</v></c></row>'),
    "namespaced_tags": workbook('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
                                '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'),
    "cells_without_references": workbook("<row>" + "<c><v>1</v></c>" * 400 + "</row>" + "<row/>" * 60000),
}


def test_the_bomb_is_tiny():
    assert len(BOMB) < 2000


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_refused_before_reading(name):
    data = BOMBS[name]
    for read in (check_xlsx, count_rows, lambda d: read_table(d, [])):
        with pytest.raises(ExcelError) as exc:
            read(data)
        assert exc.value.status == 422 and exc.value.code == "too_large"
        assert "工作表" in exc.value.message and "超出导入上限" in exc.value.message


def test_ordinary_workbooks_still_read():
    data = make_xlsx(["公民身份号码", "姓名"], [["370502198001011234", f"人{i}"] for i in range(3000)])
    check_xlsx(data)
    assert count_rows(data) == 3000
    small = workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>', "A1")
    check_xlsx(small)


def test_the_api_and_the_page_answer_422_in_chinese(region, api, login_as):
    resp = api(region.hr).post("/api/v1/imports/appraisals", data={"file": (io.BytesIO(BOMB), "考核.xlsx")},
                               content_type="multipart/form-data")
    assert resp.status_code == 422, resp.get_data(as_text=True)
    message = resp.get_json()["errors"][0]["message"]
    assert "超出导入上限" in message and "XFD1048576" in message
    web = login_as(region.hr)
    resp = web.post("/imports/appraisals", data={"file": (io.BytesIO(BOMB), "考核.xlsx")},
                    content_type="multipart/form-data")
    assert resp.status_code == 302
    assert "未导入任何数据" in web.get(resp.headers["Location"]).get_data(as_text=True)


def test_the_worker_memory_limit_stops_a_huge_allocation_in_that_process_only():
    code = ("from core.jobs import apply_memory_limit\n"
            "limit = apply_memory_limit(512)\n"
            "assert limit == 512 * 1024 * 1024\n"
            "try:\n"
            "    bytearray(2 * 1024 * 1024 * 1024)\n"
            "except MemoryError:\n"
            "    print('refused')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "refused" in proc.stdout, proc.stderr


def test_the_worker_command_sets_the_limit(app):
    assert app.config["WORKER_MEMORY_MB"] >= 1024
