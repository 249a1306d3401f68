"""Import benchmark (issue 9: 100,000 appraisal rows imported in under 10 s on PostgreSQL).

Printed, not asserted. On the people already in the database (``demo load``), builds an
appraisal workbook of up to 100,000 rows (one per person, a year nobody has a result for)
with openpyxl ``write_only``, then measures:

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


def people_rows(limit: int) -> list[tuple[str, str]]:
    """(id number, name) of up to ``limit`` people (decrypted once, outside the timings)."""
    import sqlalchemy as sa

    from core.crypto import decrypt
    from core.extensions import db
    from core.registry.models import Person
    rows = db.session.execute(sa.select(Person.id_cipher, Person.name).order_by(Person.id).limit(limit)).all()
    return [(decrypt(c), n) for c, n in rows]


def workbook(people: list[tuple[str, str]], year: int) -> bytes:
    import random

    from openpyxl import Workbook
    rng = random.Random(9)          # about 10 % 优秀 in every department, below the 20 % quota
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(HEADERS)
    for i, (idn, name) in enumerate(people):
        ws.append([idn, name, year, "优秀" if rng.random() < 0.1 else "称职", f"考核〔{year}〕{i % 97}号"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bare_insert_seconds(people_ids: list[int], year: int) -> float:
    """The limit: the same rows as one Core executemany, rolled back."""
    import sqlalchemy as sa

    from archive.enums import Grade
    from archive.file.models import Appraisal
    from core.db import utcnow
    from core.extensions import db
    now = utcnow()
    rows = [{"person_id": pid, "year": year, "grade": Grade.COMPETENT, "document_no": None, "version": 1,
             "created_at": now, "updated_at": now} for pid in people_ids]
    t0 = time.perf_counter()
    for start in range(0, len(rows), 5000):
        db.session.connection().execute(sa.insert(Appraisal.__table__), rows[start:start + 5000])
    seconds = time.perf_counter() - t0
    db.session.rollback()
    return seconds


def measure(rows: int = 100_000, echo=print) -> list:
    import sqlalchemy as sa

    from archive.exchange import services
    from archive.exchange.importers import importer_for
    from bench.common import Figure
    from core.excel import read_table
    from core.extensions import db
    from core.registry.models import Person
    year = free_year()
    people = people_rows(rows)
    n = len(people)
    if n == 0:
        echo("  no people in the database: load the demo first")
        return []
    echo(f"  {n:,} appraisal rows for {year}")
    t0 = time.perf_counter()
    data = workbook(people, year)
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
    ids = db.session.execute(sa.select(Person.id).order_by(Person.id).limit(rows)).scalars().all()
    limit_s = bare_insert_seconds(ids, year)
    t0 = time.perf_counter()
    batch = services.import_file("appraisals", data, "bench.xlsx", dry_run=False, via="cli")
    db.session.commit()
    import_s = time.perf_counter() - t0
    echo(f"  write {write_s:.1f} s, read {read_s:.1f} s, dry run {dry_s:.1f} s ({problems} problems), "
         f"import {import_s:.1f} s ({batch.imported:,} imported), bare insert {limit_s:.1f} s")
    mb = len(data) / 2 ** 20
    return [
        Figure(f"import: write {n:,}-row workbook (openpyxl write_only, {mb:.1f} MB)", write_s, "s"),
        Figure(f"import: read {n:,} rows (python-calamine)", read_s, "s"),
        Figure(f"import: dry run of {n:,} appraisal rows (whole validation)", dry_s, "s"),
        Figure(f"import: {n:,} appraisal rows, one transaction", import_s, "s", limit=limit_s,
               limit_label="bare Core executemany of the rows", target=TARGET_S if n >= 100_000 else None,
               notes=f"{batch.imported:,} imported, {problems} problems in the dry run"),
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
