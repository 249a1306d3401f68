"""The file's entries besides records (pages of the file blueprint): annual appraisals, awards,
personal-matter checks (and turning a check into a record), cases under review (立案审查)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive.file import services
from archive.file.access import require_case, require_matter_check
from archive.file.forms import AppraisalForm, AwardForm, CaseForm, ConvertForm, EndCaseForm, MatterCheckForm
from archive.file.views import _failed, _int, bp
from core import clock
from core.accounts.permissions import require_person, require_roles
from core.errors import DomainError
from core.extensions import db


@bp.route("/people/<int:person_id>/appraisals/new", methods=["GET", "POST"])
@require_roles("hr")
def appraisal_new(person_id: int):
    person = require_person(person_id, manage=True)
    form = AppraisalForm()
    if request.method == "GET":
        form.year.data = clock.today().year - 1
    warnings = []
    if form.validate_on_submit():
        try:
            services.add_appraisal(person, form.year.data, form.grade.data, form.document_no.data,
                                   form.override_reason.data, form.correct.data, notes=form.notes.data,
                                   reason=form.reason.data)
        except DomainError as exc:
            if exc.code == "appraisal_warning":
                warnings = exc.fields.get("grade", "").split("；")
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("%(year)s年度考核结果已保存。", year=form.year.data), "success")
            return redirect(url_for("file.person_file", person_id=person.id, _anchor="appraisals"))
    return render_template("archive/file/appraisal_form.html", form=form, person=person, warnings=warnings)


@bp.route("/people/<int:person_id>/awards/new", methods=["GET", "POST"])
@require_roles("hr")
def award_new(person_id: int):
    person = require_person(person_id, manage=True)
    form = AwardForm()
    if form.validate_on_submit():
        try:
            services.add_award(person, kind=form.kind.data, title=form.title.data, awarded_on=form.awarded_on.data,
                               authority=form.authority.data, document_no=form.document_no.data)
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("奖励已保存。"), "success")
            return redirect(url_for("file.person_file", person_id=person.id, _anchor="awards"))
    return render_template("archive/file/simple_form.html", form=form, person=person, title=_("登记奖励、荣誉称号"))


@bp.route("/people/<int:person_id>/matter-checks/new", methods=["GET", "POST"])
@require_roles("hr")
def matter_check_new(person_id: int):
    person = require_person(person_id, manage=True)
    form = MatterCheckForm()
    if request.method == "GET":
        form.year.data = clock.today().year - 1
    if form.validate_on_submit():
        try:
            services.add_matter_check(person, year=form.year.data, result=form.result.data, notes=form.notes.data)
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("查核结果已保存。"), "success")
            return redirect(url_for("file.person_file", person_id=person.id, _anchor="checks"))
    return render_template("archive/file/simple_form.html", form=form, person=person,
                           title=_("登记个人有关事项报告查核结果"))


@bp.route("/matter-checks/<int:check_id>/convert", methods=["GET", "POST"])
@require_roles("hr")
def matter_check_convert(check_id: int):
    check, person = require_matter_check(check_id, manage=True)
    form = ConvertForm()
    if form.validate_on_submit():
        try:
            record = services.convert_matter_check_to_record(check, person, decided_on=form.decided_on.data,
                                                             authority=form.authority.data, facts=form.facts.data,
                                                             severity=form.severity.data)
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("已生成失信记录草稿，请核对后告知本人。"), "success")
            return redirect(url_for("file.record_detail", record_id=record.id))
    return render_template("archive/file/simple_form.html", form=form, person=person,
                           title=_("将%(year)s年度查核结果（%(result)s）转为失信记录", year=check.year, result=check.result.label),
                           intro=_("将生成“个人事项漏报瞒报”类别的失信记录草稿，告知本人后生效。"))


@bp.route("/people/<int:person_id>/cases/new", methods=["GET", "POST"])
@require_roles("hr")
def case_new(person_id: int):
    person = require_person(person_id, manage=True)
    form = CaseForm()
    if form.validate_on_submit():
        try:
            services.set_case(person, started_on=form.started_on.data, authority=form.authority.data,
                              notes=form.notes.data)
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("已登记立案审查：审查期间不得晋升、奖励、调动或退休。"), "success")
            return redirect(url_for("file.person_file", person_id=person.id, _anchor="cases"))
    return render_template("archive/file/simple_form.html", form=form, person=person, title=_("登记立案审查"),
                           intro=_("立案审查期间，不得晋升、奖励、交流或办理退休（公职人员政务处分法第52条）。"))


@bp.route("/cases/<int:case_id>/end", methods=["GET", "POST"])
@require_roles("hr")
def case_end(case_id: int):
    case, person = require_case(case_id, manage=True)
    form = EndCaseForm()
    if request.method == "GET":
        form.version.data, form.ended_on.data = case.version, clock.today()
    if form.validate_on_submit():
        try:
            services.end_case(case, ended_on=form.ended_on.data, version=_int(form.version.data))
        except DomainError as exc:
            _failed(form, exc)
        else:
            db.session.commit()
            flash(_("立案审查已结束。"), "success")
            return redirect(url_for("file.person_file", person_id=person.id, _anchor="cases"))
    return render_template("archive/file/simple_form.html", form=form, person=person,
                           title=f"结束立案审查（{case.authority}）")
