"""Bad uploads get a clear Chinese 422 (never 500); headers are matched by text."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date

import pytest

from tests import factories as f

HEADERS = ["公民身份号码", "姓名", "年度", "考核等次"]


def _zip(names) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buf.getvalue()


BAD_FILES = {
    "empty": (b"", "empty_file"),
    "pdf": (b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "bad_type"),
    "csv_renamed": ("公民身份号码,姓名,年度,考核等次\n370502198001011234,张伟,2025,称职\n".encode(), "bad_type"),
    "xls_or_encrypted": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "bad_type"),
    "truncated_zip": (b"PK\x03\x04" + b"\x14\x00" * 40, "corrupt_file"),
    "docx": (_zip(["[Content_Types].xml", "word/document.xml"]), "bad_type"),
    "broken_workbook": (_zip(["[Content_Types].xml", "xl/workbook.xml"]), "corrupt_file"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_a_clear_422(region, api, upload, name):
    data, code = BAD_FILES[name]
    resp = upload(api(region.hr), "appraisals", data, filename="考核.xlsx")
    assert resp.status_code == 422, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["imported"] == 0 and body["rows"] == 0
    assert len(body["errors"]) == 1 and body["errors"][0]["row"] is None
    message = body["errors"][0]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)          # Chinese
    assert body["error"]["message"] == message and body["error"]["code"] == "import_invalid"
    assert code  # the internal code is in the batch log


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_on_the_page(region, login_as, name):
    data, _ = BAD_FILES[name]
    web = login_as(region.hr)
    resp = web.post("/imports/appraisals", data={"file": (io.BytesIO(data), "考核.xlsx")},
                    content_type="multipart/form-data")
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"])
    assert page.status_code == 200 and "未导入任何数据" in page.get_data(as_text=True)


def test_missing_file_field(region, api):
    resp = api(region.hr).post("/api/v1/imports/appraisals", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["error"]["fields"]


def test_unknown_kind_is_404(region, api, xlsx, upload):
    assert upload(api(region.hr), "salaries", xlsx(HEADERS, [])).status_code == 404
    assert api(region.hr).get("/api/v1/imports/salaries/template").status_code == 404


def test_wrong_headers_name_the_missing_columns(region, api, xlsx, upload):
    resp = upload(api(region.hr), "appraisals", xlsx(["身份证号", "姓名", "年份", "考核等次"], [["x", "y", 1, "称职"]]))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(1, "公民身份号码"), (1, "年度")]
    assert errors[0]["message"] == "缺少必填列「公民身份号码」"


def test_headers_in_any_order_other_columns_ignored_spaces_tolerated(region, api, xlsx, upload):
    from core import crypto
    idn = crypto.decrypt(region.person.id_cipher)
    data = xlsx(["备注", " 考核等次 ", "年度", "姓名*", "公民身份号码", "文号"],
                [["随便写", "称职", "2024", "张伟", idn, None], [None, None, None, None, None, None]])
    resp = upload(api(region.hr), "appraisals", data)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["imported"] == 1 and resp.get_json()["rows"] == 1


def test_dates_as_cells_or_text(region, api, xlsx, upload):
    rows = [["甲", f.id_number(), "文汇街道", "科员", "一级科员", date(2015, 3, 1)],
            ["乙", f.id_number(), "文汇街道", "科员", "一级科员", "2015-03-01"],
            ["丙", f.id_number(), "文汇街道", "科员", "一级科员", "2015/3/1"],
            ["丁", f.id_number(), "文汇街道", "科员", "一级科员", "15-3-1"],
            ["戊", f.id_number(), "文汇街道", "科员", "一级科员", "2015-02-30"]]
    resp = upload(api(region.hr), "people", xlsx(["姓名", "公民身份号码", "单位", "职务", "职级", "录用日期"], rows))
    assert resp.status_code == 422
    assert [(e["row"], e["column"]) for e in resp.get_json()["errors"]] == [(5, "录用日期"), (6, "录用日期")]


def test_id_number_typed_as_a_number_gets_a_hint(region, api, xlsx, upload):
    resp = upload(api(region.hr), "appraisals", xlsx(HEADERS, [[3.70502198001011e17, "张伟", 2025, "称职"]]))
    assert resp.status_code == 422
    assert "文本格式" in resp.get_json()["errors"][0]["message"]


def test_too_large_upload_is_413(app, region, api, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    resp = api(region.hr).post("/api/v1/imports/appraisals", data={"file": (io.BytesIO(b"x" * 5000), "a.xlsx")},
                               content_type="multipart/form-data")
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


def test_libreoffice_made_file(region, api, upload, tmp_path):
    """A workbook saved by LibreOffice (converted from CSV: dates become date cells)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed here (openpyxl-made files are tested instead)")
    from core import crypto
    csv = tmp_path / "people.csv"
    csv.write_text("公民身份号码,姓名,年度,考核等次\n" + f"{crypto.decrypt(region.person.id_cipher)},张伟,2024,称职\n",
                   encoding="utf-8")
    subprocess.run([soffice, "--headless", "--infilter=CSV:44,34,76,1,1/2", "--convert-to", "xlsx", "--outdir",
                    str(tmp_path), str(csv)], check=True, timeout=120, capture_output=True)
    resp = upload(api(region.hr), "appraisals", (tmp_path / "people.xlsx").read_bytes())
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["imported"] == 1
