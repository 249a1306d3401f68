"""The auditor's pages: browse and filter the log (by person too, with the batch events of
their trail), export it to Excel, run the chain check."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import clock
from core.accounts.permissions import require_roles
from core.audit.labels import action_label, target_label
from core.audit.models import AuditEvent
from core.audit.services import record_event, verify_chain
from core.audit.trail import actor_kind, find_people, person_trail_clause
from core.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

EXPORT_LIMIT = 100_000
ACTOR_KINDS = {"public": _l("公众查验"), "anonymous": _l("未登录访问"), "system": _l("系统/命令行")}


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filtered():
    """(select, context) of the events matching the query string (the page and the export)."""
    from core.registry.models import Person
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
    # a person: chosen from the matches (person_id) or searched by name / id number (person)
    person_text = (args.get("person") or "").strip()[:50]
    person_id = args.get("person_id", type=int)
    matches = []
    if person_id is not None and not 0 < person_id < 2 ** 31:     # no such person (and no integer overflow)
        sel, person_id = sel.where(sa.false()), None
    if person_id:
        chosen = db.session.get(Person, person_id)
        matches = [chosen] if chosen else []
        sel = sel.where(person_trail_clause([person_id]))
    elif person_text:
        matches = find_people(person_text)
        sel = sel.where(person_trail_clause([p.id for p in matches]))
    start, end = _date(args.get("from")), _date(args.get("to"))
    if start:
        sel = sel.where(AuditEvent.occurred_at >= clock.start_of_day(start))
    if end:
        sel = sel.where(AuditEvent.occurred_at < clock.start_of_day(end + timedelta(days=1)))
    keep_args = {k: v for k, v in args.items() if k not in ("person", "person_id", "page")}
    context = {"filters": filters, "person_id": person_id, "keep_args": keep_args, "person_text": person_text, "matches": matches,
               "start": args.get("from", ""), "end": args.get("to", "")}
    return sel.order_by(AuditEvent.id.desc()), context


def _people_of(events) -> dict:
    from core.registry.models import Person
    ids = {e.person_id for e in events if e.person_id}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Person.id, Person.name, Person.id_masked).where(Person.id.in_(ids)))
    return {r.id: r for r in rows}


@bp.route("/")
@require_roles("auditor")
def events():
    sel, context = _filtered()
    page = db.paginate(sel, per_page=50, error_out=False)
    actions = db.session.execute(db.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars().all()
    return render_template("core/audit_events.html", page=page, actions=actions, people=_people_of(page.items),
                           actor_kind=actor_kind, actor_kinds=ACTOR_KINDS, **context)


EXPORT_HEADERS = ["序号", "时间", "操作人", "操作", "对象", "对象编号", "人员", "公民身份号码", "IP", "结果", "摘要"]


@bp.route("/export")
@require_roles("auditor")
def export():
    """The filtered log as an Excel sheet (at most EXPORT_LIMIT events); the export is itself audited."""
    sel, context = _filtered()
    events = db.session.execute(sel.limit(EXPORT_LIMIT)).scalars().all()
    people = _people_of(events)
    record_event("export", None, f"导出审计日志 {len(events)} 条（Excel）"
                 + (f"，人员：{'、'.join(p.name for p in context['matches'][:5])}" if context["matches"] else ""))
    db.session.commit()
    zone = clock.zone()
    rows = ([e.id, e.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
             e.actor_name if actor_kind(e) == "user" else str(ACTOR_KINDS[actor_kind(e)]),
             action_label(e.action), target_label(e.target_type), e.target_id,
             people[e.person_id].name if e.person_id in people else "",
             people[e.person_id].id_masked if e.person_id in people else "",
             "" if e.ip == "cli" else (e.ip or ""), _("成功") if e.outcome == "success" else _("失败"), e.summary]
            for e in events)
    from core.excel import export_response
    return export_response(f"审计日志-{clock.today():%Y%m%d}.xlsx", EXPORT_HEADERS, rows, sheet_title="审计日志")


@bp.route("/verify", methods=["POST"])
@require_roles("auditor")
def verify():
    report = verify_chain()
    record_event("audit_verify", None, "完整" if report.ok else f"损坏: {report.problem}",
                 outcome="success" if report.ok else "failure")
    db.session.commit()
    return render_template("core/audit_verify.html", report=report)
