"""Public verification of printed documents (core.documents; docs/rules.md §9).

``/verify`` asks for a serial; ``/verify/<serial>`` says whether it is a document this system
issued (JSON when asked), whom it is about (the masked name and the department, nothing else),
and compares an uploaded PDF with it byte for byte (and reports its signature, core.pdf_sign).
The API twin is ``GET /api/v1/verify/{serial}`` (core/verify_api.py).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from wtforms import StringField

from core import clock
from core.accounts.permissions import public
from core.audit.services import record_event
from core.documents import PrintedDocument, check_upload, find_document
from core.extensions import db, limiter
from core.forms import BaseForm, length, required
from core.pdf_sign import signature_report, signing_enabled
from core.registry.codes import mask_name
from core.registry.models import Person

bp = Blueprint("verify", __name__)


class VerifyUploadForm(BaseForm):
    file = FileField(_l("待核验的 PDF 文件"), validators=[FileRequired(message=_l("请选择文件"))])


class SerialForm(BaseForm):
    class Meta:
        csrf = False        # a GET search form

    serial = StringField(_l("文件编号"), validators=[required(), length(20)])


def verification_json(serial: str, doc: PrintedDocument | None) -> dict[str, Any]:
    if doc is None:
        return {"valid": False, "serial": (serial or "")[:20], "kind": None, "kind_label": None, "issued_at": None,
                "issued_by_department": None, "sha256": None, "subject": None}
    return {"valid": True, "serial": doc.serial, "kind": doc.kind, "kind_label": doc.kind_label,
            "issued_at": doc.issued_at.astimezone(clock.zone()).isoformat(timespec="seconds"),
            "issued_by_department": doc.department.name if doc.department else None, "sha256": doc.sha256,
            "subject": document_subject(doc)}


def document_subject(doc: PrintedDocument | None) -> dict[str, str | None] | None:
    """Whom a document is about, as much as a verifier needs to match it to the person (issue 19):
    the masked name and the department; nothing else of the person is shown publicly."""
    person = db.session.get(Person, doc.person_id) if doc is not None and doc.person_id else None
    if person is None:
        return None
    return {"name_masked": mask_name(person.name), "department": person.department.name if person.department else None}


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@bp.route("/verify")
@public
def verify_start() -> ResponseReturnValue:
    form = SerialForm(request.args)
    if request.args.get("serial") and form.validate():
        return redirect(url_for("verify.verify", serial=(form.serial.data or "").strip().upper()))
    return render_template("core/verify_start.html", form=form)


@bp.route("/verify/<serial>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def verify(serial: str) -> ResponseReturnValue:
    doc = find_document(serial)
    if _wants_json() and request.method == "GET":
        return jsonify(verification_json(serial, doc))
    form = VerifyUploadForm()
    result = batch = signature = None
    if doc is not None and request.method == "POST":
        if form.validate_on_submit():
            data = read_upload(form.file.data)
            if data is not None:
                result, batch = check_upload(doc, data)
                signature = signature_report(data)       # the PDF signature (core.pdf_sign), when there is one
                signed = "" if signature is None else f"，签名{'有效' if signature.ok else '无效'}"
                record_event("document_verify", doc,
                             f"上传文件核验{'一致' if result else '不一致'}{signed}（{len(data)} 字节）",
                             outcome="success" if result else "failure", actor=None)
                db.session.commit()
    elif doc is None and request.method == "POST":
        abort(404)
    status = 200 if doc is not None else 404
    return render_template("core/verify.html", doc=doc, serial=serial[:20], form=form, result=result,
                           subject=document_subject(doc),
                           batch=batch, signature=signature, signing=signing_enabled(),
                           max_mb=max_upload() // (1024 * 1024)), status


def max_upload() -> int:
    return int(current_app.config.get("VERIFY_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"])


def read_upload(storage: FileStorage) -> bytes | None:
    """The uploaded file's bytes, or None (and a message) when it is empty or over the limit."""
    limit = max_upload()
    data = storage.read(limit + 1)
    if len(data) > limit:
        flash(_("文件超过 %(mb)s MB 的大小限制。", mb=limit // (1024 * 1024)), "danger")
        return None
    if not data:
        flash(_("文件为空。"), "danger")
        return None
    return data
