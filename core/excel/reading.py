"""Reading with python-calamine: find the sheet and header row by header text, keep spreadsheet
row numbers (:func:`read_table`), and count data rows cheaply (:func:`count_rows`)."""
from __future__ import annotations

import io
import operator
import re
from collections.abc import Sequence
from typing import Any

from core.excel.common import MAX_ROWS, Column, ExcelError, Table
from core.excel.guard import check_xlsx


def normalise_header(text: Any) -> str:
    """'  姓名 * ' -> '姓名': spaces (also full-width), a trailing required mark, line breaks."""
    value = re.sub(r"[\s\u3000]+", "", str(text if text is not None else ""))
    return value.rstrip("*＊")


def _open(data: bytes):
    import python_calamine
    check_xlsx(data)
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - calamine raises several types for broken files
        raise ExcelError("文件已损坏，无法作为 Excel (.xlsx) 工作簿读取", code="corrupt_file") from None


def _sheet_rows(workbook, index: int) -> list[list[Any]]:
    try:
        return workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001
        raise ExcelError("工作表内容已损坏，无法读取", code="corrupt_file") from None


def count_rows(data: bytes) -> int:
    """Data rows of the first sheet with content (a cheap look before deciding sync or job)."""
    workbook = _open(data)
    for index in range(len(workbook.sheet_names)):
        rows = _sheet_rows(workbook, index)
        if rows:
            return max(0, sum(1 for r in rows[1:] if any(_present(v) for v in r)))
    return 0


def read_table(data: bytes, columns: Sequence[Column]) -> Table:
    """Read the sheet whose first row holds the columns' headers (any order).

    The first sheet that has every required header is used; when none has, an ExcelError
    names the missing columns (row 1) of the best candidate. Completely empty rows are
    skipped; every other row keeps its spreadsheet row number.
    """
    workbook = _open(data)
    wanted = {c.header: c for c in columns}
    best: tuple[int, str, list[str]] | None = None
    for index, name in enumerate(workbook.sheet_names):
        rows = _sheet_rows(workbook, index)
        if not rows:
            continue
        headers = [normalise_header(v) for v in rows[0]]
        positions: dict[str, int] = {}
        duplicates = []
        for pos, header in enumerate(headers):
            if header in wanted:
                if header in positions:
                    duplicates.append(header)
                positions.setdefault(header, pos)
        missing = [c.header for c in columns if c.required and c.header not in positions]
        if not missing:
            if duplicates:
                raise ExcelError("表头有重复的列：" + "、".join(dict.fromkeys(duplicates)), code="bad_header",
                                 errors=[{"row": 1, "column": h, "message": f"列「{h}」出现了不止一次"}
                                         for h in dict.fromkeys(duplicates)])
            if len(rows) - 1 > MAX_ROWS:
                raise ExcelError("行数超过上限", code="too_large")
            table = Table(sheet=name, headers=[h for h in headers if h],
                          ignored_headers=[h for h in headers if h and h not in wanted])
            names = [wanted[h].key for h in positions]
            places = list(positions.values())
            width = max(places) + 1
            pick = operator.itemgetter(*places) if len(places) > 1 else (lambda r, p=places[0]: (r[p],))
            append = table.rows.append
            for number, raw in enumerate(rows[1:], start=2):
                cells = pick(raw) if len(raw) >= width else tuple(raw[p] if p < len(raw) else "" for p in places)
                for v in cells:     # skip completely empty rows (same test as _present, inline: 100,000s of rows)
                    if v is not None and (not isinstance(v, str) or v.strip()):
                        append((number, dict(zip(names, cells))))
                        break
            return table
        found = len(positions)
        if best is None or found > best[0]:
            best = (found, name, missing)
    if best is None:
        raise ExcelError("工作簿中没有数据：第 1 行应为表头（请使用下载的模板）", code="no_data",
                         errors=[{"row": 1, "column": c.header, "message": f"缺少必填列「{c.header}」"}
                                 for c in columns if c.required])
    missing = best[2]
    raise ExcelError("表头缺少必填列：" + "、".join(missing) + "（第 1 行应为表头，请使用下载的模板）",
                     code="bad_header",
                     errors=[{"row": 1, "column": h, "message": f"缺少必填列「{h}」"} for h in missing])


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
