"""Pages of exchange: imports (templates, upload, check, confirm, progress), Excel exports of
the people and records lists, the credit-platform export page, the public disclosure page."""
from __future__ import annotations

import io

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.accounts.permissions import public, require_roles
from core.audit.services import record_event
from core.errors import NotFound
from core.excel import XLSX_MIME, export_response
from core.extensions import db
from core.listing import Listing

from . import credit, exports, services
from . import disclosure as disclosed
from .forms import UploadForm
from .importers import available_importers
from .models import CreditExport, ImportBatch

bp = Blueprint("exchange", __name__)


# ---- imports ------------------------------------------------------------------------------

def _batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.created_by_id != current_user.id:
        raise NotFound(_("导入批次不存在"))
    return batch


@bp.route("/imports")
@require_roles("hr")
def imports():
    batches = db.session.execute(db.select(ImportBatch).filter_by(created_by_id=current_user.id)
                                 .order_by(ImportBatch.id.desc()).limit(20)).scalars().all()
    return render_template("archive/exchange/imports.html", importers=available_importers(), form=UploadForm(),
                           batches=batches, titles={i.kind: i.title for i in available_importers()},
                           sync_rows=services.sync_limit())


@bp.route("/imports/<kind>/template")
@require_roles("hr")
def template(kind: str):
    filename, data = services.template_bytes(kind)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=filename, max_age=0)


@bp.route("/imports/<kind>", methods=["POST"])
@require_roles("hr")
def upload(kind: str):
    services.require_importer(kind)
    form = UploadForm()
    if not form.validate_on_submit():
        for message in form.file.errors or [_("请选择要上传的 .xlsx 文件")]:
            flash(message, "danger")
        return redirect(url_for("exchange.imports", _anchor=kind))
    storage = form.file.data
    data = storage.read()
    user = current_user._get_current_object()
    batch = services.create_batch(kind, data, storage.filename, user=user, dry_run=True, via="web", keep_file=True)
    db.session.commit()
    if services.is_big(data):
        services.start_job(batch, user=user, dry_run=True)
        return redirect(url_for("exchange.batch", batch_id=batch.id))
    services.run_batch(batch, data, user=user, dry_run=True)
    db.session.commit()
    return redirect(url_for("exchange.batch", batch_id=batch.id))


@bp.route("/imports/batches/<int:batch_id>")
@require_roles("hr")
def batch(batch_id: int):
    b = _batch(batch_id)
    limit = 1000
    return render_template("archive/exchange/batch.html", batch=b, title=_title(b.kind), errors=(b.errors or [])[:limit],
                           limit=limit)


@bp.route("/imports/batches/<int:batch_id>/confirm", methods=["POST"])
@require_roles("hr")
def confirm(batch_id: int):
    b = _batch(batch_id)
    if b.state != "validated" or not b.stored_name:
        flash(_("只有检查通过、尚未导入的文件可以确认导入。"), "warning")
        return redirect(url_for("exchange.batch", batch_id=b.id))
    user = current_user._get_current_object()
    data = services.batch_file(b)
    if b.rows > services.sync_limit():
        services.start_job(b, user=user, dry_run=False)
        return redirect(url_for("exchange.batch", batch_id=b.id))
    services.run_batch(b, data, user=user, dry_run=False)
    db.session.commit()
    if b.state == "imported":
        flash(_("已导入 %(imported)s 条，%(unchanged)s 条已存在未变化。", imported=b.imported, unchanged=b.unchanged), "success")
    else:
        flash(_("重新检查时发现问题（数据可能已被修改），未导入任何数据。"), "danger")
    return redirect(url_for("exchange.batch", batch_id=b.id))


@bp.route("/imports/batches/<int:batch_id>/status")
@require_roles("hr")
def batch_status(batch_id: int):
    """Progress of a batch running as a job (polled by static/js/app.js: data-job-url)."""
    from core.jobs import Job, job_json
    b = _batch(batch_id)
    job = db.session.get(Job, b.job_id) if b.job_id else None
    waiting = b.state in ("uploaded", "queued", "running")
    data = job_json(job) if job else {"state": "running" if waiting else "done", "done": 0, "total": b.rows}
    if b.state in ("validated", "rejected", "imported", "failed"):
        data["state"] = "failed" if b.state == "failed" else "done"
    data.update(batch_state=b.state, state_label=_STATE_LABELS.get(b.state, b.state),
                download_url=url_for("exchange.batch", batch_id=b.id))
    return jsonify(data)


@bp.route("/imports/batches/<int:batch_id>/errors.xlsx")
@require_roles("hr")
def batch_errors(batch_id: int):
    b = _batch(batch_id)
    return export_response(f"导入问题清单-{b.id}.xlsx", ["行号", "列", "问题"],
                           ([e["row"], e["column"], e["message"]] for e in (b.errors or [])), sheet_title="问题清单")


_STATE_LABELS = {"uploaded": "已上传", "queued": "排队中", "running": "正在处理", "validated": "检查通过",
                 "rejected": "有错误", "imported": "已导入", "failed": "处理失败"}


def _title(kind: str) -> str:
    return next((i.title for i in available_importers() if i.kind == kind), kind)


# ---- Excel exports of lists ---------------------------------------------------------------

def _export(sel, name: str, headers, rows_of, target):
    total = exports.count(sel)
    if total > exports.export_limit():
        flash(_("共 %(total)s 行，超过单次导出上限 %(export_limit)s 行，请缩小筛选范围。", total=total, export_limit=exports.export_limit()), "warning")
        return redirect(request.referrer or url_for("main.home"))
    if total > exports.fresh_rows() and not exports.is_fresh():
        flash(_("批量导出（%(total)s 行）需要重新输入密码确认身份。", total=total), "info")
        return redirect(url_for("accounts.reauth", next=request.full_path))
    record_event("export", target, f"导出{name} {total} 行（Excel）")
    db.session.commit()
    return export_response(f"{name}-{clock.today():%Y%m%d}.xlsx", headers, rows_of(sel), sheet_title=name)


@bp.route("/exports/people.xlsx")
@require_roles("hr")
def export_people():
    sel = exports.people_select(current_user, request.args)
    return _export(sel, "人员名单", exports.PEOPLE_HEADERS, exports.people_rows, current_user.department)


@bp.route("/exports/records.xlsx")
@require_roles("hr")
def export_records():
    sel = exports.records_select(current_user, request.args)
    return _export(sel, "失信记录", exports.RECORD_HEADERS, exports.records_rows, current_user.department)


# ---- credit platform ----------------------------------------------------------------------

@bp.route("/exports/credit-platform")
@require_roles("hr")
def credit_platform():
    listing = Listing(request.args, {"id": CreditExport.id}, default_sort="id", default_dir="desc")
    page = listing.paginate(credit.exports_select(current_user))
    return render_template("archive/exchange/credit.html", page=page, listing=listing,
                           pending=credit.pending_count(current_user))


@bp.route("/exports/credit-platform", methods=["POST"])
@require_roles("hr")
def credit_export():
    try:
        since = credit.parse_since(request.form.get("since") or None)
    except ValueError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exchange.credit_platform"))
    result = credit.export_records(user=current_user._get_current_object(), since=since, via="web")
    db.session.commit()
    flash(_("已生成导出 #%(id)s：%(count)s 条记录。", id=result.export.id, count=result.export.count), "success")
    return redirect(url_for("exchange.credit_platform"))


@bp.route("/exports/credit-platform/<int:export_id>.jsonl")
@require_roles("hr")
def credit_download(export_id: int):
    export = credit.require_export(export_id, current_user)
    data = credit.export_file(export)
    record_event("export_download", export, f"下载信用平台导出 #{export.id}")
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype="application/x-ndjson", as_attachment=True,
                     download_name=f"credit-platform-{export.id}.jsonl", max_age=0)


# ---- public disclosure --------------------------------------------------------------------

@bp.route("/public/disclosure")
@public
def disclosure():
    page_no = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    q = (request.args.get("q") or "").strip()[:50]
    page = disclosed.disclosed_page(clock.today(), page=page_no, per_page=50, q=q)
    return render_template("archive/exchange/disclosure.html", page=page, q=q)

