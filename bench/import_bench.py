"""Import benchmark (issue 9: 100,000 appraisal rows imported in under 10 s on PostgreSQL).

Printed, not asserted. On the people already in the database (``demo load``), builds an
appraisal workbook of 100,000 rows (one per person and year, in years nobody has a result
for; with fewer people than rows, several such years per person, e.g. 5 years x 20,000
people) with openpyxl ``write_only``, then measures:

* ``write``: generating the workbook (openpyxl);
* ``read``: reading it alone (python-calamine, ``core.excel.read_table``);
* ``dry run``: the whole validation of the import, nothing written;
* ``import``: validation + Core executemany insert + side effects + commit, one transaction;
* the limit: a bare Core executemany of the same rows (rolled back).

From bench/run.py: ``measure()`` inside an application context; standalone:
``DATABASE_URL=... .venv/bin/python bench/import_bench.py --rows 100000``.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import clock  # noqa: E402 - after the path of a standalone run

TARGET_S = 10.0
HEADERS = ["公民身份号码", "姓名", "年度", "考核等次", "文号"]


def free_year() -> int:
    """A year without appraisals or records (so no entry check fires), ≥ 1950."""
    import sqlalchemy as sa

    from archive.file.models import Appraisal, Record
    from core.extensions import db
    low = db.session.execute(sa.select(sa.func.min(Appraisal.year))).scalar()
    first_record = db.session.execute(sa.select(sa.func.min(Record.decided_on))).scalar()
    year = min(low or 2000, first_record.year if first_record else 2000) - 1
    return max(year, 1951)


def people_rows(limit: int) -> list[tuple[int, str, str]]:
    """(id, id number, name) of up to ``limit`` people (decrypted once, outside the timings)."""
    import sqlalchemy as sa

    from core.crypto import decrypt
    from core.extensions import db
    from core.registry.models import Person
    rows = db.session.execute(sa.select(Person.id, Person.id_cipher, Person.name).order_by(Person.id)
                              .limit(limit)).all()
    return [(i, decrypt(c), n) for i, c, n in rows]


def sheet_rows(people: list[tuple[int, str, str]], rows: int, year: int) -> list[tuple[int, str, str, int]]:
    """``rows`` (person id, id number, name, year): every person for ``year``, then ``year - 1`` ..."""
    out = []
    while len(out) < rows and people and year >= 1950:
        out.extend((pid, idn, name, year) for pid, idn, name in people[:rows - len(out)])
        year -= 1
    return out


def workbook(rows: list[tuple[int, str, str, int]]) -> bytes:
    import random

    from openpyxl import Workbook
    rng = random.Random(9)          # about 10 % 优秀 in every department, below the 20 % quota
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(HEADERS)
    for i, (_pid, idn, name, year) in enumerate(rows):
        ws.append([idn, name, year, "优秀" if rng.random() < 0.1 else "称职", f"考核〔{year}〕{i % 97}号"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bare_insert_seconds(pairs: list[tuple[int, int]]) -> float:
    """The limit: the same rows as one Core executemany, rolled back."""
    import sqlalchemy as sa

    from archive.enums import Grade
    from archive.file.models import Appraisal
    from core.extensions import db
    now = clock.utcnow()
    rows = [{"person_id": pid, "year": year, "grade": Grade.COMPETENT, "document_no": None, "version": 1,
             "created_at": now, "updated_at": now} for pid, year in pairs]
    t0 = time.perf_counter()
    for start in range(0, len(rows), 5000):
        db.session.connection().execute(sa.insert(Appraisal.__table__), rows[start:start + 5000])
    seconds = time.perf_counter() - t0
    db.session.rollback()
    return seconds


def measure(rows: int = 100_000, echo=print) -> list:
    from archive.exchange import services
    from archive.exchange.importers import importer_for
    from bench.common import Figure
    from core.excel import read_table
    from core.extensions import db
    year = free_year()
    sheet = sheet_rows(people_rows(rows), rows, year)
    n = len(sheet)
    if n == 0:
        echo("  no people in the database: load the demo first")
        return []
    echo(f"  {n:,} appraisal rows for {sheet[-1][3]}–{year}")
    t0 = time.perf_counter()
    data = workbook(sheet)
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    table = read_table(data, importer_for("appraisals").columns)
    read_s = time.perf_counter() - t0
    assert len(table) == n
    t0 = time.perf_counter()
    dry = services.import_file("appraisals", data, "bench.xlsx", dry_run=True, via="cli")
    dry_s = time.perf_counter() - t0
    problems = dry.error_count
    db.session.rollback()
    limit_s = bare_insert_seconds([(pid, y) for pid, _idn, _name, y in sheet])
    t0 = time.perf_counter()
    batch = services.import_file("appraisals", data, "bench.xlsx", dry_run=False, via="cli")
    db.session.commit()
    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = services.import_file("appraisals", data, "bench.xlsx", dry_run=False, via="cli")
    db.session.commit()
    again_s = time.perf_counter() - t0
    echo(f"  write {write_s:.1f} s, read {read_s:.1f} s, dry run {dry_s:.1f} s ({problems} problems), "
         f"import {import_s:.1f} s ({batch.imported:,} imported), re-import {again_s:.1f} s "
         f"({again.imported:,} imported, {again.unchanged:,} unchanged), bare insert {limit_s:.1f} s")
    mb = len(data) / 2 ** 20
    target = TARGET_S if n >= 100_000 else None
    return [
        Figure(f"import: write {n:,}-row workbook (openpyxl write_only, {mb:.1f} MB)", write_s, "s"),
        Figure(f"import: dry run of {n:,} appraisal rows (whole validation)", dry_s, "s", limit=read_s,
               limit_label="reading the workbook alone"),
        Figure(f"import: {n:,} appraisal rows, one transaction", import_s, "s", limit=read_s,
               limit_label="reading the workbook alone (python-calamine)", target=target,
               notes=f"{batch.imported:,} imported, {problems} problems in the dry run; reading {read_s:.2f} s, "
                     f"a bare executemany of the rows {limit_s:.2f} s (rolled back)"),
        Figure(f"import: re-import of the same {n:,} rows (all unchanged)", again_s, "s", limit=read_s,
               limit_label="reading the workbook alone", target=target,
               notes=f"{again.imported:,} imported, {again.unchanged:,} unchanged"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    from core.app import create_app
    app = create_app()
    with app.app_context():
        for fig in measure(args.rows):
            print(f"{fig.operation}: {fig.value:.2f} {fig.unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
