"""make bench: every operation of issue 11 beside the limit measured in the same run.

    .venv/bin/python bench/run.py --people 100000      (make bench PEOPLE=1000000)

PostgreSQL when one answers (a fresh database ia_bench), else SQLite. Prints a table and
writes bench/results.json. Nothing here is asserted: figures are read, not tested.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Figure, print_table, timer, write_results  # noqa: E402

PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pick_database(people: int, reuse: bool = False, name: str = "ia_bench") -> tuple[str, str]:
    if reuse:
        return PG_BASE.rsplit("/", 1)[0] + "/" + name, "postgresql"
    try:
        import psycopg
        with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return PG_BASE.rsplit("/", 1)[0] + "/" + name, "postgresql"
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL not reachable ({exc}); benchmarking on SQLite")
        path = Path(tempfile.gettempdir()) / "ia_bench.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", "sqlite"


def machine() -> str:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


# ---- sections -------------------------------------------------------------------------------

def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_demo_load(app, people: int, seed: int, dialect: str) -> list[Figure]:
    from core.demo import load_demo
    steps: list[str] = []

    def echo(message: str) -> None:
        print("  " + message, flush=True)
        steps.append(message)
    before = _load_average()
    with app.app_context(), timer() as t:
        load_demo(people=people, seed=seed, echo=echo)
    after = _load_average()
    fig = Figure(f"demo load: {people:,} people with their files", t["s"], "s",
                 target=600 if people >= 10 ** 6 else 120 if people >= 10 ** 5 else None,
                 notes=f"load average {before} before, {after} after", extra={"steps": steps})
    if dialect == "postgresql":
        limit, rows = copy_limit(app)
        fig.limit, fig.limit_label = limit, "COPY of the same rows"
        fig.notes += f"; {rows:,} rows ({rows / people:.1f} per person) in the limit's COPY"
        fig.extra["rows"] = rows
    return [fig]


def copy_limit(app) -> tuple[float, int]:
    """Seconds PostgreSQL needs to COPY every row the demo wrote into empty copies of the
    tables (without their indexes and constraints: the floor), and how many rows that is."""
    from core.extensions import db
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 0 AND relname <> 'alembic_version'")
            tables = [r[0] for r in cur.fetchall()]
            total, rows = 0.0, 0
            for t in tables:
                buf = io.BytesIO()
                with cur.copy(f'COPY "{t}" TO STDOUT') as cp:
                    for chunk in cp:
                        buf.write(chunk)
                cur.execute(f'CREATE TEMP TABLE "bench_{t}" (LIKE "{t}")')
                buf.seek(0)
                t0 = time.perf_counter()
                with cur.copy(f'COPY "bench_{t}" FROM STDIN') as cp:
                    cp.write(buf.getvalue())
                total += time.perf_counter() - t0
                rows += cur.rowcount if cur.rowcount and cur.rowcount > 0 else 0
                buf.close()
            raw.rollback()
            return total, rows
        finally:
            raw.close()


def bench_coverage(app, people: int) -> list[Figure]:
    from bench.coverage_bench import measure
    with app.app_context():
        return measure(people)


def bench_http(url: str, people: int, dialect: str) -> list[Figure]:
    from bench.http_bench import measure
    return measure(url, people, dialect)


def bench_pdf(app) -> list[Figure]:
    from bench.pdf_bench import measure
    with app.app_context():
        return measure()


def bench_import(app) -> list[Figure]:
    from bench.import_bench import measure
    with app.app_context():
        return measure()


SECTIONS = ["demo", "coverage", "http", "pdf", "import"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=SECTIONS, action="append")
    ap.add_argument("--reuse", action="store_true", help="keep the PostgreSQL database of the last run")
    ap.add_argument("--db-name", default="ia_bench", help="PostgreSQL database to (re)create or reuse")
    args = ap.parse_args()
    url, dialect = pick_database(args.people, args.reuse, args.db_name)
    instance = Path(tempfile.mkdtemp(prefix="ia-bench-"))
    os.environ.update(DATABASE_URL=url, INTEGRITY_INSTANCE_DIR=str(instance))
    from flask_migrate import upgrade

    from core.app import create_app
    app = create_app()
    with app.app_context():
        upgrade()
    figures: list[Figure] = []
    failures: list[str] = []
    for name in args.only or SECTIONS:
        print(f"== {name}")
        try:
            if name == "demo":
                figures += bench_demo_load(app, args.people, args.seed, dialect)
            elif name == "coverage":
                figures += bench_coverage(app, args.people)
            elif name == "http":
                figures += bench_http(url, args.people, dialect)
            elif name == "pdf":
                figures += bench_pdf(app)
            elif name == "import":
                figures += bench_import(app)
        except Exception as exc:  # noqa: BLE001 - report the section as failed, never as passed
            import traceback
            traceback.print_exc()
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    meta = {"machine": machine(), "database": dialect, "people": args.people, "seed": args.seed,
            "when": time.strftime("%Y-%m-%d %H:%M:%S"), "failed_sections": failures}
    print_table(figures, f"{meta['machine']}, {dialect}, {args.people:,} people")
    for f in failures:
        print(f"FAILED section {f}")
    write_results(figures, meta)
    print(f"\nwritten {Path(__file__).with_name('results.json')}")
    shutil.rmtree(instance, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
