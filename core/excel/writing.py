"""Writing with openpyxl: a styled sheet (bold header, column widths, frozen header row, auto
filter; text never becomes a formula), a whole workbook, and the Flask download of one sheet."""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core import clock
from core.excel.common import XLSX_MIME

HEADER_FILL = "DCE6F1"
REQUIRED_FILL = "FCE4D6"
DATE_FORMAT = "yyyy-mm-dd"


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    thin = Side(style="thin", color="A6A6A6")
    return {"font": Font(bold=True), "align": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "border": Border(bottom=thin, top=thin, left=thin, right=thin),
            "fill": PatternFill("solid", fgColor=HEADER_FILL),
            "required": PatternFill("solid", fgColor=REQUIRED_FILL)}


def _width(text: str) -> int:
    """Display width: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _excel_value(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "zh") and hasattr(value, "value"):         # LabelledEnum: its name, not its code
        from flask import has_request_context
        return str(value.label) if has_request_context() else value.zh
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        local = value.astimezone(clock.zone()) if value.tzinfo else value
        return local.replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def write_sheet(ws, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, widths: Sequence[int] | None = None,
                required: Sequence[bool] | None = None) -> int:
    """Write a header row and data rows into a write-only worksheet; returns the row count."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    st = _styles()
    samples: list[int] = [_width(h) + 2 for h in headers]
    rows = iter(rows)
    buffered = []
    for row in rows:                       # the first rows size the columns
        buffered.append(row)
        for i, v in enumerate(row[:len(samples)]):
            samples[i] = max(samples[i], min(_width(_excel_value_text(v)) + 2, 60))
        if len(buffered) >= 200:
            break
    for i in range(len(headers)):
        width = widths[i] if widths and i < len(widths) and widths[i] else samples[i]
        ws.column_dimensions[get_column_letter(i + 1)].width = max(8, min(width, 60))
    ws.freeze_panes = "A2"
    head = []
    for i, header in enumerate(headers):
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.alignment, cell.border = st["font"], st["align"], st["border"]
        cell.fill = st["required"] if required and i < len(required) and required[i] else st["fill"]
        head.append(cell)
    ws.append(head)
    count = 0
    for row in _chain(buffered, rows):
        out = []
        for v in row:
            v = _excel_value(v)
            if isinstance(v, (date, datetime)):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = DATE_FORMAT if not isinstance(v, datetime) else "yyyy-mm-dd hh:mm"
                out.append(cell)
            elif isinstance(v, str) and v.startswith("="):
                cell = WriteOnlyCell(ws, value=v)
                cell.data_type = "s"          # text stays text: never a formula (formula injection)
                out.append(cell)
            else:
                out.append(v)
        ws.append(out)
        count += 1
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    return count


def _excel_value_text(v: Any) -> str:
    v = _excel_value(v)
    if isinstance(v, (date, datetime)):
        return "2026-01-01"
    return "" if v is None else str(v)


def _chain(first, rest):
    yield from first
    yield from rest


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx with one styled sheet per ``(title, headers, rows)``."""
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=_sheet_title(title))
        write_sheet(ws, headers, rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]\*\?/\\:]", "_", title or "Sheet")[:31] or "Sheet"


def export_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                    sheet_title: str | None = None):
    """A Flask download of one styled sheet: ``return export_response("人员.xlsx", HEADERS, rows)``.

    The caller has already scoped the rows and recorded the audit event (``export`` action).
    """
    from flask import send_file
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    data = workbook_bytes([(sheet_title or filename.rsplit(".", 1)[0], headers, rows)])
    resp = send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=filename,
                     max_age=0)
    resp.headers["Cache-Control"] = "no-store"
    return resp
