"""Objections and complaints (pages of the file blueprint): filing an objection (the servant, or
HR on their behalf), deciding it, a servant's complaint and its answer by the higher level."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.file import services
from archive.file.access import is_own_or_manages, require_complaint, require_objection, require_record
from archive.file.forms import AnswerForm, ComplaintForm, DecisionForm, ObjectionForm
from archive.file.models import Objection, Record
from archive.file.views import _failed, _file_url, _int, bp
from core import clock
from core.accounts.permissions import can_manage_person, is_own_person, require_not_self, require_person, require_roles
from core.errors import DomainError, NotFound
from core.extensions import db
from core.i18n import localize_date

# --------------------------------------------------------------------------- objections

@bp.route("/records/<int:record_id>/objections/new", methods=["GET", "POST"])
@require_roles("hr", "servant")
def objection_new(record_id: int):
    record, person = require_record(record_id, drafts=False)
    if not is_own_or_manages(person):
        raise NotFound(_("记录不存在"))
    form = ObjectionForm()
    own = is_own_person(current_user, person)
    if own:
        del form.late_reason          # only HR registers a late objection (docs/rules.md §4.5)
    window = services.objection_window_problem(record, clock.today(), current_user, None, services.rule_settings())
    if own and window is not None and request.method == "GET":
        flash(window.message, "warning")
    if form.validate_on_submit():
        try:
            objection = services.file_objection(record, form.reasons.data, current_user, form.attachments.data or [],
                                                late_reason=None if own else form.late_reason.data)
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("异议已提交，人事部门将于%(day)s前处理。", day=localize_date(objection.due_on)), "success")
            return redirect(_file_url(person))
    return render_template("archive/file/simple_form.html", form=form, person=person, record=record,
                           title=_("提出异议"), multipart=True,
                           intro=_("请说明认为记录有误的理由，并可附上证据材料。异议处理期间记录显示为“异议处理中”。"))


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
@require_roles("hr", "servant", "committee")
def objection_detail(objection_id: int):
    objection, person = require_objection(objection_id)
    record = db.session.get(Record, objection.record_id)
    assert record is not None   # objections.record_id is a foreign key; nothing is deleted
    manage = can_manage_person(current_user, person)
    refusal = services.may_decide(objection, record, person, current_user) if manage else None
    form = DecisionForm()
    if request.method == "GET":
        form.version.data = objection.version
    if request.method == "POST":
        require_not_self(person)
        if not manage:
            raise NotFound(_("异议不存在"))
        if form.validate_on_submit():
            try:
                services.decide_objection(objection, form.decision.data, form.reason.data, current_user,
                                          person=person, version=_int(form.version.data))
            except DomainError as exc:
                _failed(form, exc)
            else:
                db.session.commit()
                flash(_("异议已处理，结果已告知本人。"), "success")
                return redirect(url_for("file.objection_detail", objection_id=objection.id))
    data = services.load_file(person)
    return render_template("archive/file/objection_detail.html", objection=objection, record=record, person=person,
                           data=data, manage=manage, refusal=refusal, form=form,
                           own=is_own_person(current_user, person))


# --------------------------------------------------------------------------- complaints

@bp.route("/complaints/new", methods=["GET", "POST"])
@require_roles("servant")
def complaint_new():
    person = require_person(current_user.person_id) if current_user.person_id else None
    if person is None:
        raise NotFound()
    subject_type = request.args.get("subject_type", "objection")
    subject_id = request.args.get("subject_id", type=int)
    if subject_type not in services.COMPLAINT_SUBJECTS or not subject_id:
        raise NotFound(_("投诉对象不存在"))
    form = ComplaintForm()
    if form.validate_on_submit():
        try:
            services.file_complaint(person, subject_type=subject_type, subject_id=subject_id, text=form.text.data)
        except DomainError as exc:
            if exc.status == 404:
                raise
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("投诉已提交上级单位人事部门。"), "success")
            return redirect(url_for("file.my_file", _anchor="complaints"))
    return render_template("archive/file/simple_form.html", form=form, person=person, title=_("投诉处理情况"),
                           intro=_("对异议或信用修复的处理有意见的，可以向上级单位人事部门投诉。"))


@bp.route("/complaints/<int:complaint_id>", methods=["GET", "POST"])
@require_roles("hr", "servant")
def complaint_detail(complaint_id: int):
    complaint, person = require_complaint(complaint_id)
    can_answer = services.can_answer_complaint(current_user, complaint)
    form = AnswerForm()
    if request.method == "GET":
        form.version.data = complaint.version
    if request.method == "POST":
        if not can_answer:
            raise NotFound(_("投诉不存在"))
        if form.validate_on_submit():
            try:
                services.answer_complaint(complaint, form.answer.data, version=_int(form.version.data))
            except DomainError as exc:
                _failed(form, exc)
            else:
                db.session.commit()
                flash(_("已答复投诉。"), "success")
                return redirect(url_for("file.objections", _anchor="complaints"))
    subject = db.session.get(Objection, complaint.subject_id) if complaint.subject_type == "objection" else None
    return render_template("archive/file/complaint_detail.html", complaint=complaint, person=person, form=form,
                           can_answer=can_answer, subject=subject)
