"""PDF benchmark (issue 8, "Benchmark"): one integrity-file PDF (time, size) and a review batch.

Targets: one file under 0.6 s and under 600 KB; a review of 200 candidates printed in under
60 s with 2 workers and under 600 MB per worker. Printed, not asserted.

* ``measure(candidates=200, processes=2)`` (bench/run.py, inside an application context):
  uses the data already in the database (the demo region: its HR officer ``hr`` and the
  people of that officer's subtree) or, on an empty database, builds a small region whose
  files have appraisals, awards, a matter check and, for every fifth person, an effective
  sanction (a realistic 3-page dossier). The batch runs in a fresh Python process, as in
  an RQ worker (``flask worker``): that process prepares, issues and merges; ``processes``
  forked renderers make the PDFs (PDF_PRINT_PROCESSES). Its peak RSS and its largest
  renderer's are the "per worker" memory figures.
* standalone: ``.venv/bin/python bench/pdf_bench.py [--candidates 200] [--processes 2]``
  on a throw-away SQLite database.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import clock  # noqa: E402 - after the path of the standalone run

BASE_URL = "https://integrity.example.gov.cn/"
TARGET_FILE_S, TARGET_FILE_KB, TARGET_BATCH_S, TARGET_RSS_MB = 0.6, 600, 60, 600
TARGET_MERGED_MB_200, TARGET_BATCH_RATIO = 10, 1.3     # issue 19: a 200-candidate merge under 10 MB, ≤ 1.3×


# ---- data ------------------------------------------------------------------------------------

def build_dataset(people: int = 200, seed: int = 8) -> dict:
    """A small region and ``people`` candidates with realistic files (needs an app context)."""
    import random

    from archive.file import services as fs
    from core.extensions import db
    from tests import factories as f
    rng = random.Random(seed)
    city = f.department("东营市", kind="city")
    county = f.department("东营区", parent=city, kind="county")
    towns = [f.department(n, parent=county, kind="town") for n in ("文汇街道", "史口镇", "龙居镇", "牛庄镇")]
    hr = f.user("bench_hr", roles=("hr",), department=county)
    today = clock.today()
    grades = ["excellent", "competent", "competent", "competent", "basically_competent"]
    for i in range(people):
        p = f.person(f"测试人员{i:03d}", department=towns[i % len(towns)], entry_date=date(2012, 7, 1))
        for year in range(today.year - 3, today.year):
            fs.add_appraisal(p, year, rng.choice(grades), document_no=f"东人〔{year + 1}〕{i % 90 + 10}号",
                             override_reason="基准测试数据")
        fs.add_award(p, kind="commendation", title="年度嘉奖", awarded_on=date(today.year - 1, 12, 20),
                     authority="东营区人民政府", document_no=f"东政〔{today.year - 1}〕{i % 90 + 10}号")
        fs.add_matter_check(p, year=today.year - 1, result="truthful", notes="经查核，如实报告")
        if i % 5 == 0:
            decided = today - timedelta(days=60 + i % 200)
            rec = fs.record_misconduct(p, category="discipline_gov", sanction="demerit", severity="general",
                                       decided_on=decided, authority="东营区纪委监委",
                                       facts="违反中央八项规定精神，违规发放津贴补贴，造成不良影响。" * 3,
                                       document_no=f"东纪〔{decided.year}〕{i % 90 + 10}号")
            fs.notify_record(rec, p, on=decided + timedelta(days=2))
        if i % 50 == 49:
            db.session.commit()
    db.session.commit()
    return hr


def prepare(candidates: int) -> dict:
    """A review of ``candidates`` people (the demo's when there is one): ids for the benchmarks."""
    import sqlalchemy as sa

    from archive.reviews import services
    from core.accounts.models import User
    from core.accounts.permissions import people_in_scope
    from core.extensions import db
    from core.registry.models import Person
    hr = db.session.execute(sa.select(User).filter_by(username="hr")).scalar_one_or_none()
    people = []
    if hr is not None:
        people = list(db.session.execute(people_in_scope(hr, manage=True).where(Person.status == "active")
                                         .order_by(Person.id).limit(candidates)).scalars())
    if len(people) < candidates:
        hr = build_dataset(candidates)
        people = list(db.session.execute(people_in_scope(hr, manage=True).order_by(Person.id)
                                         .limit(candidates)).scalars())
    review = services.create_review(name=f"PDF 基准测试：{len(people)} 名候选人", purpose="promotion",
                                    closes_on=clock.today() + timedelta(days=7), candidates=people,
                                    members=[], created_by=hr)
    db.session.commit()
    return {"review_id": review.id, "user_id": hr.id, "person_ids": [p.id for p in people]}


# ---- measurements ------------------------------------------------------------------------------

def bench_single(dataset: dict, repeat: int = 7) -> dict:
    """One candidate's file ``repeat`` times (the first warms fonts up): median seconds, size, pages,
    and the limit: WeasyPrint alone on the same HTML."""
    import io

    from flask import current_app, render_template
    from pypdf import PdfReader

    from archive.reviews import printing
    from archive.reviews.models import Review
    from core.accounts.models import User
    from core.extensions import db
    from core.pdf import font_stacks, qr_data_uri, render_html
    from core.registry.models import Person
    with current_app.test_request_context("/", base_url=BASE_URL):
        user = db.session.get(User, dataset["user_id"])
        review = db.session.get(Review, dataset["review_id"])
        person = db.session.get(Person, dataset["person_ids"][0])
        times, cpu = [], []
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            doc, data = printing.file_document(person, review=review, printed_by=user)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        db.session.commit()
        context = printing.file_context(person, review=review, printed_by=user)
        link = BASE_URL + "verify/" + doc.serial
        html = render_template(printing.TEMPLATE, **font_stacks(), serial=doc.serial, verify_url=link,
                               qr=qr_data_uri(link), **context)
        css = render_template(printing.STYLESHEET, **font_stacks())
        bare = []
        for _ in range(max(3, repeat // 2)):
            t = time.perf_counter()
            render_html(html, (css,))
            bare.append(time.perf_counter() - t)
    warm = times[1:] or times
    return {"first_s": times[0], "median_s": statistics.median(warm), "size_kb": len(data) / 1024,
            "pages": len(PdfReader(io.BytesIO(data)).pages), "render_only_s": statistics.median(bare),
            "cpu_s": statistics.median(cpu[1:] or cpu), "load": _load()}


def _vm_hwm_mb() -> float:
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_batch(review_id: int, user_id: int, fmt: str, processes: int) -> dict:
    """In a fresh process (like an RQ worker): run the batch job of the review; figures as a dict."""
    import weasyprint  # noqa: F401 - imported once by the worker, as `flask worker` does
    from flask import current_app

    from core.extensions import db
    from core.jobs import Job, run_job
    from core.pdf import font_config
    font_config()
    current_app.config["PDF_PRINT_PROCESSES"] = processes
    job = Job(kind="review_print", func="archive.reviews.printing:print_review_job",
              args=[review_id, fmt, user_id, BASE_URL], created_by_id=user_id, owner_type="reviews",
              owner_id=review_id)
    db.session.add(job)
    db.session.commit()
    t, own, kids = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    run_job(job.id)
    seconds = time.perf_counter() - t
    own_after, kids_after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {"job_cpu_s": own_after.ru_utime + own_after.ru_stime - own.ru_utime - own.ru_stime,
           "renderers_cpu_s": kids_after.ru_utime + kids_after.ru_stime - kids.ru_utime - kids.ru_stime}
    job = db.session.get(Job, job.id)
    size = Path(job.result_path).stat().st_size if job.result_path else 0
    return {"state": job.state, "candidates": job.total, "seconds": seconds, "processes": processes, "format": fmt,
            "size_mb": size / 2 ** 20, "worker_rss_mb": _vm_hwm_mb(),
            "renderer_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "error": job.error,
            **cpu}


def bench_batch(dataset: dict, fmt: str = "merged", processes: int = 2) -> dict:
    """The review's batch print in a fresh worker process on the same database."""
    from flask import current_app
    env = dict(os.environ, DATABASE_URL=current_app.config["SQLALCHEMY_DATABASE_URI"],
               INTEGRITY_INSTANCE_DIR=current_app.config["INSTANCE_DIR"])
    env.pop("REDIS_URL", None)
    out = subprocess.run([sys.executable, __file__, "--worker-batch", str(dataset["review_id"]),
                          str(dataset["user_id"]), "--format", fmt, "--processes", str(processes)],
                         env=env, capture_output=True, text=True, timeout=1800, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"batch worker failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(lines[-1])


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def figures(single: dict, batch: dict | None) -> list:
    from bench.common import Figure
    out = [Figure("pdf: one integrity file", single["median_s"], "s", limit=single["render_only_s"],
                  limit_label="WeasyPrint alone on the same HTML", target=TARGET_FILE_S,
                  notes=f"{single['pages']} pages, {single['size_kb']:.0f} KB (first, fonts cold: "
                        f"{single['first_s']:.2f} s); CPU {single.get('cpu_s', 0):.3f} s per file; "
                        f"{single.get('load', '')}"),
           Figure("pdf: one integrity file, size", single["size_kb"], "KB", target=TARGET_FILE_KB,
                  notes="fonts subset (HarfBuzz); the whole Noto CJK would be ~44 MB")]
    if batch:
        n, p = batch["candidates"], batch["processes"]
        out.append(Figure(f"pdf: review of {n} candidates, merged ({p} renderers)", batch["seconds"], "s",
                          limit=single["render_only_s"] * n / max(p, 1),
                          limit_label=f"{n} x WeasyPrint alone / {p}", target=TARGET_BATCH_S,
                          notes=f"{batch['state']}, {batch['size_mb']:.1f} MB merged; CPU: job process "
                                f"{batch.get('job_cpu_s', 0):.1f} s, renderers {batch.get('renderers_cpu_s', 0):.1f} s; "
                                f"{batch.get('load', '')}"
                                + (f"; error {batch['error']}" if batch.get("error") else "")))
        if batch.get("format", "merged") == "merged":
            out.append(Figure(f"pdf: review of {n} candidates, merged PDF size", batch["size_mb"], "MB",
                              target=TARGET_MERGED_MB_200 * n / 200,
                              notes=f"one shared font subset per face (core.pdf_fonts); "
                                    f"{batch['size_mb'] * 1024 / max(n, 1):.0f} KB per candidate, "
                                    f"~{batch['size_mb'] * 200 / max(n, 1):.1f} MB for 200 "
                                    f"(target {TARGET_MERGED_MB_200} MB for 200)"))
        ideal = single["render_only_s"] * n / max(p, 1)
        out.append(Figure(f"pdf: batch time ÷ ({n} single renders ÷ {p} workers)",
                          batch["seconds"] / ideal if ideal else 0.0, "x", target=TARGET_BATCH_RATIO,
                          notes=f"{batch['seconds']:.1f} s against {ideal:.1f} s of WeasyPrint alone"))
        out.append(Figure("pdf: batch memory per worker (peak RSS)",
                          max(batch["worker_rss_mb"], batch["renderer_rss_mb"]), "MB", target=TARGET_RSS_MB,
                          notes=f"job process {batch['worker_rss_mb']:.0f} MB, largest renderer "
                                f"{batch['renderer_rss_mb']:.0f} MB"))
    return out


def measure(candidates: int = 200, processes: int = 2, fmt: str = "merged", echo=print) -> list:
    """Figures of bench/run.py (inside an application context)."""
    t = time.perf_counter()
    dataset = prepare(candidates)
    echo(f"  pdf: review of {len(dataset['person_ids'])} candidates ready in {time.perf_counter() - t:.1f} s")
    single = bench_single(dataset)
    echo(f"  pdf: one file {single['median_s']:.3f} s, {single['size_kb']:.0f} KB, {single['pages']} pages")
    batch = bench_batch(dataset, fmt, processes) if candidates else None
    if batch:
        batch["load"] = _load()
    if batch:
        ideal = single["render_only_s"] * batch["candidates"] / max(batch["processes"], 1)
        echo(f"  pdf: batch {batch['seconds']:.1f} s, worker {batch['worker_rss_mb']:.0f} MB, renderer "
             f"{batch['renderer_rss_mb']:.0f} MB, {batch['state']}; merged {batch['size_mb']:.2f} MB; "
             f"time ratio {batch['seconds'] / ideal if ideal else 0:.2f}x of {batch['candidates']} single renders "
             f"÷ {batch['processes']} workers")
    return figures(single, batch)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2, help="rendering processes of the batch job")
    parser.add_argument("--format", choices=("merged", "zip"), default="merged")
    parser.add_argument("--worker-batch", nargs=2, type=int, metavar=("REVIEW_ID", "USER_ID"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_batch:
        from core.app import create_app
        with create_app().app_context():
            print(json.dumps(worker_batch(*args.worker_batch, args.format, args.processes)))
        return 0
    workdir = tempfile.mkdtemp(prefix="pdf-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.db")
    os.environ["INTEGRITY_INSTANCE_DIR"] = workdir
    from bench.common import print_table
    from core.app import create_app
    from core.extensions import db
    app = create_app()
    with app.app_context():
        db.create_all()
        figs = measure(args.candidates, args.processes, args.format)
    print_table(figs, f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
