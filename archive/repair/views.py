"""Pages of credit repair: the person's application page, HR's queue and decision page,
evidence downloads (access-checked), and the HR home card."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import rules
from archive.repair import services
from archive.repair.forms import RepairApplyForm, RepairDecisionForm
from archive.repair.models import RepairApplication, RepairStatus
from core import clock
from core.accounts.permissions import require_roles
from core.audit.services import record_event
from core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from core.extensions import db
from core.files import send_attachment
from core.forms import apply_field_errors
from core.listing import Listing
from core.registry.models import Person

bp = Blueprint("repair", __name__)

QUEUE_SORTS = {"due_on": RepairApplication.due_on, "filed_on": RepairApplication.filed_on,
               "decided_on": RepairApplication.decided_on, "status": RepairApplication.status,
               "name": Person.name}
STATUS_FILTERS = ("pending", "approved", "rejected", "withdrawn", "all")


def _int(value) -> int | None:
    from core.safe_args import safe_int
    return safe_int(value)       # beyond 32 bits: no row, never a 500


def fix_links() -> dict[str, tuple[str, str]]:
    """Where the person fixes an unmet condition: code → (url, label); only endpoints that
    exist. The repair course: its study page when exactly one online repair course is open,
    else the catalogue filtered to 信用修复培训."""
    from core.templating import has_endpoint
    links: dict[str, tuple[str, str]] = {}
    course_ids = services.open_repair_courses()
    if len(course_ids) == 1 and has_endpoint("training.study"):
        links["repair_training"] = (url_for("training.study", course_id=course_ids[0]), _("参加信用修复培训"))
    elif has_endpoint("training.catalogue"):
        links["repair_training"] = (url_for("training.catalogue", category="repair"), _("参加信用修复培训"))
    elif has_endpoint("training.my_training"):
        links["repair_training"] = (url_for("training.my_training"), _("参加信用修复培训"))
    if has_endpoint("pledges.my_pledges"):
        links["repair_pledge"] = (url_for("pledges.my_pledges"), _("签署信用修复承诺"))
    return links


# --------------------------------------------------------------------------- the person


@bp.route("/my/records/<int:record_id>/repair", methods=["GET", "POST"])
@require_roles("servant")
def apply(record_id: int):
    """The record's repair page: conditions met or missing, the application form, history."""
    record = services.load_record_for(record_id, current_user, own_only=True)
    form = RepairApplyForm()
    status, refused = 200, None
    if form.validate_on_submit():
        try:
            services.apply_for_repair(record, current_user, form.correction.data, form.statement.data,
                                      evidence=request.files.getlist(form.evidence.name))
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
            status = 422
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            refused = [c for c in (exc.details or []) if not c["met"]]
            status = 409
        except DomainError as exc:  # an upload refused by core.files (type, size)
            db.session.rollback()
            apply_field_errors(form, {"evidence": exc.fields.get("file", exc.message)})
            status = exc.status if exc.status in (413, 422) else 422
        else:
            db.session.commit()
            flash(_("信用修复申请已提交，人事部门将在审核期限内作出决定。"), "success")
            return redirect(url_for("repair.apply", record_id=record.id))
    elif request.method == "POST":
        status = 422
    conditions = services.eligibility(record)
    applications = db.session.execute(services.own_applications(record.person_id, record.id)).scalars().all()
    pending = next((a for a in applications if a.status is RepairStatus.PENDING), None)
    return render_template("archive/repair/apply.html", record=record, form=form, conditions=conditions,
                           eligible=rules.repair_eligible(conditions), refused=refused,
                           applications=applications, pending=pending, links=fix_links(),
                           evidence={a.id: services.evidence_of(a) for a in applications}), status


@bp.route("/my/repairs")
@require_roles("servant")
def my_repairs():
    rows = db.session.execute(services.own_applications(current_user.person_id)).scalars().all() \
        if current_user.person_id else []
    return render_template("archive/repair/my_repairs.html", applications=rows, today=clock.today())


@bp.route("/my/repairs/<int:application_id>/withdraw", methods=["POST"])
@require_roles("servant")
def withdraw(application_id: int):
    app = services.load_application(application_id, current_user, manage=False)
    services.withdraw_repair(app, current_user)
    db.session.commit()
    flash(_("信用修复申请已撤回。"), "success")
    return redirect(url_for("repair.apply", record_id=app.record_id))


# --------------------------------------------------------------------------- HR


@bp.route("/repairs")
@require_roles("hr")
def queue():
    """Applications in scope with their deadlines; pending first by due date."""
    listing = Listing(request.args, QUEUE_SORTS, default_sort="due_on")
    status = request.args.get("status") or "pending"
    status = status if status in STATUS_FILTERS else "pending"
    overdue = request.args.get("overdue") == "1"
    today = clock.today()
    sel = services.applications_in_scope(current_user)
    if status != "all":
        sel = sel.where(RepairApplication.status == RepairStatus(status))
    if overdue:
        sel = sel.where(RepairApplication.status == RepairStatus.PENDING, RepairApplication.due_on < today)
    if listing.q:
        sel = sel.where(Person.name.contains(listing.q, autoescape=True))
    page = listing.paginate(sel)
    return render_template("archive/repair/queue.html", page=page, listing=listing, status=status,
                           overdue=overdue, today=today, statuses=RepairStatus,
                           records=services.records_by_id(a.record_id for a in page.items))


# the file's objections page links here as "repair.applications"
bp.add_url_rule("/repairs", endpoint="applications", view_func=queue)


def _detail_context(app: RepairApplication) -> dict:
    from archive.file.models import Record
    record = db.session.get(Record, app.record_id)
    conditions_now = services.eligibility(record) if app.status is RepairStatus.PENDING else None
    history = db.session.execute(services.own_applications(app.person_id, app.record_id)).scalars().all()
    return {"application": app, "record": record, "conditions_now": conditions_now,
            "evidence": services.evidence_of(app), "history": history, "today": clock.today(),
            "person": app.person}


@bp.route("/repairs/<int:application_id>")
@require_roles("hr")
def detail(application_id: int):
    app = services.load_application(application_id, current_user, manage=True)
    record_event("repair_view", app, f"查看信用修复申请（{app.person.name}）")
    db.session.commit()
    form = RepairDecisionForm(version=app.version)
    return render_template("archive/repair/detail.html", form=form, **_detail_context(app))


@bp.route("/repairs/<int:application_id>/decision", methods=["POST"])
@require_roles("hr")
def decide(application_id: int):
    app = services.load_application(application_id, current_user, manage=True)
    form = RepairDecisionForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.decide_repair(app, form.decision.data, form.reason.data, current_user,
                                   version=_int(form.version.data))
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
        except (Conflict, Forbidden) as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            db.session.commit()
            message = (_("已批准 %(name)s 的信用修复申请。", name=app.person.name)
                       if app.status is RepairStatus.APPROVED
                       else _("已驳回 %(name)s 的信用修复申请。", name=app.person.name))
            flash(message, "success")
            return redirect(url_for("repair.queue"))
    form.version.data = app.version
    return render_template("archive/repair/detail.html", form=form, **_detail_context(app)), status


@bp.route("/repairs/<int:application_id>/evidence/<int:evidence_id>")
@require_roles("hr", "servant")
def evidence(application_id: int, evidence_id: int):
    """Download one evidence file: HR in scope or the person; anyone else 404."""
    app = services.load_application(application_id, current_user, manage=False)
    att = services.evidence_file(app, evidence_id)
    return send_attachment(att)


# --------------------------------------------------------------------------- HR home card


def worklist_cards(user) -> list[dict]:
    if not user.has_role("hr"):
        return []
    pending, overdue = services.counts_in_scope(user)
    cards = []
    if pending:
        cards.append({"title": _("待审核的信用修复申请"), "count": pending, "url": url_for("repair.queue"),
                      "level": "warning"})
    if overdue:
        cards.append({"title": _("逾期未审核的信用修复申请"), "count": overdue,
                      "url": url_for("repair.queue", overdue=1), "level": "danger"})
    return cards
