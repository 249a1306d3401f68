"""The HR worklists of the file (pages of the file blueprint): records, objections with the
pending complaints, and people appraised 不称职 (incompetent) recently."""
from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_login import current_user

from archive.enums import Category, RecordStatus
from archive.file import services, worklists
from archive.file.models import Complaint, Objection, ObjectionStatus, Record
from archive.file.views import bp
from core import clock
from core.accounts.permissions import require_roles
from core.extensions import db
from core.listing import Listing
from core.registry.models import Person

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
