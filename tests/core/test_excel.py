"""core.excel: reading with calamine (headers by text, row numbers), writing with openpyxl."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core import excel
from core.excel import BOOL, CHOICE, DATE, DECIMAL, INT, CellError, Column, ExcelError

COLUMNS = (Column("姓名", "name"), Column("日期", "day", DATE), Column("备注", "note", required=False))


def book(*sheets) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class TestReadTable:
    def test_rows_keep_spreadsheet_numbers_and_skip_blank_rows(self):
        data = book(("数据", [["日期", "无关列", "姓名"], [date(2026, 1, 2), "x", "甲"], [None, None, None],
                              ["2026-01-05", None, "乙"]]))
        table = excel.read_table(data, COLUMNS)
        assert [n for n, _ in table.rows] == [2, 4]
        assert table.rows[0][1] == {"name": "甲", "day": date(2026, 1, 2)}
        assert table.ignored_headers == ["无关列"]

    def test_picks_the_sheet_with_the_headers(self):
        data = book(("说明", [["请看第二页"]]), ("名单", [["姓名", "日期"], ["甲", "2026-01-01"]]))
        assert excel.read_table(data, COLUMNS).sheet == "名单"

    def test_missing_headers_are_named(self):
        with pytest.raises(ExcelError) as err:
            excel.read_table(book(("数据", [["名字", "日期"]])), COLUMNS)
        assert err.value.errors == [{"row": 1, "column": "姓名", "message": "缺少必填列「姓名」"}]
        assert err.value.status == 422

    def test_duplicate_header_is_an_error(self):
        with pytest.raises(ExcelError) as err:
            excel.read_table(book(("数据", [["姓名", "日期", "姓名"]])), COLUMNS)
        assert err.value.errors[0]["column"] == "姓名"

    def test_empty_workbook(self):
        with pytest.raises(ExcelError):
            excel.read_table(book(("数据", [])), COLUMNS)

    @pytest.mark.parametrize("data", [b"", b"%PDF-1.4", b"a,b\n1,2", b"PK\x03\x04xx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
    def test_not_a_workbook(self, data):
        with pytest.raises(ExcelError) as err:
            excel.read_table(data, COLUMNS)
        assert err.value.errors[0]["row"] is None and err.value.message

    def test_count_rows(self):
        assert excel.count_rows(book(("数据", [["姓名"], ["甲"], [None], ["乙"]]))) == 2


class TestCells:
    @pytest.mark.parametrize("value, expected", [
        (date(2026, 3, 1), date(2026, 3, 1)), (datetime(2026, 3, 1, 0, 0), date(2026, 3, 1)),  # noqa: DTZ001 - Excel cells are naive
        ("2026-03-01", date(2026, 3, 1)), ("2026/3/1", date(2026, 3, 1)), ("2026年3月1日", date(2026, 3, 1))])
    def test_dates(self, value, expected):
        assert excel.parse_cell(Column("日期", "d", DATE), value) == expected

    @pytest.mark.parametrize("value", ["2026-02-30", "01/03/2026", "昨天", 45000.0])
    def test_bad_dates(self, value):
        with pytest.raises(CellError):
            excel.parse_cell(Column("日期", "d", DATE), value)

    def test_numbers_booleans_choices(self):
        assert excel.parse_cell(Column("年度", "y", INT), 2025.0) == 2025
        assert excel.parse_cell(Column("年度", "y", INT), " 2025 ") == 2025
        assert excel.parse_cell(Column("学时", "h", DECIMAL), "1.5") == Decimal("1.5")
        assert excel.parse_cell(Column("领导", "l", BOOL), "是") is True
        assert excel.parse_cell(Column("等次", "g", CHOICE, choices=("优秀", "称职")), "称职") == "称职"
        with pytest.raises(CellError, match="不是有效取值"):
            excel.parse_cell(Column("等次", "g", CHOICE, choices=("优秀", "称职")), "良好")
        with pytest.raises(CellError, match="必填"):
            excel.parse_cell(Column("等次", "g"), "  ")
        assert excel.parse_cell(Column("备注", "n", required=False), None) is None

    def test_long_number_lost_precision(self):
        with pytest.raises(CellError, match="文本格式"):
            excel.parse_cell(Column("公民身份号码", "id_number"), 3.70502198001011e17)

    def test_text_of_numbers(self):
        assert excel.cell_text(13800001234.0) == "13800001234"
        assert excel.normalise_header(" 姓 名*\n") == "姓名"


class TestWriting:
    def test_export_workbook_has_styled_frozen_header_and_widths(self):
        data = excel.workbook_bytes([("人员名单", ["姓名", "日期", "公式"], [["张伟", date(2026, 1, 2), "=1+1"]])])
        wb = load_workbook(io.BytesIO(data))
        ws = wb["人员名单"]
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold and ws["A1"].value == "姓名"
        assert ws["B2"].value.date() == date(2026, 1, 2) and ws["B2"].number_format == "yyyy-mm-dd"
        assert ws["C2"].value == "=1+1" and ws["C2"].data_type == "s"      # text, never a formula
        assert ws.column_dimensions["A"].width >= 8
        assert ws.auto_filter.ref == "A1:C2"

    def test_labelled_enums_are_written_in_chinese(self):
        from core.enums import PersonStatus
        data = excel.workbook_bytes([("x", ["状态", "领导"], [[PersonStatus.ACTIVE, True]])])
        ws = load_workbook(io.BytesIO(data)).active
        assert [c.value for c in ws[2]] == ["在职", "是"]

    def test_export_response(self, app):
        with app.test_request_context():
            resp = excel.export_response("人员名单", ["姓名"], iter([["张伟"], ["李娜"]]))
        assert resp.mimetype == excel.XLSX_MIME
        assert "attachment" in resp.headers["Content-Disposition"]
        assert "filename*=UTF-8''%E4%BA%BA" in resp.headers["Content-Disposition"]
        resp.direct_passthrough = False
        rows = excel.read_table(resp.get_data(), [Column("姓名", "name")]).rows
        assert [v["name"] for _, v in rows] == ["张伟", "李娜"]

    def test_template_round_trips_and_has_instructions(self):
        cols = (Column("姓名", "name"), Column("等次", "grade", CHOICE, choices=("优秀", "称职")),
                Column("日期", "day", DATE, required=False))
        data = excel.template_workbook(cols, ["说明第一行"], title="数据", examples=[["张伟", "称职", "2026-01-01"]])
        wb = load_workbook(io.BytesIO(data))
        assert wb.sheetnames == ["数据", "填写说明"]
        assert [c.value for c in wb["数据"][1]] == ["姓名", "等次", "日期"]
        assert wb["数据"].data_validations.dataValidation[0].formula1 == '"优秀,称职"'
        assert wb["填写说明"]["A1"].value == "说明第一行"
        table = excel.read_table(data, cols)
        assert table.sheet == "数据" and table.rows == []
