"""The import framework: validate a whole table in memory, then insert in one transaction.

An :class:`Importer` (one per kind, see importers.py) declares its columns and
instructions (the template is built from them) and implements ``plan(table, ctx)``: it
parses every cell, checks every rule, resolves people and departments with a handful of
set queries, compares with what is already stored (natural keys), and returns a
:class:`Plan` with every problem by row and column. Only a plan without problems is
applied, with Core ``insert()`` executemany in batches, inside the caller's transaction.

Natural keys and re-imports (the same policy for every kind):
* a row whose natural key is new is inserted;
* a row whose natural key exists with the same values is "unchanged" and skipped, so
  re-importing a file changes nothing;
* a row whose natural key exists with different values is an error
  「与已有记录不一致」 naming the differing fields: imports add, they never overwrite;
  corrections go through the file pages (which keep history);
* two rows of one file with the same natural key: the later one is an error.
"""
from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import sqlalchemy as sa

from core import clock
from core.excel import CHOICE, INT, TEXT, CellError, Column, Table, parse_cell
from core.extensions import db
from core.registry.codes import CodeError, parse_id_number

if TYPE_CHECKING:
    import psycopg

BATCH = 5000          # rows per executemany
LOOKUP_CHUNK = 10000  # bound parameters per IN (...) lookup (SQLite ≥ 3.32 allows 32,766)

ID_COLUMN = Column("公民身份号码", "id_number", max_length=18, note="18 位，最后一位可为 X；请将单元格设为文本格式",
                   example="370502198001011234", width=22)
GENERAL = ("第 1 行是表头，请勿修改列名；列的顺序可以调整，多余的列会被忽略。",
           "日期可填日期单元格，或 YYYY-MM-DD 格式的文本（例如 2024-01-15）。",
           "上传后系统先检查整个文件，列出所有问题（行号、列名、原因）；文件全部正确后才会导入，一次全部导入。",
           "重复导入同一文件不会产生重复数据：已存在且内容相同的行会被跳过；"
           "已存在但内容不同的行会报错「与已有记录不一致」，请到档案页面更正（保留修改历史）。")

NAME_COLUMN = Column("姓名", "name", max_length=50, note="须与该公民身份号码登记的姓名一致", example="张伟")


@dataclass
class Problems:
    """Every problem of a file, in row order: {"row", "column", "message"}."""
    items: list[dict] = field(default_factory=list)
    rows_with_errors: set[int] = field(default_factory=set)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.items.append({"row": row, "column": column, "message": message})
        if row is not None:
            self.rows_with_errors.add(row)

    def has(self, row: int) -> bool:
        return row in self.rows_with_errors

    def sorted(self) -> list[dict]:
        return sorted(self.items, key=lambda e: (e["row"] or 0))

    def __bool__(self) -> bool:
        return bool(self.items)


OWN_ROW_MESSAGE = "不能导入本人档案的事项：本人档案须由其他人事干部办理"


@dataclass
class ImportContext:
    """Who imports (None: the command line, whole system) and when."""
    user: Any = None
    today: date = field(default_factory=clock.today)
    batch_id: int | None = None
    progress: Callable[[int], None] | None = None

    @property
    def actor_id(self) -> int | None:
        return getattr(self.user, "id", None)

    def person_clause(self):
        """The people this import may touch, the importer's own person included: a row naming
        him is refused with a row error (``own_row``), not silently skipped."""
        from core.accounts.permissions import person_scope_clause
        return (person_scope_clause(self.user, manage=True, include_self=True) if self.user is not None
                else sa.true())

    def own_row(self, person_id) -> bool:
        """No one acts on their own file (issue 17 item 1): does this row name the importer?"""
        own = getattr(self.user, "person_id", None)
        return own is not None and person_id == own

    def department_clause(self):
        from core.accounts.permissions import department_scope_clause
        from core.registry.models import Department
        if self.user is None:
            return sa.true()
        if not self.user.has_role("hr"):
            return sa.false()
        return department_scope_clause(self.user) if self.user.department else Department.id.is_(None)

    def tick(self, done: int) -> None:
        if self.progress is not None and done % 2000 == 0:
            self.progress(done)


@dataclass
class Plan:
    """What an import would do: the rows to insert and every problem found."""
    rows: int
    problems: Problems
    new: int = 0
    unchanged: int = 0
    apply: Callable[[], int] | None = None      # inserts; returns the number of new rows

    @property
    def clean(self) -> bool:
        return not self.problems


class Importer(abc.ABC):
    """Base of the five importers. Subclasses set the class attributes and ``plan``."""
    kind: str = ""
    title: str = ""                     # 人员名册
    noun: str = "条"
    columns: tuple[Column, ...] = ()
    instructions: tuple[str, ...] = ()
    examples: tuple[tuple, ...] = ()
    natural_key_text: str = ""

    def available(self) -> bool:
        return True

    @abc.abstractmethod
    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        """Validate every row against the database and return what to insert (or the problems)."""

    # ---- helpers shared by the importers ---------------------------------------------------

    def parse_rows(self, table: Table, problems: Problems, ctx: ImportContext) -> list[tuple[int, dict]]:
        """Every row parsed by its columns (blank optional cells are None); cell errors recorded.

        The common cells (a clean text or listed choice, a whole number) take an inline fast path;
        anything else goes through ``parse_cell``, which says exactly what is wrong."""
        # (key, 1 = text or listed choice / 2 = integer / 0 = other, max length, choices, column)
        specs = []
        for col in self.columns:
            listed = col.kind == CHOICE and bool(col.choices)
            mode = 1 if col.kind == TEXT or listed else 2 if col.kind == INT else 0
            specs.append((col.key, mode, col.max_length if col.max_length is not None else 1 << 30,
                          frozenset(col.choices) if listed else None, col))
        tick = ctx.progress is not None
        parsed: list[tuple[int, dict]] = []
        append = parsed.append
        for i, (number, raw) in enumerate(table.rows, start=1):
            values: dict[str, Any] = {}
            for key, mode, max_length, choices, col in specs:
                value = raw.get(key)
                # the common cases, fast (exact types: a bool is no integer, parse_cell says so)
                if mode == 1 and type(value) is str:
                    text = value.strip()
                    if text and len(text) <= max_length and "\u3000" not in text \
                            and (choices is None or text in choices):
                        values[key] = text
                        continue
                elif mode == 2 and (type(value) is int or (type(value) is float and value.is_integer())):
                    values[key] = int(value)
                    continue
                if key not in raw:
                    values[key] = None
                    continue
                try:
                    values[key] = parse_cell(col, value)
                except CellError as exc:
                    problems.add(number, col.header, str(exc))
                    values[key] = None
            append((number, values))
            if tick:
                ctx.tick(i)
        return parsed

    def header(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)


# ---- people look-ups --------------------------------------------------------------------

class PersonRef(NamedTuple):
    id: int
    name: str
    department_id: int
    entry_date: date | None = None      # the appraisal entry checks: a recruit in probation


def id_hashes(rows: Sequence[tuple[int, dict]], problems: Problems, *, column: str = "公民身份号码",
              key: str = "id_number") -> dict[int, tuple[str, Any]]:
    """row -> (keyed hash, parsed IdNumber) for every row with a valid id number."""
    from core import crypto
    out: dict[int, tuple[str, Any]] = {}
    for number, values in rows:
        raw = values.get(key)
        if raw is None:
            continue
        try:
            idn = parse_id_number(raw)
        except CodeError as exc:
            problems.add(number, column, str(exc))
            continue
        out[number] = (crypto.keyed_hash(idn.value), idn)
    return out


def in_list(column, values: Sequence):
    """``column IN (values)``: one array parameter on PostgreSQL (``= ANY(:array)``), bound
    parameters elsewhere. Callers pass at most LOOKUP_CHUNK values (see ``chunked``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def chunked(items: Sequence, size: int = LOOKUP_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def people_by_hash(hashes: Iterable[str], ctx: ImportContext) -> dict[str, PersonRef]:
    """The people in the importer's scope (may manage) with these id hashes."""
    from core.registry.models import Person
    found: dict[str, PersonRef] = {}
    unique = sorted(set(hashes))
    for part in chunked(unique):
        for row in db.session.execute(
                sa.select(Person.id, Person.name, Person.department_id, Person.entry_date, Person.id_hash)
                .where(in_list(Person.id_hash, part), ctx.person_clause())):
            found[row.id_hash] = PersonRef(row.id, row.name, row.department_id, row.entry_date)
    return found


def resolve_people(rows: Sequence[tuple[int, dict]], problems: Problems, ctx: ImportContext
                   ) -> dict[int, PersonRef]:
    """row -> the person named by 公民身份号码 (in scope) whose 姓名 matches.

    Fast path: the keyed hash of the normalised text is looked up directly (a stored hash
    is always of a valid id number, checked at registration); only a row whose hash is not
    found is parsed, to say exactly what is wrong with it.
    """
    from core import crypto
    given = [(number, values["id_number"].strip().upper()) for number, values in rows
             if values.get("id_number") is not None]
    hashes: dict[int, str] = dict(zip((n for n, _ in given), crypto.keyed_hash_many(t for _, t in given)))
    people = people_by_hash(hashes.values(), ctx)
    out: dict[int, PersonRef] = {}
    for number, values in rows:
        if number not in hashes:
            continue
        person = people.get(hashes[number])
        if person is None:
            try:
                parse_id_number(values["id_number"])
            except CodeError as exc:
                problems.add(number, "公民身份号码", str(exc))
                continue
            problems.add(number, "公民身份号码", "未找到该公民身份号码对应的人员（未登记，或不在您的管理范围内）")
            continue
        if ctx.own_row(person.id):
            problems.add(number, "公民身份号码", OWN_ROW_MESSAGE)
            continue
        name = values.get("name")
        if name is not None and name.replace(" ", "") != person.name.replace(" ", ""):
            problems.add(number, "姓名", "姓名与该公民身份号码登记的姓名不一致")
            continue
        out[number] = person
    return out


def duplicate_keys(rows: Sequence[tuple[int, dict]], key_of: Callable[[int, dict], Any | None],
                   problems: Problems, column: str, what: str) -> set[int]:
    """Mark later rows repeating an earlier row's natural key; returns the rows marked."""
    first: dict[Any, int] = {}
    marked: set[int] = set()
    for number, values in rows:
        key = key_of(number, values)
        if key is None:
            continue
        if key in first:
            problems.add(number, column, f"与第 {first[key]} 行重复（{what}相同）")
            marked.add(number)
        else:
            first[key] = number
    return marked


COPY_MIN_ROWS = 2000      # PostgreSQL: from this many rows, COPY instead of executemany


def insert_rows(table, rows: list[dict], *, returning=None) -> list:
    """Insert rows in the session's transaction; with ``returning`` the generated values in input order.

    Core executemany in batches; on PostgreSQL, large inserts without ``returning`` use COPY
    (about five times faster: no per-row Python type processing). Either way the people whose
    rows were written are noted for derived data (:func:`note_written`).
    """
    if not rows:
        return []
    if returning is None and len(rows) >= COPY_MIN_ROWS and _copyable(table):
        _copy(table, rows)
        note_written(table, rows)
        return []
    out: list = []
    for part in chunked(rows, BATCH):
        stmt = sa.insert(table)
        if returning is not None:
            result = db.session.execute(stmt.returning(*returning, sort_by_parameter_order=True), list(part))
            out.extend(result.all())
        else:
            db.session.execute(stmt, list(part))
    if table.name == "people" and returning is not None and "id" in table.c and table.c.id in returning:
        position = list(returning).index(table.c.id)
        note_written(table, [{"id": r[position]} for r in out])
    else:
        note_written(table, rows)
    return out


def _copyable(table) -> bool:
    return (db.session.get_bind().dialect.name == "postgresql"
            and not any(isinstance(c.type, sa.JSON) for c in table.columns))


def _copy(table, rows: list[dict]) -> None:
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    # the session's own transaction; COPY runs on PostgreSQL only (_copyable), whose driver is psycopg
    raw = cast("psycopg.Connection[Any]", db.session.connection().connection.dbapi_connection)
    enums = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.Enum)]
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # noqa: S608
        for row in rows:
            values = [row[c] for c in columns]
            for i in enums:
                if isinstance(values[i], Enum):
                    values[i] = values[i].value       # LabelledEnum: its code, as enum_column stores it
            copy.write_row(values)


def note_written(table, rows: list[dict]) -> None:
    """``core.changes.changed`` for rows inserted into a table derived data reads: the rows'
    ``person_id`` (``id`` for people), with the table's own ``what`` (core.changes.TABLE_WHAT)."""
    from core import changes
    what = changes.TABLE_WHAT.get(table.name)
    if what is None:
        return
    if what == changes.SHARED:
        return          # a new shared row is in no file until a person's row points at it
    key = "id" if table.name == "people" else "person_id"
    ids = [r.get(key) for r in rows]
    # people inserted without their ids being known: everyone (a person row without a
    # person_id, e.g. a course attachment, is in no file)
    changes.changed(None if key == "id" and any(i is None for i in ids) else ids, what)


def differences(existing: dict, new: dict, labels: dict[str, str]) -> list[str]:
    """Names (Chinese) of the fields whose values differ (None in ``new`` = not given)."""
    diff = []
    for key, label in labels.items():
        value = new.get(key)
        if value is None:
            continue
        old = existing.get(key)
        if _norm(old) != _norm(value):
            diff.append(label)
    return diff


def _norm(value: Any) -> Any:
    from decimal import Decimal
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value
