"""Pages of pledges: HR (templates, assignment, lists, fulfilment, overdue worklist), the
civil servant (my pledges, signing on a phone, the signed pledge and its PDF) and the public
pledge page (承诺公示, no login).

This module holds the blueprint, the helpers the pages share, the HR worklist card, the HR
lists and the public page; the other pages are registered on ``bp`` by the modules imported at
its end: ``template_views`` (templates), ``assign_views`` (assignment), ``pledge_views`` (one
pledge: view, PDF, publish, cancel, fulfilment) and ``sign_views`` (my pledges, signing)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.enums import PledgeKind
from archive.pledges import queries
from archive.pledges.models import Pledge, PledgeStatus, PledgeTemplate, TemplateStatus
from core import clock
from core.accounts.permissions import (
    can_manage_person,
    departments_in_scope,
    person_scope_clause,
    public,
    require_catalogue_change,
    require_department,
    require_not_self,
    require_roles,
    subtree_clause,
)
from core.errors import Forbidden, NotFound
from core.extensions import db
from core.listing import Listing
from core.registry.models import Department, Person

bp = Blueprint("pledges", __name__)

PLEDGE_SORTS = {"assigned": Pledge.assigned_at, "name": Person.name, "department": Person.department_path,
                "due": Pledge.due_on, "status": Pledge.status, "signed": Pledge.signed_at}
PUBLIC_SORTS = {"signed": Pledge.signed_at, "name": Person.name, "department": Person.department_path}


# ---- helpers ------------------------------------------------------------------------------

def _template(template_id: int, *, change: bool = False) -> PledgeTemplate:
    """A template version; ``change``: the current HR's department owns it (or is above), else 403."""
    tpl = db.session.get(PledgeTemplate, template_id)
    if tpl is None:
        raise NotFound(_("承诺书模板不存在"))
    if change:
        require_catalogue_change(tpl)
    return tpl


def _pledge(pledge_id: int, *, manage: bool = False) -> Pledge:
    """A pledge of a person in the current user's scope (404 otherwise)."""
    pledge = db.session.execute(queries.pledges_in_scope(current_user).where(Pledge.id == pledge_id)
                                ).scalar_one_or_none()
    if pledge is not None and manage:
        require_not_self(pledge.person)
    if pledge is None or (manage and not can_manage_person(current_user, pledge.person)):
        raise NotFound(_("承诺书不存在"))
    return pledge


def _require_person_account() -> None:
    """Pages of one's own pledges need an account linked to a person (not sysadmin/auditor)."""
    if not current_user.person_id:
        raise Forbidden(_("该账户未关联人员，没有需要签署的承诺"))


def _own_pledge(pledge_id: int) -> Pledge:
    _require_person_account()
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not current_user.person_id or pledge.person_id != current_user.person_id:
        raise NotFound(_("承诺书不存在"))
    return pledge


def _department_choices(blank: str | None = None) -> list[tuple[int, str]]:
    rows = db.session.execute(departments_in_scope(current_user).with_only_columns(
        Department.id, Department.name, Department.depth)).all()
    base = min((r.depth for r in rows), default=0)
    return ([(0, blank)] if blank else []) + [(r.id, "　" * (r.depth - base) + r.name) for r in rows]


def _template_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(PledgeTemplate).where(PledgeTemplate.status == TemplateStatus.PUBLISHED)
                              .order_by(PledgeTemplate.kind, PledgeTemplate.title)).scalars()
    return [(t.id, _("%(t)s（%(k)s，第%(v)s版）", t=t.title, k=t.kind.label, v=t.version)) for t in rows]


def _int(value) -> int | None:
    from core.safe_args import safe_int
    return safe_int(value)       # beyond 32 bits: no row, never a 500


# ---- worklist card ------------------------------------------------------------------------

def overdue_card(user) -> list[dict]:
    """HR home card: unsigned pledges past their due date in the user's scope."""
    if not user.has_role("hr"):
        return []
    sel = queries.overdue_in_scope(user, clock.today())
    count = db.session.execute(sa.select(sa.func.count()).select_from(sel.subquery())).scalar_one()
    if not count:
        return []
    return [{"title": _("逾期未签署的承诺"), "count": count, "url": url_for("pledges.overdue"), "level": "danger"}]


# ---- lists (HR) ---------------------------------------------------------------------------

def _filtered(sel, args):
    template_id = args.get("template_id", type=int)
    if template_id:
        tpl = _template(template_id)
        sel = sel.where(PledgeTemplate.template_key == tpl.template_key)
    dept_id = args.get("department_id", type=int)
    if dept_id:
        sel = sel.where(subtree_clause(Person.department_path, require_department(dept_id).path))
    kind = args.get("kind")
    if kind in PledgeKind.codes():
        sel = sel.where(Pledge.kind == PledgeKind(kind))
    status = args.get("status") or ""
    if status == "overdue":
        sel = sel.where(queries.overdue_clause(clock.today()))
    elif status in PledgeStatus.codes():
        sel = sel.where(Pledge.status == PledgeStatus(status))
    if args.get("published") == "1":
        sel = sel.where(Pledge.published.is_(True))
    q = (args.get("q") or "").strip()[:50]
    if q:
        sel = sel.where(Person.name.contains(q, autoescape=True))
    return sel


@bp.route("/pledges")
@require_roles("hr")
def pledges():
    listing = Listing(request.args, PLEDGE_SORTS, default_sort="assigned", default_dir="desc")
    sel = _filtered(queries.pledges_in_scope(current_user).where(person_scope_clause(current_user, manage=True)),
                    request.args)
    page = listing.paginate(sel)
    template_id = request.args.get("template_id", type=int)
    return render_template("archive/pledges/pledges.html", page=page, listing=listing,
                           tpl=db.session.get(PledgeTemplate, template_id) if template_id else None,
                           departments=_department_choices(blank=_("全部单位")), kinds=PledgeKind.choices(),
                           dept_id=request.args.get("department_id", type=int),
                           statuses=PledgeStatus.choices() + [("overdue", _("已逾期"))],
                           today=clock.today())


@bp.route("/pledges/overdue")
@require_roles("hr")
def overdue():
    today = clock.today()
    listing = Listing(request.args, PLEDGE_SORTS, default_sort="due")
    page = listing.paginate(queries.overdue_in_scope(current_user, today))
    return render_template("archive/pledges/overdue.html", page=page, listing=listing, today=today)


# ---- public ------------------------------------------------------------------------------

@bp.route("/public/pledges")
@public
def public_pledges():
    listing = Listing(request.args, PUBLIC_SORTS, default_sort="signed", default_dir="desc", per_page=30)
    sel = queries.public_pledges().join(Department, Department.id == Person.department_id)
    if listing.q:
        sel = sel.where(sa.or_(Person.name.contains(listing.q, autoescape=True),
                               Department.name.contains(listing.q, autoescape=True)))
    page = listing.paginate(sel)
    return render_template("archive/pledges/public.html", page=page, listing=listing)


from archive.pledges import (  # noqa: E402,F401 - register the other pages on bp
    assign_views,
    pledge_views,
    sign_views,
    template_views,
)
