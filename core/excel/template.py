"""The import template: Chinese headers (required ones shaded), drop-downs for choice columns,
id and code columns formatted as text, and a 填写说明 (instructions) sheet."""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from core.excel.common import BOOL, CHOICE, DATE, TEXT, Column
from core.excel.writing import DATE_FORMAT, _sheet_title, _styles, _width


def template_workbook(columns: Sequence[Column], instructions: Sequence[str], *, title: str = "数据",
                      examples: Sequence[Sequence[Any]] = ()) -> bytes:
    """An import template: sheet 1 the headers (required ones shaded, drop-downs for choice
    columns, id and code columns formatted as text), sheet 2 填写说明 with every column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    st = _styles()
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(title)
    last_row = 5001
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font, cell.alignment, cell.border = st["font"], st["align"], st["border"]
        cell.fill = st["required"] if col.required else st["fill"]
        note = ("必填。" if col.required else "选填。") + col.hint + ("。" + col.note if col.note else "")
        cell.comment = Comment(note, "诚信档案")
        ws.column_dimensions[letter].width = col.width or max(12, _width(col.header) + 4,
                                                              min(_width(col.example) + 2, 40))
        if col.kind == CHOICE and col.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=not col.required,
                                showErrorMessage=True, errorTitle="取值无效",
                                error="请从下拉列表中选择：" + "、".join(col.choices))
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
        elif col.kind == BOOL:
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
        if col.kind == TEXT and col.key in ("id_number", "code", "course_code", "document_no", "phone"):
            for r in range(2, 202):                       # typed id numbers stay text (no 3.7E+17)
                ws.cell(row=r, column=i).number_format = "@"
        if col.kind == DATE:
            for r in range(2, 202):
                ws.cell(row=r, column=i).number_format = DATE_FORMAT
    ws.freeze_panes = "A2"
    info = wb.create_sheet("填写说明")
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 10
    info.column_dimensions["C"].width = 34
    info.column_dimensions["D"].width = 60
    info.column_dimensions["E"].width = 24
    row = 1
    for line in instructions:
        info.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    for i, header in enumerate(("列名", "是否必填", "格式", "说明", "示例"), start=1):
        c = info.cell(row=row, column=i, value=header)
        c.font, c.fill, c.border = st["font"], st["fill"], st["border"]
    for col in columns:
        row += 1
        for i, value in enumerate((col.header, "必填" if col.required else "选填", col.hint, col.note,
                                   col.example), start=1):
            info.cell(row=row, column=i, value=value)
    if examples:
        row += 2
        info.cell(row=row, column=1, value="示例（请在“" + ws.title + "”工作表中填写，不要在本页填写）").font = st["font"]
        row += 1
        for i, col in enumerate(columns, start=1):
            c = info.cell(row=row, column=i, value=col.header)
            c.font, c.fill = st["font"], st["fill"]
        for example in examples:
            row += 1
            for i, value in enumerate(example, start=1):
                info.cell(row=row, column=i, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
