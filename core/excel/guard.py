"""Refuse an upload before any reader opens it: not an .xlsx workbook (old .xls, CSV, Word...),
a zip bomb, or a workbook bomb (a sheet whose declared or real cell range is beyond the import
limits, measured in the worksheet XML)."""
from __future__ import annotations

import io
import re
import zipfile

from core.excel.common import (
    MAX_ROWS,
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    ExcelError,
)


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
