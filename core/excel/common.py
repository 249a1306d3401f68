"""The vocabulary shared by reading, cells and writing: size limits, column kinds, the two errors,
:class:`Column` (one column of an import) and :class:`Table` (the rows read from a sheet)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
