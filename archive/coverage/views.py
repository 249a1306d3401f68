"""Pages of coverage: the dashboard with drill-down and trend, and the gap worklists."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.coverage import actions, facts, services
from core import clock
from core.accounts.permissions import require_department, require_roles
from core.audit.services import record_event
from core.errors import DomainError, NotFound
from core.extensions import db
from core.listing import Listing
from core.registry.models import Department, Person

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

GAP_SORTS = {"department": Person.department_path, "name": Person.name, "entry_date": Person.entry_date,
             "id": Person.id}
EXPORT_HEADERS = ["姓名", "公民身份号码", "单位", "职务", "缺少的项目"]
EXPORT_LIMIT = 200_000


def _department() -> Department:
    """?department_id= within the HR's subtree (default: the HR's own department), else 404."""
    raw = request.values.get("department_id", "").strip()
    if not raw:
        if current_user.department_id is None:
            raise NotFound(_("单位不存在"))
        return require_department(current_user.department_id)
    if not raw.isdigit():
        abort(422)      # a malformed parameter: the error page says 输入有误
    return require_department(int(raw))


def _as_of() -> date:
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return clock.today()
    try:
        return services.check_as_of(date.fromisoformat(raw))
    except ValueError:
        flash(_("统计日期格式须为 YYYY-MM-DD，已按今天统计。"), "warning")
    except DomainError as exc:
        flash(_("%(problem)s，已按今天统计。", problem=exc.fields.get("as_of", exc.message)), "warning")
    return clock.today()


def _metric(metric: str) -> str:
    if metric not in services.ALL_METRICS:
        abort(404)
    return metric


def _root() -> Department | None:
    """The HR's own department (None: an account without one sees from the department asked)."""
    return require_department(current_user.department_id) if current_user.department_id else None


def _refresh_if_year_turned() -> None:
    if facts.ensure_current():
        db.session.commit()


@bp.route("")
@require_roles("hr")
def dashboard():
    department = _department()
    as_of = _as_of()
    _refresh_if_year_turned()
    report = services.coverage(department, as_of)
    root = _root()
    headline = services.coverage(root, as_of) if root is not None and root.id != department.id else None
    points = services.trend(department, live=report)
    children = sorted(report.children, key=lambda r: (r[1].active == 0, r[1].rate("overall"),
                                                      -r[1].missing("overall")))
    worst = report.worst_child()
    return render_template("archive/coverage/dashboard.html", report=report, department=department,
                           headline=headline, root=root, children=children, worst=worst,
                           crumbs=services.ancestors_within(department, root) if root else [department],
                           points=points, trend_points=[(label, c.ratio("overall")) for label, c in points],
                           metrics=services.ALL_METRICS, labels=services.LABELS,
                           gap_labels=services.GAP_LABELS, as_of=as_of, today=clock.today())


@bp.route("/export")
@require_roles("hr")
def export():
    """The coverage table of the dashboard (each child department, 本级, 合计) as an Excel sheet; audited."""
    department = _department()
    as_of = _as_of()
    _refresh_if_year_turned()
    report = services.coverage(department, as_of)
    rows = [(d.name, c) for d, c in report.children]
    if report.direct.active:
        rows.append((f"本级（{department.name} 直属人员）", report.direct))
    rows.append(("合计", report.totals))
    headers = ["单位", "在职人数"] + [h for m in services.ALL_METRICS
                                     for h in (f"{services.SHORT_LABELS[m]}人数", f"{services.LABELS[m]}（%）")]
    data = [[name, c.active] + [v for m in services.ALL_METRICS
                                for v in (c.count(m), round(c.ratio(m) * 100, 1) if c.active else None)]
            for name, c in rows]
    record_event("export", department, f"导出覆盖率表（{department.name}，{as_of.isoformat()}）{len(rows)} 行")
    db.session.commit()
    from core.excel import export_response
    return export_response(f"覆盖率-{department.name}-{as_of:%Y%m%d}.xlsx", [str(h) for h in headers], data,
                           sheet_title="覆盖率")


def _gap_filters(department: Department):
    """The department filter (a department of the subtree) and the name search."""
    return department, (request.values.get("q") or "").strip()[:100]


def _pledge_state() -> str | None:
    """?pledge_state=pending|none (who already has a pending pledge); anything else: no filter."""
    state = request.values.get("pledge_state") or None
    return state if state in services.PLEDGE_STATES else None


def _subtree_choices(department: Department) -> list[tuple[int, str]]:
    import sqlalchemy as sa
    rows = db.session.execute(sa.select(Department.id, Department.name, Department.depth)
                              .where(Department.path.startswith(department.path, autoescape=True))
                              .order_by(Department.path)).all()
    return [(r.id, "　" * (r.depth - department.depth) + r.name) for r in rows]


@bp.route("/gaps")
@bp.route("/gaps/<metric>")
@require_roles("hr")
def gaps(metric: str | None = None):
    if metric is None:      # /coverage/gaps?metric=pledge works as well as /coverage/gaps/pledge
        metric = request.args.get("metric") or "overall"
        if metric not in services.ALL_METRICS:
            abort(422)
    metric = _metric(metric)
    department, q = _gap_filters(_department())
    _refresh_if_year_turned()
    pledge_state = _pledge_state() if metric in ("pledge", "overall") else None
    listing = Listing(request.args, GAP_SORTS, default_sort="department")
    report = services.coverage(department)
    page = services.gap_page(department, metric, listing, q=q, total=report.totals.missing(metric),
                             pledge_state=pledge_state)
    ids = [p.id for p in page.items]
    missing = services.missing_by_person(ids)
    pending = services.pending_pledges(ids) if metric in ("pledge", "overall") else None
    root = _root()
    return render_template("archive/coverage/gaps.html", metric=metric, department=department, q=q,
                           listing=listing, page=page, missing=missing, report=report, pending=pending,
                           pledge_state=pledge_state, pledge_states=services.PLEDGE_STATES, today=clock.today(),
                           crumbs=services.ancestors_within(department, root) if root else [department],
                           choices=_subtree_choices(root or department), metrics=services.ALL_METRICS,
                           labels=services.LABELS, gap_labels=services.GAP_LABELS,
                           templates=actions.pledge_template_choices(), courses=actions.course_choices(),
                           available=actions.available())


@bp.route("/gaps/<metric>/export")
@require_roles("hr")
def gaps_export(metric: str):
    metric = _metric(metric)
    department, q = _gap_filters(_department())
    sel = services.gaps_select(department, metric, q=q).order_by(Person.department_path, Person.name, Person.id)
    people = db.session.execute(sel.limit(EXPORT_LIMIT)).scalars().all()
    missing = services.missing_by_person([p.id for p in people])
    record_event("export", department, f"导出覆盖缺口名单（{services.GAP_LABELS[metric]}）{len(people)} 人")
    db.session.commit()
    rows = ([p.name, p.id_masked, p.department.name, p.post or "",
             "、".join(str(services.GAP_LABELS[m]) for m in missing.get(p.id, []))] for p in people)
    from core.excel import export_response
    return export_response(f"覆盖缺口-{services.GAP_LABELS[metric]}-{department.name}-{clock.today():%Y%m%d}.xlsx",
                           EXPORT_HEADERS, rows, sheet_title=str(services.GAP_LABELS[metric]))


@bp.route("/gaps/<metric>/act", methods=["POST"])
@require_roles("hr")
def gaps_act(metric: str):
    """A bulk action in two steps: the first POST shows what it would do ("将布置 N 人，跳过 M 人");
    only the second (confirm=1, the same fields carried in hidden inputs) runs it."""
    metric = _metric(metric)
    department, q = _gap_filters(_department())
    pledge_state = _pledge_state() if metric in ("pledge", "overall") else None
    back = url_for("coverage.gaps", metric=metric, department_id=department.id, q=q or None,
                   pledge_state=pledge_state)
    action = request.form.get("action", "")
    everyone = request.form.get("scope") == "all"
    selected = request.form.getlist("person_ids")
    ids = actions.target_select(department, metric, q=q, everyone=everyone, selected=selected,
                                pledge_state=pledge_state)
    if ids is None or actions.count(ids) == 0:
        flash(_("请先勾选人员，或选择“本范围内全部缺口人员”。"), "warning")
        return redirect(back)
    try:
        if request.form.get("confirm") != "1":
            preview = actions.preview(action, ids, metric=metric, form=request.form)
            return render_template("archive/coverage/confirm.html", metric=metric, department=department, q=q,
                                   pledge_state=pledge_state, preview=preview, back=back, everyone=everyone,
                                   selected=[x for x in selected if str(x).isdigit()][:1000],
                                   fields={k: request.form.get(k, "")[:40] for k in ("template_id", "due_on",
                                                                                    "course_id")},
                                   action_label=actions.ACTIONS.get(action, ""), gap_labels=services.GAP_LABELS)
        message = actions.run(action, ids, metric=metric, department=department, form=request.form)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message if not exc.fields else "；".join(str(v) for v in exc.fields.values()), "danger")
        return redirect(back)
    db.session.commit()
    flash(message, "success")
    return redirect(back)
