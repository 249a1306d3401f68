"""One cell to one Python value: text without a spurious '.0', dates (date cells or YYYY-MM-DD
text), integers, decimals, 是/否, choices; :func:`parse_cell` raises :class:`CellError`."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.excel.common import BOOL, CHOICE, DATE, DECIMAL, INT, CellError, Column
from core.excel.reading import _present

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def is_blank(value: Any) -> bool:
    return not _present(value)


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip().replace("\u3000", " ").strip()


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    m = _DATE_RE.match(text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise CellError(f"日期「{text}」不存在") from None
    raise CellError("日期格式须为 YYYY-MM-DD（或日期单元格）")


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("须为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = cell_text(value)
    if re.fullmatch(r"[+-]?\d{1,12}", text):
        return int(text)
    raise CellError("须为整数")


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("须为数字")
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        try:
            number = Decimal(cell_text(value))
        except InvalidOperation:
            raise CellError("须为数字") from None
    if not number.is_finite():
        raise CellError("须为数字")
    return number


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text in ("是", "Y", "y", "1", "TRUE", "true"):
        return True
    if text in ("否", "N", "n", "0", "FALSE", "false"):
        return False
    raise CellError("须填“是”或“否”")


def parse_cell(column: Column, value: Any) -> Any:
    """The Python value of one cell for ``column`` (None when blank and optional)."""
    if is_blank(value):
        if column.required:
            raise CellError("必填，不能为空")
        return None
    if column.kind == DATE:
        return parse_date(value)
    if column.kind == INT:
        return parse_int(value)
    if column.kind == DECIMAL:
        return parse_decimal(value)
    if column.kind == BOOL:
        return parse_bool(value)
    if isinstance(value, float) and abs(value) >= 1e15:
        raise CellError("数字超过 15 位，Excel 已按数值保存并丢失了末几位（如 3.70502E+17）；"
                        "请将该列设为文本格式后重新输入")
    text = cell_text(value)
    if column.kind == CHOICE and column.choices and text not in column.choices:
        raise CellError(f"「{text[:20]}」不是有效取值，应为：" + "、".join(column.choices))
    if column.max_length and len(text) > column.max_length:
        raise CellError(f"不能超过 {column.max_length} 个字符")
    return text
