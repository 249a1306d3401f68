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
"""
from __future__ import annotations

import io
import operator
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core import clock
from core.errors import DomainError

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024      # zip-bomb guard for a 20 MB upload
MAX_ROWS = 1_048_576                              # the .xlsx sheet limit
# workbook bombs (issue 17, item 6): a 1.6 KB file whose only cell is XFD1048576 makes a reader build a
# 17-billion-cell grid. Every worksheet's declared dimension and its real cells are measured in the
# XML before any reader opens the workbook; a sheet beyond these bounds is refused (422).
MAX_SHEET_ROWS = 1_000_001        # the header and a million rows
MAX_SHEET_COLUMNS = 256           # imports have ~20 columns; IV is generous
MAX_SHEET_CELLS = 20_000_000      # the grid a reader allocates (rows × columns): ~640 MB in calamine

# value kinds of a column
TEXT, DATE, INT, DECIMAL, BOOL, CHOICE = "text", "date", "int", "decimal", "bool", "choice"
_KIND_HINT = {TEXT: "文本", DATE: "日期（日期单元格或 YYYY-MM-DD）", INT: "整数", DECIMAL: "数字",
              BOOL: "是 / 否", CHOICE: "从下拉列表中选择"}


class ExcelError(DomainError):
    """The upload is not a readable .xlsx workbook (or has no usable header row)."""

    status = 422

    def __init__(self, message: str, code: str = "bad_file", errors: list[dict] | None = None):
        super().__init__(code, message, {"file": message})
        self.errors = errors if errors is not None else [{"row": None, "column": None, "message": message}]


class CellError(ValueError):
    """A cell value that does not fit its column; the message is Chinese."""


@dataclass(frozen=True)
class Column:
    """One column of an import: header text (Chinese), key, kind, required, and help."""
    header: str
    key: str
    kind: str = TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    note: str = ""
    example: str = ""
    width: int | None = None

    @property
    def hint(self) -> str:
        if self.kind == CHOICE and self.choices:
            return "、".join(self.choices)
        return _KIND_HINT.get(self.kind, "文本")


@dataclass
class Table:
    """Rows of a sheet as ``(row_number, {key: raw cell value})``; header is row 1."""
    sheet: str
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


# ---- reading ---------------------------------------------------------------------------

def check_xlsx(data: bytes) -> None:
    """Refuse anything that is not an .xlsx workbook, with a message a clerk understands."""
    if not data:
        raise ExcelError("文件为空，请选择填写好的 Excel (.xlsx) 文件", code="empty_file")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ExcelError("文件是旧版 Excel (.xls) 格式或已加密，请在 Excel 中“另存为”.xlsx 格式（不要设置密码）后再上传",
                         code="bad_type")
    if not data.startswith(b"PK\x03\x04"):
        raise ExcelError("文件不是 Excel (.xlsx) 工作簿（按文件内容判断）；CSV、PDF 等文件请先用 Excel 另存为 .xlsx",
                         code="bad_type")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ExcelError("文件已损坏，无法作为 Excel (.xlsx) 工作簿打开", code="corrupt_file") from None
    if "xl/workbook.xml" not in names:
        raise ExcelError("文件不是 Excel (.xlsx) 工作簿（可能是 Word、WPS 或 ODS 文件），请另存为 .xlsx 后再上传",
                         code="bad_type")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ExcelError("工作簿解压后过大，请拆分为多个文件后再导入", code="too_large")
    check_dimensions(data)


_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]{1,40})\"")
_TAG_RE = re.compile(rb"<(?:\w+:)?(c|row)(?=[\s/>])")
_CELL_RE = re.compile(rb"<(?:\w+:)?c(?=[\s/>])")
_ROW_RE = re.compile(rb"<(?:\w+:)?row(?=[\s/>])")
_UNUSUAL_RE = re.compile(rb"<c>|<c/>|<row>|<row/>|:c[\s/>]|:row[\s/>]")
_WIDE_COL_RE = re.compile(rb'<c r="([A-Z]{2,4})')
_ATTRS_RE = re.compile(rb"[^>]*")
_R_ATTR_RE = re.compile(rb"\br=\"\$?([A-Za-z]{0,4})\$?(\d{0,12})\"")
_REF_RE = re.compile(r"^\$?([A-Za-z]{1,4})?\$?(\d{1,9})?$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _ref_corner(ref: str) -> tuple[int, int]:
    """'XFD1048576' -> (1048576, 16384); a whole-column or whole-row part counts as the sheet limit."""
    m = _REF_RE.match(ref.strip())
    if not m:
        return MAX_ROWS, 16384
    letters, digits = m.groups()
    return (int(digits) if digits else MAX_ROWS), (_column_number(letters) if letters else 16384)


def _too_big(sheet: str, rows: int, columns: int, how: str) -> ExcelError:
    return ExcelError(f"工作表「{sheet}」{how}{rows:,} 行 × {columns:,} 列，超出导入上限"
                      f"（最多 {MAX_SHEET_ROWS - 1:,} 行数据、{MAX_SHEET_COLUMNS} 列、共 {MAX_SHEET_CELLS:,} 个单元格）。"
                      "请删除多余的空行空列（或把数据复制到新工作簿）、必要时拆分文件后再导入",
                      code="too_large")


def _check_size(sheet: str, rows: int, columns: int, how: str) -> None:
    if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS or rows * columns > MAX_SHEET_CELLS:
        raise _too_big(sheet, rows, columns, how)


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The worksheet XML in ~1 MB pieces that end at a tag's end (no tag is split)."""
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                if tail:
                    yield tail
                return
            buf = tail + chunk
            cut = buf.rfind(b">") + 1
            yield buf[:cut]
            tail = buf[cut:][-(1 << 20):]


def _usual_layout(buf: bytes) -> bool:
    """``<row r="..">`` and ``<c r="..">`` with r first and no namespace prefix (what Excel, WPS
    and openpyxl write): measured at C speed by :func:`check_dimensions`."""
    return (buf.count(b"<c ") == buf.count(b'<c r="') and buf.count(b"<row ") == buf.count(b'<row r="')
            and not _UNUSUAL_RE.search(buf))


def _measure_any(buf: bytes) -> tuple[int, int]:
    """(highest row, highest column) of any layout, tag by tag (slow; unusual files only)."""
    max_row = max_col = in_row = 0
    for m in _TAG_RE.finditer(buf):
        attrs = _ATTRS_RE.match(buf, m.end())
        r = _R_ATTR_RE.search(attrs.group(0)) if attrs else None
        letters, digits = r.groups() if r else (b"", b"")
        if digits:
            max_row = max(max_row, int(digits))
        if m.group(1) == b"row":
            in_row = 0
            continue
        in_row = _column_number(letters.decode()) if letters else in_row + 1   # no reference: the next column
        max_col = max(max_col, in_row)
    return max_row, max_col


def check_dimensions(data: bytes) -> None:
    """Measure every worksheet before a reader allocates its grid (rows × columns from the first
    to the last cell): the declared ``<dimension>`` first, then the cells themselves, since a
    reader goes by the cells' references, not by the declaration. Usual files take two C-speed
    passes (the widest column, then only the rows beyond what that width allows); others are
    read tag by tag. Cell and row elements are counted too (references are optional)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheets = [i for i in zf.infolist()
                  if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
        for info in sheets:
            name = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
            max_row = max_col = cells = rows = 0
            usual, declared_checked = True, False
            for buf in _chunks(zf, info):
                if not declared_checked:
                    m = _DIMENSION_RE.search(buf)
                    if m or b"<sheetData" in buf:
                        declared_checked = True
                        if m:
                            ref = m.group(1).decode("ascii", "replace")
                            corner = _ref_corner(ref.split(":")[-1])
                            _check_size(name, corner[0], corner[1], f"声明的范围为 {ref}，即 ")
                usual = usual and _usual_layout(buf)
                if usual:
                    cells, rows = cells + buf.count(b"<c "), rows + buf.count(b"<row ")
                    wide = set(_WIDE_COL_RE.findall(buf))
                    max_col = max([max_col, 1, *(_column_number(x.decode()) for x in wide)])
                else:
                    cells, rows = cells + len(_CELL_RE.findall(buf)), rows + len(_ROW_RE.findall(buf))
                    r_max, c_max = _measure_any(buf)
                    max_row, max_col = max(max_row, r_max), max(max_col, c_max)
                if cells > MAX_SHEET_CELLS or max_col > MAX_SHEET_COLUMNS or rows > MAX_SHEET_ROWS:
                    raise _too_big(name, max(max_row, rows), max(max_col, 1), "的单元格范围达到 ")
            if usual:   # second pass: only references beyond the rows this width allows are matched
                limit = min(MAX_SHEET_ROWS, MAX_SHEET_CELLS // max(max_col, 1))
                far_re = re.compile(rb'<(?:c r="[A-Z]{1,4}|row r=")(\d{%d,12})"' % len(str(limit)))
                for buf in _chunks(zf, info):
                    far = far_re.findall(buf)
                    if far:
                        max_row = max(max_row, *map(int, far))
                        if max_row > limit:
                            break
            _check_size(name, max(max_row, rows), max(max_col, 1), "的单元格范围达到 ")


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


# ---- cells -----------------------------------------------------------------------------

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


# ---- writing ---------------------------------------------------------------------------

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
