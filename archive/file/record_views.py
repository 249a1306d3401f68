"""Misconduct records (pages of the file blueprint): new and edit forms with the live preview,
the rules page, record detail, notify, evidence, exempt, revoke, the servant's acknowledgement,
and attachment downloads."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.enums import RecordStatus
from archive.file import services
from archive.file.access import require_record
from archive.file.forms import EvidenceForm, ExemptForm, ReasonForm, RecordForm
from archive.file.models import Record
from archive.file.views import _failed, _int, bp
from core.accounts.permissions import can_manage_person, is_own_person, require_person, require_roles
from core.audit.services import record_event
from core.errors import DomainError, NotFound
from core.extensions import db
from core.text import N_, Text


def _record_form(form: RecordForm) -> RecordForm:
    form.item.choices = [("", _("（无）"))] + [(str(i), i if isinstance(i, Text) else N_(i))
                                              for i in services.record_items()]
    return form


def _record_values(form: RecordForm) -> dict:
    return {"category": form.category.data, "sanction": form.sanction.data, "item": form.item.data or None,
            "severity": form.severity.data, "decided_on": form.decided_on.data,
            "restricted_until": form.restricted_until.data, "permanent": form.permanent.data or None,
            "authority": form.authority.data, "document_no": form.document_no.data, "facts": form.facts.data,
            "facts_private": form.facts_private.data, "disclosable": form.disclosable.data,
            "judgment_kind": form.judgment_kind.data or None,
            "probation_months": _int(form.probation_months.data)}


@bp.route("/people/<int:person_id>/records/new", methods=["GET", "POST"])
@require_roles("hr")
def record_new(person_id: int):
    person = require_person(person_id, manage=True)
    form = _record_form(RecordForm())
    if form.validate_on_submit():
        try:
            record = services.record_misconduct(person, **_record_values(form))
            services.add_record_evidence(record, form.evidence.data or [])
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("失信记录已保存为草稿。核对无误后请“告知”本人。"), "success")
            return redirect(url_for("file.record_detail", record_id=record.id))
    return render_template("archive/file/record_form.html", form=form, person=person, record=None)


@bp.route("/people/<int:person_id>/records/preview")
@require_roles("hr")
def record_preview(person_id: int):
    """JSON for the record form (static/js/record_form.js): the sanctions of the category,
    the computed 影响期至 and, when the person has a running 政务处分 chain, its new end
    (docs/rules.md §4.4). Nothing is written."""
    person = require_person(person_id, manage=True)
    return services.record_preview(person, request.args)


@bp.route("/rules")
@require_roles("hr", "committee")
def rules_page():
    """规则与依据: every table of the law the rules use, with its source (read-only)."""
    from archive import rules
    return render_template("archive/file/rules.html", tables=rules.law_tables())


@bp.route("/records/<int:record_id>")
@require_roles("hr", "servant", "committee")
def record_detail(record_id: int):
    record, person = require_record(record_id, drafts=False)
    record_event("record_view", record, "查看失信记录")
    db.session.commit()
    manage = can_manage_person(current_user, person)
    data = services.load_file(person, include_drafts=manage)
    return render_template("archive/file/record_detail.html", record=record, person=person, data=data,
                           manage=manage, own=is_own_person(current_user, person), evidence_form=EvidenceForm())


@bp.route("/records/<int:record_id>/edit", methods=["GET", "POST"])
@require_roles("hr")
def record_edit(record_id: int):
    record, person = require_record(record_id, manage=True)
    form = _record_form(RecordForm(obj=record))
    if request.method == "GET":
        form.version.data = record.version
    if form.validate_on_submit():
        changes = _record_values(form)
        changes["permanent"] = bool(form.permanent.data)
        for key in ("restricted_until", "permanent", "judgment_kind", "probation_months"):
            if changes[key] == getattr(record, key):
                changes.pop(key)
        try:
            services.update_record(record, changes, version=_int(form.version.data), reason=form.reason.data)
            services.add_record_evidence(record, form.evidence.data or [])
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("记录已修改，原内容保留在历史版本中。"), "success")
            return redirect(url_for("file.record_detail", record_id=record.id))
    return render_template("archive/file/record_form.html", form=form, person=person, record=record)


def _act(record_id: int, fn, done: str):
    record, person = require_record(record_id, manage=True)
    try:
        fn(record, person)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(request.form.get("next") or url_for("file.record_detail", record_id=record_id))


@bp.route("/records/<int:record_id>/notify", methods=["POST"])
@require_roles("hr")
def record_notify(record_id: int):
    version = _int(request.form.get("version"))
    return _act(record_id, lambda r, p: services.notify_record(r, p, version=version),
                _("已告知本人，异议期开始计算。"))


@bp.route("/records/<int:record_id>/evidence", methods=["POST"])
@require_roles("hr")
def record_evidence(record_id: int):
    form = EvidenceForm()
    return _act(record_id, lambda r, p: services.add_record_evidence(r, form.evidence.data or []), _("证据材料已上传。"))


def _reason_page(record_id: int, form, title: str, intro: str, act, done: str):
    record, person = require_record(record_id, manage=True)
    if request.method == "GET":
        form.version.data = record.version
    if form.validate_on_submit():
        try:
            act(record, _int(form.version.data))
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("file.record_detail", record_id=record.id))
    return render_template("archive/file/simple_form.html", form=form, person=person, title=title, intro=intro,
                           record=record, danger=True)


@bp.route("/records/<int:record_id>/exempt", methods=["GET", "POST"])
@require_roles("hr")
def record_exempt(record_id: int):
    form = ExemptForm()
    return _reason_page(record_id, form, _("认定容错免责"),
                        _("容错免责的记录保留在档案中，但不计为失信，也不产生任何限制。只有草稿可以认定。"),
                        lambda r, v: services.exempt_record(r, form.basis.data, version=v), _("已认定容错免责。"))


@bp.route("/records/<int:record_id>/revoke", methods=["GET", "POST"])
@require_roles("hr")
def record_revoke(record_id: int):
    form = ReasonForm()
    return _reason_page(record_id, form, _("撤销记录"),
                        _("撤销的记录不会被删除，保留在档案中并注明撤销原因；相关限制即时解除。"),
                        lambda r, v: services.revoke_record(r, form.reason.data, version=v), _("记录已撤销。"))


@bp.route("/records/<int:record_id>/acknowledge", methods=["POST"])
@require_roles("servant")
def record_acknowledge(record_id: int):
    record, person = require_record(record_id, drafts=False)
    if not is_own_person(current_user, person):
        abort(404)
    try:
        services.acknowledge_record(record)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已确认。该记录自即日起生效。"), "success")
    return redirect(url_for("file.my_file"))


@bp.route("/attachments/<int:attachment_id>/download")
@require_roles("hr", "servant", "committee")
def attachment(attachment_id: int):
    from core.files import Attachment, send_attachment
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.owner_type not in ("record", "objection") or att.person_id is None:
        raise NotFound(_("文件不存在"))
    person = require_person(att.person_id)
    if att.owner_type == "record" and not can_manage_person(current_user, person):
        record = db.session.get(Record, att.owner_id)
        if record is None or record.status is RecordStatus.DRAFT:
            raise NotFound(_("文件不存在"))      # a draft's evidence stays internal (issue 17 item 9)
    return send_attachment(att)
