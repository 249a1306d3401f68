"""Pages of the integrity file: the file page (HR, committee), my file (servant), the forms of
every record type, record detail with history, objections and complaints, HR worklists."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from archive.enums import Category, RecordStatus
from archive.file import cache, services, worklists
from archive.file.access import (
    is_own_or_manages,
    require_case,
    require_complaint,
    require_matter_check,
    require_objection,
    require_record,
)
from archive.file.forms import (
    AnswerForm,
    AppraisalForm,
    AwardForm,
    CaseForm,
    ComplaintForm,
    ConvertForm,
    DecisionForm,
    EndCaseForm,
    EvidenceForm,
    ExemptForm,
    MatterCheckForm,
    ObjectionForm,
    ReasonForm,
    RecordForm,
)
from archive.file.models import Complaint, Objection, ObjectionStatus, Record
from archive.file.todo import servant_todo
from core import clock
from core.accounts.permissions import can_manage_person, is_own_person, require_not_self, require_person, require_roles
from core.audit.services import record_event
from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.i18n import localize_date
from core.listing import Listing
from core.registry.models import Person
from core.text import N_, Text

bp = Blueprint("file", __name__)


def _int(value):
    from core.safe_args import safe_int
    return safe_int(value)       # beyond 32 bits: no row, never a 500


def _failed(form, exc: DomainError) -> None:
    """Undo the half-done act and show the service's problems on the form."""
    db.session.rollback()
    if isinstance(exc, ValidationFailed) and exc.fields:
        apply_field_errors(form, exc.fields)
    else:
        apply_field_errors(form, exc.fields)
        form.form_errors.append(exc.message)


def _as_of() -> date | None:
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(_("查询日期格式须为 YYYY-MM-DD，已按今天显示。"), "warning")
        return None


def _file_url(person) -> str:
    if is_own_person(current_user, person) and not can_manage_person(current_user, person):
        return url_for("file.my_file")
    return url_for("file.person_file", person_id=person.id)


# --------------------------------------------------------------------------- the file

@bp.route("/people/<int:person_id>/file")
@require_roles("hr", "servant", "committee")
def person_file(person_id: int):
    """Today's content comes from the cache (archive/file/cache.py) while nothing it was built
    from changed. The view is audited after rendering: the chain lock is held only for the
    insert and the commit, and nothing loaded is expired before the page is rendered."""
    person = require_person(person_id)
    as_of = _as_of()
    manage, own = can_manage_person(current_user, person), is_own_person(current_user, person)

    def build() -> str:
        data = services.load_file(person, as_of, include_drafts=manage)
        missing = services.established_missing_items(person) if manage and not data.established else []
        return render_template("archive/file/_person_file_content.html", data=data, person=person, manage=manage,
                               own=own, missing=missing)
    content = build() if as_of else cache.file_html(person, cache.FileVariant.page(manage=manage, own=own), build)
    page = render_template("archive/file/person_file.html", content=Markup(content), person=person)  # noqa: S704
    record_event("file_view", person, "查看诚信档案" + (f"（评价日期 {as_of.isoformat()}）" if as_of else ""))
    db.session.commit()
    return page


@bp.route("/my/file")
@require_roles("servant")
def my_file():
    if not current_user.person_id:
        raise NotFound(_("您的账户尚未关联人员档案，请联系人事部门"))
    person = require_person(current_user.person_id)

    def build() -> str:
        data = services.load_file(person, include_drafts=False)
        return render_template("archive/file/_my_file_content.html", data=data, person=person, manage=False, own=True)
    content = cache.file_html(person, cache.FileVariant.my(), build)
    todo = servant_todo(person, clock.today())       # fresh on every view: not part of the cached content
    page = render_template("archive/file/my_file.html", content=Markup(content), todo=todo)  # noqa: S704
    record_event("file_view", person, "本人查看诚信档案")
    db.session.commit()
    return page


@bp.route("/people/<int:person_id>/establish", methods=["POST"])
@require_roles("hr")
def establish(person_id: int):
    person = require_person(person_id, manage=True)
    try:
        services.establish_file(person)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已确认档案建立。"), "success")
    return redirect(url_for("file.person_file", person_id=person.id))


# --------------------------------------------------------------------------- appraisals, awards, checks

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
    return render_template("archive/file/simple_form.html", form=form, person=person, title="登记奖励、荣誉称号")


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
                           title="登记个人有关事项报告查核结果")


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


# --------------------------------------------------------------------------- records

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
    return render_template("archive/file/simple_form.html", form=form, person=person, title="投诉处理情况",
                           intro="对异议或信用修复的处理有意见的，可以向上级单位人事部门投诉。")


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


# --------------------------------------------------------------------------- cases

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
    return render_template("archive/file/simple_form.html", form=form, person=person, title="登记立案审查",
                           intro="立案审查期间，不得晋升、奖励、交流或办理退休（公职人员政务处分法第52条）。")


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


# --------------------------------------------------------------------------- worklists

RECORD_SORTS = {"decided_on": Record.decided_on, "name": Person.name, "category": Record.category,
                "status": Record.status, "restricted_until": Record.restricted_until, "created": Record.created_at}


def _people(ids) -> dict[int, Person]:
    ids = set(ids)
    if not ids:
        return {}
    return {p.id: p for p in db.session.execute(db.select(Person).where(Person.id.in_(ids))).scalars()}


@bp.route("/records")
@require_roles("hr")
def records():
    listing = Listing(request.args, RECORD_SORTS, default_sort="decided_on", default_dir="desc")
    status = RecordStatus(request.args["status"]) if request.args.get("status") in RecordStatus.codes() else None
    category = Category(request.args["category"]) if request.args.get("category") in Category.codes() else None
    settings = services.rule_settings()
    sel = worklists.records_select(current_user, status=status, category=category, settings=settings)
    if request.args.get("review") == "1":      # statutory records repaired before docs/rules.md §4.6
        sel = sel.where(Record.repair_review.is_(True))
    if listing.q:
        sel = sel.where(Person.name.contains(listing.q, autoescape=True))
    page = listing.paginate(sel.with_only_columns(Record).select_from(Record))
    people = _people(r.person_id for r in page.items)
    today = clock.today()
    return render_template("archive/file/records.html", page=page, listing=listing, people=people,
                           statuses={r.id: r.status_on(today, settings) for r in page.items}, status=status,
                           category=category, all_statuses=RecordStatus, categories=Category)


OBJECTION_SORTS = {"due_on": Objection.due_on, "filed_on": Objection.filed_on, "name": Person.name}


@bp.route("/objections")
@require_roles("hr")
def objections():
    listing = Listing(request.args, OBJECTION_SORTS, default_sort="due_on")
    due = request.args.get("due", "")
    today = clock.today()
    sel = worklists.objections_select(current_user, pending_only=due != "all")
    if due == "overdue":
        sel = sel.where(Objection.due_on < today)
    elif due == "soon":
        sel = sel.where(Objection.due_on >= today, Objection.due_on <= date.fromordinal(today.toordinal() + 7))
    page = listing.paginate(sel.with_only_columns(Objection).select_from(Objection))
    records_by_id = {r.id: r for r in db.session.execute(db.select(Record).where(
        Record.id.in_({o.record_id for o in page.items}))).scalars()} if page.items else {}
    people = _people(o.person_id for o in page.items)
    complaint_rows = db.session.execute(worklists.complaints_select(current_user, pending_only=True)
                                        .order_by(Complaint.filed_on).limit(200)).all()
    return render_template("archive/file/objections.html", page=page, listing=listing, due=due, today=today,
                           records=records_by_id, people=people, complaints=complaint_rows,
                           ObjectionStatus=ObjectionStatus)


@bp.route("/worklists/incompetent")
@require_roles("hr")
def incompetent():
    rows = db.session.execute(worklists.incompetent_select(current_user, clock.today().year - 2)
                              .order_by(Person.name).limit(500)).all()
    return render_template("archive/file/incompetent.html", rows=rows)
