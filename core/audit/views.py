"""The auditor's pages: browse and filter the log, run the chain check."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request

from core import clock
from core.accounts.permissions import require_roles
from core.audit.models import AuditEvent
from core.audit.services import record_event, verify_chain
from core.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/")
@require_roles("auditor")
def events():
    args = request.args
    sel = db.select(AuditEvent)
    filters = {k: (args.get(k) or "").strip()[:64] for k in ("actor", "action", "target_type", "outcome")}
    if filters["actor"]:
        sel = sel.where(AuditEvent.actor_name.contains(filters["actor"], autoescape=True))
    if filters["action"]:
        sel = sel.where(AuditEvent.action == filters["action"])
    if filters["target_type"]:
        sel = sel.where(AuditEvent.target_type == filters["target_type"])
    if filters["outcome"]:
        sel = sel.where(AuditEvent.outcome == filters["outcome"])
    person_id = args.get("person_id", type=int)
    if person_id:
        sel = sel.where(AuditEvent.person_id == person_id)
    start, end = _date(args.get("from")), _date(args.get("to"))
    if start:
        sel = sel.where(AuditEvent.occurred_at >= clock.start_of_day(start))
    if end:
        sel = sel.where(AuditEvent.occurred_at < clock.start_of_day(end + timedelta(days=1)))
    page = db.paginate(sel.order_by(AuditEvent.id.desc()), per_page=50, error_out=False)
    actions = db.session.execute(db.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars().all()
    return render_template("core/audit_events.html", page=page, filters=filters, person_id=person_id,
                           start=args.get("from", ""), end=args.get("to", ""), actions=actions)


@bp.route("/verify", methods=["POST"])
@require_roles("auditor")
def verify():
    report = verify_chain()
    record_event("audit_verify", None, "完整" if report.ok else f"损坏: {report.problem}",
                 outcome="success" if report.ok else "failure")
    db.session.commit()
    return render_template("core/audit_verify.html", report=report)
