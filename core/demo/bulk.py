"""Set-based writes for the demo steps: ``bulk_insert`` (COPY on PostgreSQL, executemany
elsewhere), ``indexes_deferred`` (secondary indexes and foreign keys rebuilt after a bulk load)
and ``reset_sequence``."""
from __future__ import annotations

import contextlib
import itertools
import operator
from datetime import UTC

import sqlalchemy as sa
from sqlalchemy.sql.schema import ColumnDefault

from core.extensions import db

#: rows per executemany batch (SQLite) and per COPY flush (PostgreSQL)
BULK_BATCH = 5000


def _copy_columns(table: sa.Table, rows: list[dict]) -> tuple[list[str], dict]:
    """The columns the rows give, plus those with a Python-side default the rows leave out
    (COPY applies server defaults only); the default values are computed once."""
    given = list(rows[0])
    extra = {}
    for col in table.columns:
        default = col.default
        if col.name in rows[0] or not isinstance(default, ColumnDefault):   # None or a Sequence: no value
            continue
        if getattr(default, "is_scalar", False):
            extra[col.name] = default.arg
        elif getattr(default, "is_callable", False):
            extra[col.name] = default.arg(None)
    return given + list(extra), extra


def _text_converter(column, dialect):
    """A fast to-COPY-value function for ``column`` (None: psycopg dumps the value as is).

    Dates, timestamps and decimals repeat a lot in generated rows: their text form is
    memoised (psycopg's own dumpers cost 0.5-2 µs per date/aware timestamp). Enums are
    written as their value; other types with a bind processor (JSON...) go through it."""
    from enum import Enum

    from core.db import UTCDateTime
    ctype = column.type

    def memo(fn):
        cache: dict = {}

        def convert(value):
            text = cache.get(value)
            if text is None:
                if len(cache) > 200_000:
                    cache.clear()
                text = cache[value] = fn(value)
            return text
        return convert

    if isinstance(ctype, UTCDateTime | sa.DateTime):
        def stamp(value):
            if value.tzinfo is None and isinstance(ctype, UTCDateTime):
                value = value.replace(tzinfo=UTC)
            return value.isoformat()
        return memo(stamp)
    if isinstance(ctype, sa.Date | sa.Numeric | sa.Integer | sa.Boolean | sa.String) and \
            not isinstance(ctype, sa.Enum | sa.types.TypeDecorator):
        return None     # psycopg's C dumpers (a date in ~0.5 µs)
    if isinstance(ctype, sa.Enum):
        if ctype.enum_class is None or issubclass(ctype.enum_class, str):
            return None     # LabelledEnum members are str subclasses: psycopg writes their value
        return lambda value: value.value if isinstance(value, Enum) else value
    return ctype._cached_bind_processor(dialect)


def bulk_insert(table, rows, *, batch: int = BULK_BATCH) -> int:
    """Write ``rows`` (dicts with the same keys) into ``table`` (a Table or a model) set-based.

    PostgreSQL: one ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy``) on the session's
    connection, in its transaction: no per-row ORM work, no statement per batch; values are
    converted per column (see :func:`_text_converter`); Python-side column defaults the
    rows leave out are applied (computed once). Elsewhere (SQLite): Core ``executemany`` in
    batches. Derived data follows through ``core.changes``: each demo step notes what it wrote
    (the coverage facts and training status are rebuilt set-based at the end of the steps).
    Accepts any iterable; returns the number of rows written.
    """
    table = getattr(table, "__table__", table)
    session = db.session
    it = iter(rows)
    first = list(itertools.islice(it, batch))
    if not first:
        return 0
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        count = 0
        chunk = first
        while chunk:
            session.execute(sa.insert(table), chunk)
            count += len(chunk)
            chunk = list(itertools.islice(it, batch))
        return count
    columns, extra = _copy_columns(table, first)
    width = len(columns) - len(extra)
    conv = [(i, fn) for i, fn in enumerate(_text_converter(table.c[n], dialect) for n in columns[:width])
            if fn is not None]
    tail = [fn(v) if (fn := _text_converter(table.c[n], dialect)) and v is not None else v
            for n, v in extra.items()]
    get = operator.itemgetter(*columns[:width]) if width > 1 else (lambda r, k=columns[0]: (r[k],))
    names = ", ".join(f'"{c}"' for c in columns)
    raw = session.connection().connection.driver_connection
    if raw is None:     # only an invalidated connection has no driver connection
        raise RuntimeError("COPY needs a live database connection")
    count = 0
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as cp:
        write = cp.write_row
        for row in itertools.chain(first, it):
            values = [*get(row), *tail]
            for i, fn in conv:
                v = values[i]
                if v is not None:
                    values[i] = fn(v)
            write(values)
            count += 1
    return count


@contextlib.contextmanager
def indexes_deferred(*tables):
    """Bulk-write into ``tables`` (models or Tables) without maintaining their secondary
    indexes and foreign keys row by row (PostgreSQL, tables empty on entry).

    On entry the indexes other than the primary key (and any index a foreign key of another
    table relies on) and the table's own foreign keys are dropped; on exit they are created
    again from their saved definitions, with the same names, in the same transaction: a
    sorted index build instead of millions of random inserts, one anti-join per foreign
    key instead of a trigger per row. Uniqueness and references are checked as strictly
    as before (a duplicate or a dangling id fails the load, which rolls back). The schema
    is left as it was; a failure inside rolls the DDL back with the rows.
    """
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    saved: list[tuple[str, str]] = []      # (drop, create) statements
    names = [getattr(table, "__tablename__", None) or getattr(table, "name", table) for table in tables]
    for name in names:
        if session.execute(sa.text(f'SELECT 1 FROM "{name}" LIMIT 1')).first():
            continue     # already has rows: keep maintaining its indexes as usual
        for con, definition in session.execute(sa.text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('f', 'u') "
                "AND NOT (contype = 'u' AND conindid IN (SELECT conindid FROM pg_constraint WHERE contype = 'f'))"
                " ORDER BY contype, conname"), {"t": name}):
            saved.append((f'ALTER TABLE "{name}" DROP CONSTRAINT "{con}"',
                          f'ALTER TABLE "{name}" ADD CONSTRAINT "{con}" {definition}'))
        for index, definition in session.execute(sa.text(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = CAST(:t AS regclass) "
                "AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                " ORDER BY i.relname"), {"t": name}):
            saved.append((f'DROP INDEX "{index}"', definition))
    for drop, _ in saved:
        session.execute(sa.text(drop))
    yield
    session.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
    # unique constraints and indexes first, the foreign keys (which may rely on them) last
    for _, create in sorted(saved, key=lambda s: "FOREIGN KEY" in s[1]):
        session.execute(sa.text(create))
    # fresh statistics: the steps that follow query these tables row by row (services), and
    # a planner that still sees empty tables picks sequential scans (0.1-1 s a query at 1M)
    session.execute(sa.text("ANALYZE " + ", ".join(f'"{n}"' for n in names)))


def reset_sequence(table: str) -> None:
    """After rows written with explicit ids: the id sequence continues after the largest."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}','id'), "
                                   f"(SELECT MAX(id) FROM {table}))"))
