"""Excel workbooks, shared by every import and export (ARCHITECTURE "Performance shape").

Reading uses python-calamine (100,000 rows in about a second); writing uses openpyxl.

* ``read_table(data, columns)`` checks that ``data`` really is an .xlsx workbook, finds the
  header row (row 1) by header text in any order (other columns are ignored), and returns
  a :class:`Table` whose rows keep their spreadsheet row numbers (the header is row 1).
  A file that is not a readable workbook raises :class:`ExcelError` with a Chinese message.
* ``parse_cell(column, value)`` turns one cell into a Python value (date cells or
  ``YYYY-MM-DD`` text for dates, 是/否 for booleans...) or raises :class:`CellError`.
* ``workbook_bytes(...)`` / ``export_response(filename, headers, rows)`` write a styled
  workbook (bold header, column widths, frozen header row, auto filter): every list page
  can offer "导出 Excel" with one call.
* ``template_workbook(columns, instructions)``: an import template with Chinese headers, a
  drop-down for every choice column and a 填写说明 (instructions) sheet.

The modules: ``common`` (limits, column kinds, errors, Column, Table), ``guard`` (not an .xlsx,
zip and workbook bombs), ``reading``, ``cells``, ``writing`` and ``template``. Callers import
from ``core.excel``; the names below are that interface.
"""
from __future__ import annotations

from core.excel.cells import cell_text, parse_cell
from core.excel.common import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    TEXT,
    XLSX_MIME,
    CellError,
    Column,
    ExcelError,
    Table,
)
from core.excel.guard import check_xlsx
from core.excel.reading import count_rows, normalise_header, read_table
from core.excel.template import template_workbook
from core.excel.writing import export_response, workbook_bytes

__all__ = [
    "BOOL", "CHOICE", "DATE", "DECIMAL", "INT", "TEXT", "XLSX_MIME", "CellError", "Column", "ExcelError",
    "Table", "cell_text", "check_xlsx", "count_rows", "export_response", "normalise_header", "parse_cell",
    "read_table", "template_workbook", "workbook_bytes",
]
