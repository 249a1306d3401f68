"""Printing the integrity file (docs/rules.md §8-9): one PDF per person, and the batch job of a review.

``file_document(person, review=..., printed_by=...)`` issues one document (a serial, its QR
code and the SHA-256 of the bytes) through core.documents.issue_document and renders
templates/pdf/integrity_file.html with core.pdf.render_pdf (one reused FontConfiguration,
subset fonts, a data:-only URL fetcher, autoescaped user text).

``print_review_job`` is the background job of a review's batch print: it renders every
candidate separately (one issue_document each: a giant HTML needs ~900 MB), reports
progress, then merges with pypdf (a bookmark per candidate) or zips, and writes the result
atomically with core.jobs.write_result; any failure marks the job failed (no file) and it
can be retried. The PDFs of a batch are rendered by ``print_processes()`` forked processes
(config ``PDF_PRINT_PROCESSES``; default 2 in an RQ worker, 1 in the web application):
the job process keeps every database access, issues the documents in order and appends each
to the merged PDF as it comes (the merge overlaps the rendering).

Printed documents are always in Chinese (official papers), whatever the UI language.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

from flask import current_app, g, has_request_context, render_template

from archive.enums import ReviewPurpose
from archive.reviews import services
from archive.reviews.models import Review
from archive.reviews.sections import Section, file_sections
from core import clock
from core.audit.services import record_event
from core.documents import PrintedDocument, issue_document, matches, new_serial, verify_url
from core.extensions import db
from core.pdf import font_stacks, qr_data_uri, render_html, render_pdf
from core.pdf_fonts import share_font_subsets
from core.templating import zh_date

KIND = "integrity_file"
TEMPLATE = "pdf/integrity_file.html"
STYLESHEET = "pdf/base.css"
FORMATS = ("merged", "zip")


# ---- the file as printable sections -------------------------------------------------------

_NUMBERS = "一二三四五六七八九十"


def _zh_number(n: int) -> str:
    if n <= 10:
        return _NUMBERS[n - 1]
    return "十" + _NUMBERS[n - 11] if n < 20 else str(n)


def build_sections(data, person=None, as_of: date | None = None) -> list[Section]:
    """The sections of a FileData (archive.file.services), in the order of docs/rules.md §4-6."""
    out = file_sections(data, person, as_of)
    for i, s in enumerate(out, start=3):     # 一 and 二 are registration data and status
        s.number = _zh_number(i)
    return out


# ---- context and rendering ------------------------------------------------------------------

def _department_chain(person) -> str:
    from core.registry.models import Department
    ids = [int(x) for x in (person.department_path or "").strip("/").split("/") if x]
    if not ids:
        return person.department.name
    rows = dict(db.session.execute(db.select(Department.id, Department.name).where(Department.id.in_(ids))).all())
    names = [rows[i] for i in ids if i in rows]
    return " / ".join(names[-3:]) if names else person.department.name


def _restrictions(assessment) -> list[dict]:
    out = []
    for r in assessment.file.evaluation.restrictions:
        until = "永久" if r.permanent else (zh_date(r.until) if r.until else "—")
        out.append({"kind": r.kind.zh, "reason": r.reason, "until": until})
    return out


def _established(data) -> str:
    af = data.archive_file
    if not data.established or af is None:
        return "未建立"
    parts = [p for p in (zh_date(af.established_at) if af.established_at else "",
                         data.user_name(af.established_by_id) if af.established_by_id else "") if p]
    return "已建立" + (f"（{'，'.join(parts)}）" if parts else "")


def _verify_link(serial: str, base_url: str | None) -> str:
    return verify_url(serial)        # PUBLIC_BASE_URL, in a request or a worker alike (never the Host header)


def issuing_department(person, review: Review | None, printed_by):
    """The department a file is issued by (its cover, its PrintedDocument): the review's
    department when printed for a review (a 东营区 review prints 东营区 even when a city
    officer presses the button), else the printing user's, else the person's."""
    if review is not None and review.department is not None:
        return review.department
    return getattr(printed_by, "department", None) or person.department


def fold_empty(sections: list[Section]) -> list[Section | list[Section]]:
    """Consecutive sections without rows folded into one list (printed as one line: "十一、信用修复：无。"),
    so an empty section never takes a page of its own."""
    out: list[Section | list[Section]] = []
    for s in sections:
        if s.rows:
            out.append(s)
        elif out and isinstance(out[-1], list):
            out[-1].append(s)
        else:
            out.append([s])
    return out


def _printed_by(who: str, own_department) -> str:
    """Who pressed print, with their own department (the issuer may be the review's department)."""
    return f"{who}（{own_department.name}）" if who else own_department.name


def file_context(person, *, review: Review | None, printed_by, as_of: date | None = None,
                 review_use: bool = True) -> dict:
    as_of = as_of or clock.today()
    purpose = review.purpose if review is not None else ReviewPurpose.PROMOTION
    assessment = services.assess(person, purpose, as_of)
    department = issuing_department(person, review, printed_by)
    sections = build_sections(assessment.file, person, as_of)
    who = getattr(printed_by, "display_name", None) or getattr(printed_by, "username", "") or ""
    return {
        "person": person, "review": review, "as_of": as_of, "assessment": assessment, "review_use": review_use,
        "restrictions": _restrictions(assessment), "sections": sections, "blocks": fold_empty(sections),
        "established": _established(assessment.file), "department_chain": _department_chain(person),
        "issuer_department": department.name,
        "printed_by": _printed_by(who, getattr(printed_by, "department", None) or department),
        "printed_at": zh_date(clock.now()),
    }


def render_file(context: dict, serial: str, *, base_url: str | None = None) -> bytes:
    link = _verify_link(serial, base_url)
    return render_pdf(TEMPLATE, stylesheet=STYLESHEET, serial=serial, verify_url=link, qr=qr_data_uri(link),
                      **context)


def file_document(person, *, review: Review | None, printed_by, owner=None, as_of: date | None = None,
                  base_url: str | None = None, review_use: bool = True):
    """Issue one integrity-file PDF: ``(PrintedDocument, bytes)``; audited as a print.
    ``review_use``: the 仅供考察使用 watermark (default), else 仅供存档查阅 (HR printing for the file)."""
    context = file_context(person, review=review, printed_by=printed_by, as_of=as_of, review_use=review_use)
    department = issuing_department(person, review, printed_by)
    title = f"{person.name} 诚信档案" + (f"（{review.name}）" if review is not None else "")
    return issue_document(KIND, lambda serial: render_file(context, serial, base_url=base_url), person=person,
                          department=department, issued_by=printed_by,
                          review_id=review.id if review is not None else None,
                          owner=owner if owner is not None else review, title=title)


# ---- the batch job ----------------------------------------------------------------------------

@contextlib.contextmanager
def acting_as(user, base_url: str | None):
    """Run job code as its creator: audit events name them and url_for builds external links.

    Inside the request that enqueued it (synchronous jobs) nothing is needed; in a worker or
    a thread a request context is pushed with the creator as the logged-in user."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=base_url or "http://localhost/",
                                          environ_overrides={"REMOTE_ADDR": "job"}):
        g._login_user = user
        try:
            yield
        finally:
            g.pop("_login_user", None)


class Merger:
    """The merged PDF of a batch, built while the batch renders: each candidate's file is appended
    as soon as it is issued (pypdf), with a top-level bookmark; the parts' own bookmarks (their
    sections) nest under it. ``finish()`` writes it once, to a spool file in the job's folder, and
    frees pypdf's objects before the bytes are read back (peak memory: the objects or the bytes,
    not both). Before writing, every face of the batch is given one shared subset
    (core.pdf_fonts.share_font_subsets: 200 files ~5 MB instead of ~69 MB); ``fonts`` keeps its figures."""

    def __init__(self, spool: Path | None = None):
        from pypdf import PdfWriter
        self.writer: PdfWriter | None = PdfWriter()     # None once finished
        self.spool = spool
        self.fonts: dict = {}

    def add(self, title: str, source) -> None:
        if self.writer is None:
            raise RuntimeError("the merged PDF is finished")
        self.writer.append(io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else str(source),
                           outline_item=title)

    def finish(self) -> bytes | memoryview:
        from core.pdf_sign import drop_signatures
        writer, self.writer = self.writer, None
        if writer is None:
            raise RuntimeError("the merged PDF is finished")
        drop_signatures(writer)      # members' own signatures do not cover the merged file (core.pdf_sign)
        self.fonts = share_font_subsets(writer)    # one subset per face for the whole batch (core.pdf_fonts)
        writer.add_metadata({"/Title": "考察评审批量打印", "/Producer": "诚信档案与培训管理系统"})
        if self.spool is None:
            out = io.BytesIO()
            writer.write(out)
            writer.close()
            return out.getbuffer()      # no copy of a file that may be ~100 MB
        try:
            with open(self.spool, "wb") as fh:
                writer.write(fh)
            writer.close()
            del writer
            release_memory()
            return self.spool.read_bytes()
        finally:
            self.spool.unlink(missing_ok=True)


def release_memory() -> None:
    """Collect pypdf's object cycles and give the freed heap back to the system (glibc keeps it
    otherwise: ~150 MB of a 200-file merge would stay and add to the merged bytes read next)."""
    import ctypes
    import gc
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)       # the process's own symbols (no ldconfig subprocess)
    except (OSError, AttributeError):          # not glibc
        pass


def merge_pdfs(parts, spool: Path | None = None) -> bytes | memoryview:
    """One PDF with a top-level bookmark per part: ``(bookmark title, path or bytes)``."""
    merger = Merger(spool)
    for title, source in parts:
        merger.add(title, source)
    return merger.finish()


def zip_pdfs(files) -> memoryview:
    """A ZIP (stored: PDFs are compressed already) of ``(name, path or bytes)``."""
    buf = io.BytesIO()
    stamp = clock.now().timetuple()[:6]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, source in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
            zf.writestr(info, data)
    return buf.getbuffer()


def safe_name(text: str) -> str:
    return "".join(ch for ch in text if ch not in '\\/:*?"<>|\r\n\t').strip()[:60] or "file"


def print_processes() -> int:
    """Processes rendering a batch: PDF_PRINT_PROCESSES, else 2 in an RQ worker (REDIS_URL set; a
    dedicated single-threaded process that may fork) and 1 in the web application (threads)."""
    configured = current_app.config.get("PDF_PRINT_PROCESSES")
    if configured not in (None, ""):
        return max(1, int(configured))
    if current_app.config.get("REDIS_URL") and not current_app.config.get("JOBS_SYNCHRONOUS"):
        return max(1, min(2, os.cpu_count() or 1))
    return 1


_warm = False


def warm_up(css: str) -> None:
    """Render a tiny page with every face once in this process (the first render loads Pango's
    font map and the fonts: seconds). Done before forking, the renderers inherit it."""
    global _warm
    if not _warm:
        render_html('<html lang="zh-CN"><body><h1>诚信档案</h1><table><tr><th>姓名</th><td>张伟 2026</td></tr>'
                    '</table><p class="heading-font">仅供考察使用</p></body></html>', (css,))
        _warm = True


def _render_prepared(html: str, css: str) -> bytes:
    """Pool task: WeasyPrint only (no database, no Flask); fonts come from the forked parent's cache."""
    return render_html(html, (css,))


class _Printer:
    """Issues the file of each candidate in order. With one process it renders in line; with more,
    the serials are drawn first (core.documents.new_serial), the HTML is prepared here and the
    PDFs are rendered by forked processes, then issued here in order (the database stays in this
    process: children never touch it)."""

    def __init__(self, job, review, user, base_url, processes: int):
        self.job, self.review, self.user, self.base_url = job, review, user, base_url
        self.pool = None
        self.frozen = False
        if processes > 1:
            import gc
            import multiprocessing
            db.session.commit()                      # nothing half-done in the connection we fork with
            self.css = render_template(STYLESHEET, **font_stacks())
            warm_up(self.css)                        # fonts and the parsed stylesheet, inherited by the children
            # what exists now is never garbage: out of the collector's sight, so the children's
            # collections do not walk (and copy-on-write) the whole inherited application heap
            gc.collect()
            gc.freeze()
            self.frozen = True
            self.pool = multiprocessing.get_context("fork").Pool(processes)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        if self.frozen:
            import gc
            gc.unfreeze()
            self.frozen = False

    def submit(self, person):
        if self.pool is None:
            return person, None, None
        context = file_context(person, review=self.review, printed_by=self.user)
        serial = new_serial()
        link = _verify_link(serial, self.base_url)
        html = render_template(TEMPLATE, **font_stacks(), serial=serial, verify_url=link, qr=qr_data_uri(link),
                               **context)
        return person, serial, self.pool.apply_async(_render_prepared, (html, self.css))

    def finish(self, pending):
        person, serial, result = pending
        if result is None:
            return person, *file_document(person, review=self.review, printed_by=self.user, owner=self.job,
                                          base_url=self.base_url)
        data = result.get(timeout=600)
        return person, *issue_document(KIND, lambda s: data, serial=serial, person=person,
                                       department=issuing_department(person, self.review, self.user),
                                       issued_by=self.user, review_id=self.review.id, owner=self.job,
                                       title=f"{person.name} 诚信档案（{self.review.name}）")


def _bookmark(number: int, person) -> str:
    return f"{number}. {person.name}（{person.department.name}）"


def print_review_job(job_id: int, review_id: int, fmt: str, user_id: int, base_url: str | None = None) -> dict:
    """Job function (core.jobs): print every candidate of a review, then merge or zip.

    Merged: each file is appended to the merged PDF as soon as it is issued, so merging overlaps
    the rendering of the next files instead of following the last one. ZIP: each file goes to
    disk as soon as it is issued (memory holds one file at a time, not 200)."""
    from core.accounts.models import User
    from core.jobs import Job, job_dir, progress
    job = db.session.get(Job, job_id)
    user = db.session.get(User, user_id)
    review = db.session.get(Review, review_id)
    if job is None or user is None or review is None or fmt not in FORMATS:
        raise LookupError("打印任务的参数无效")
    with acting_as(user, base_url):
        # access is checked again when the job runs: a review closed meanwhile prints nothing
        if not services.can_view_review(user, review):
            raise PermissionError("考察评审已结束或无权打印")
        people = services.visible_candidates(user, review)
        total = len(people)
        progress(job_id, 0, total)
        parts = job_dir() / f"job-{job_id}.parts"
        shutil.rmtree(parts, ignore_errors=True)
        parts.mkdir(parents=True)
        merger = Merger(parts / "merged.pdf") if fmt == "merged" else None
        printed: list[tuple[object, str, Path | None]] = []

        def keep(result):
            person, doc, data = result
            path = None
            if merger is not None:
                merger.add(_bookmark(len(printed) + 1, person), data)
            else:
                path = parts / f"{len(printed):04d}.pdf"
                path.write_bytes(data)
            printed.append((person, doc.serial, path))
            progress(job_id, len(printed), total)    # commits: the progress bar sees it at once

        printer = _Printer(job, review, user, base_url, min(print_processes(), max(total, 1)))
        try:
            queue = []
            for person in people:
                queue.append(printer.submit(person))
                while queue and (queue[0][2] is None or queue[0][2].ready()):
                    keep(printer.finish(queue.pop(0)))
            while queue:
                keep(printer.finish(queue.pop(0)))
            printer.close()
            return _package(job_id, review, user, fmt, printed, merger)
        finally:
            printer.close()
            shutil.rmtree(parts, ignore_errors=True)


def _package(job_id: int, review: Review, user, fmt: str, printed, merger: Merger | None) -> dict:
    """Finish the merged PDF (a bookmark per candidate; the merged file is itself a verifiable
    document) or zip, and write the result atomically (core.jobs.write_result)."""
    from core.jobs import Job, write_result
    total = len(printed)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    base = safe_name(f"{review.name}-诚信档案-{stamp}")
    if fmt == "merged":
        assert merger is not None           # print_review_job makes one for every merged batch
        merged = merger.finish()
        batch, merged = issue_document("review_batch", lambda serial: merged, issued_by=user,
                                       department=user.department or review.department, review_id=review.id,
                                       owner=db.session.get(Job, job_id), title=f"{review.name} 批量打印 {total} 份")
        path, name, mime = write_result(job_id, merged, ".pdf"), base + ".pdf", "application/pdf"
        summary = f"批量打印「{review.name}」{total} 份（合并 PDF，编号 {batch.serial}），任务 #{job_id}"
    else:
        files = [(f"{i:03d}-{safe_name(p.name)}-{serial}.pdf", path)
                 for i, (p, serial, path) in enumerate(printed, start=1)]
        path, name, mime = write_result(job_id, zip_pdfs(files), ".zip"), base + ".zip", "application/zip"
        summary = f"批量打印「{review.name}」{total} 份（ZIP），任务 #{job_id}"
    record_event("review_print", review, summary)
    db.session.commit()
    return {"path": str(path), "name": name, "mime": mime}


def start_batch(review: Review, fmt: str, user, base_url: str | None):
    """Enqueue the batch print of a review (core.jobs); returns the Job."""
    from core.errors import ValidationFailed
    from core.jobs import enqueue
    if fmt not in FORMATS:
        raise ValidationFailed({"format": "格式须为 merged 或 zip"})
    total = len(services.visible_candidates(user, review))
    if not total:
        raise ValidationFailed({"format": "本次评审还没有候选人"})
    record_event("review_print_request", review, f"申请批量打印（{'合并 PDF' if fmt == 'merged' else 'ZIP'}）")
    db.session.commit()
    base_url = current_app.config.get("PUBLIC_BASE_URL") or None      # not the request's Host header
    return enqueue("archive.reviews.printing:print_review_job", review.id, fmt, user.id, base_url,
                   kind="review_print", created_by=user, owner=review, total=total)


# ---- verification ------------------------------------------------------------------------------

def batch_holding(doc: PrintedDocument, data: bytes) -> PrintedDocument | None:
    """The merged batch PDF whose bytes are ``data`` and which holds ``doc``, an integrity file
    printed in that batch (the core.wiring.DOCUMENT_BATCH provider of /verify, core.documents.check_upload):
    the batch is accepted as a true copy of each file in it."""
    if doc.owner_type != "jobs" or doc.owner_id is None or doc.kind != KIND:
        return None
    batches = db.session.execute(db.select(PrintedDocument).filter_by(
        kind="review_batch", owner_type="jobs", owner_id=doc.owner_id)).scalars().all()
    return next((batch for batch in batches if matches(batch, data)), None)
