"""Pages of pledges: HR (templates, assignment, lists, fulfilment, overdue worklist), the
civil servant (my pledges, signing on a phone, the signed pledge and its PDF) and the public
pledge page (承诺公示, no login)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from archive.enums import PledgeKind
from archive.pledges import queries, services
from archive.pledges.forms import AssignForm, CancelForm, FulfilmentForm, SignForm, TemplateForm
from archive.pledges.models import Pledge, PledgeStatus, PledgeTemplate, TemplateStatus
from core import clock
from core.accounts.permissions import (
    OWN_FILE_MESSAGE,
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
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
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



# ---- templates (HR) -----------------------------------------------------------------------

@bp.route("/pledges/templates")
@require_roles("hr")
def templates():
    rows = db.session.execute(sa.select(PledgeTemplate).order_by(PledgeTemplate.kind, PledgeTemplate.template_key,
                                                                 PledgeTemplate.version.desc())).scalars().all()
    families: dict[str, list[PledgeTemplate]] = {}
    for t in rows:
        families.setdefault(t.template_key, []).append(t)
    counts = {}
    for key, status, n in db.session.execute(
            sa.select(PledgeTemplate.template_key, Pledge.status, sa.func.count())
            .join(Pledge, Pledge.template_id == PledgeTemplate.id).join(Person, Person.id == Pledge.person_id)
            .where(person_scope_clause(current_user)).group_by(PledgeTemplate.template_key, Pledge.status)):
        counts.setdefault(key, {})[status.value if hasattr(status, "value") else status] = n
    return render_template("archive/pledges/templates.html", families=list(families.values()), counts=counts)


@bp.route("/pledges/templates/new", methods=["GET", "POST"])
@require_roles("hr")
def template_new():
    form = TemplateForm()
    if request.method == "GET" and request.args.get("kind") in PledgeKind.codes():
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        try:
            tpl = services.create_template(kind=form.kind.data, title=form.title.data, body=form.body.data,
                                           created_by=current_user, publish=form.publish.data)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("承诺书模板已发布。") if tpl.status is TemplateStatus.PUBLISHED else _("草稿已保存。"), "success")
            return redirect(url_for("pledges.template", pledge_template_id=tpl.id))
    return render_template("archive/pledges/template_form.html", form=form, tpl=None)


@bp.route("/pledges/templates/<int:pledge_template_id>")
@require_roles("hr")
def template(pledge_template_id: int):
    tpl = _template(pledge_template_id)
    stats = dict(db.session.execute(
        sa.select(Pledge.status, sa.func.count()).join(Person, Person.id == Pledge.person_id)
        .where(Pledge.template_id == tpl.id, person_scope_clause(current_user)).group_by(Pledge.status)).all())
    return render_template("archive/pledges/template.html", tpl=tpl, versions=services.versions_of(tpl),
                           draft=services.draft_of(tpl), stats={getattr(k, "value", k): v for k, v in stats.items()},
                           sha256=services.text_sha256(tpl.text))


@bp.route("/pledges/templates/<int:pledge_template_id>/edit", methods=["GET", "POST"])
@require_roles("hr")
def template_edit(pledge_template_id: int):
    tpl = _template(pledge_template_id, change=True)
    draft = services.draft_of(tpl)
    if not tpl.editable and draft is not None:
        flash(_("该模板已有第%(v)s版草稿，请在草稿上修改。", v=draft.version), "info")
        return redirect(url_for("pledges.template_edit", pledge_template_id=draft.id))
    form = TemplateForm(obj=tpl if request.method == "GET" else None)
    form.kind.render_kw = {"disabled": True}
    if request.method == "POST":
        form.kind.data = tpl.kind.value
    if form.validate_on_submit():
        try:
            saved = services.edit_template(tpl, title=form.title.data, body=form.body.data,
                                           created_by=current_user, row_version=_int(form.row_version.data))
            if form.publish.data:
                services.publish_template(saved)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        except Conflict as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("已发布。") if saved.status is TemplateStatus.PUBLISHED else
                  (_("已生成第%(v)s版草稿。", v=saved.version) if saved.id != tpl.id else _("草稿已保存。")), "success")
            return redirect(url_for("pledges.template", pledge_template_id=saved.id))
    return render_template("archive/pledges/template_form.html", form=form, tpl=tpl)


@bp.route("/pledges/templates/<int:pledge_template_id>/publish", methods=["POST"])
@require_roles("hr")
def template_publish(pledge_template_id: int):
    tpl = services.publish_template(_template(pledge_template_id, change=True))
    db.session.commit()
    flash(_("《%(t)s》第%(v)s版已发布，此后不可修改。", t=tpl.title, v=tpl.version), "success")
    return redirect(url_for("pledges.template", pledge_template_id=tpl.id))


@bp.route("/pledges/templates/<int:pledge_template_id>/retire", methods=["POST"])
@require_roles("hr")
def template_retire(pledge_template_id: int):
    tpl = services.retire_template(_template(pledge_template_id, change=True))
    db.session.commit()
    flash(_("《%(t)s》第%(v)s版已停用，不能再分配。", t=tpl.title, v=tpl.version), "success")
    return redirect(url_for("pledges.template", pledge_template_id=tpl.id))


# ---- assignment (HR) ----------------------------------------------------------------------

def _assign_target(form: AssignForm):
    """The ``select(Person.id)`` the form asks for (raises ValidationFailed with fields)."""
    mode = form.mode.data
    if mode == "person":
        from core.registry.services import search_clause
        text = (form.person.data or "").strip()
        if not text:
            raise ValidationFailed({"person": _("请输入人员姓名或完整公民身份号码")})
        ids = db.session.execute(sa.select(Person.id).where(
            search_clause(text), person_scope_clause(current_user, manage=True, include_self=True))
            .limit(3)).scalars().all()
        if ids == [current_user.person_id]:
            raise ValidationFailed({"person": str(OWN_FILE_MESSAGE)})     # no one acts on their own file
        if not ids:
            raise ValidationFailed({"person": _("在您的管理范围内未找到该人员")})
        if len(ids) > 1:
            raise ValidationFailed({"person": _("匹配到多名人员，请输入完整公民身份号码")})
        return queries.select_people(person_ids=ids, status=None)
    if mode == "department":
        if not form.department_id.data:
            raise ValidationFailed({"department_id": _("请选择单位")})
        dept = require_department(form.department_id.data)
        return queries.select_people(department=dept, include_children=form.include_children.data,
                                     leading_only=form.leading_only.data)
    if mode == "missing":
        dept = require_department(form.department_id.data) if form.department_id.data else None
        return queries.select_people(department=dept, leading_only=form.leading_only.data,
                                     missing_pre_appointment=True, within=current_user)
    raise ValidationFailed({"mode": _("请选择分配对象")})


@bp.route("/pledges/assign", methods=["GET", "POST"])
@require_roles("hr")
def assign():
    form = AssignForm()
    form.template_id.choices = _template_choices()
    form.department_id.choices = _department_choices(blank=_("（请选择单位）"))
    if request.method == "GET":
        form.template_id.data = request.args.get("template_id", type=int)
        if request.args.get("person_id", type=int):
            person = db.session.execute(sa.select(Person).where(
                Person.id == request.args.get("person_id", type=int),
                person_scope_clause(current_user, manage=True))).scalar_one_or_none()
            if person is not None:
                form.mode.data, form.person.data = "person", person.name
        if request.args.get("mode") in ("person", "department", "missing"):
            form.mode.data = request.args["mode"]
    if form.validate_on_submit() and request.form.get("edit") != "1":
        tpl = db.session.get(PledgeTemplate, form.template_id.data or 0)
        try:
            if tpl is None:
                raise ValidationFailed({"template_id": _("请选择已发布的承诺书模板")})
            if form.mode.data == "missing" and tpl.kind is not PledgeKind.PRE_APPOINTMENT:
                raise ValidationFailed({"template_id": _("“尚无有效任职前承诺”只能分配任职前承诺模板")})
            target = _assign_target(form)
            if request.form.get("confirm") != "1":     # first the preview: how many, how many skipped
                preview = services.assign_preview(tpl, target, due_on=form.due_on.data, assigned_by=current_user)
                return render_template("archive/pledges/assign_confirm.html", form=form, tpl=tpl, preview=preview)
            result = services.assign(tpl, target, due_on=form.due_on.data, assigned_by=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已分配 %(a)s 人，跳过 %(s)s 人（已持有有效或待签署的同类承诺）。", a=result.assigned, s=result.skipped),
                  "success" if result.assigned else "info")
            return redirect(url_for("pledges.pledges", template_id=tpl.id))
    return render_template("archive/pledges/assign.html", form=form)


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


# ---- one pledge (HR in scope, or the person) ---------------------------------------------

def _record_url(record_id: int) -> str | None:
    """Link to the draft record of a "not kept" fulfilment (the file package's page, if any)."""
    from werkzeug.routing import BuildError
    for endpoint in ("file.record", "file.record_detail"):
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, record_id=record_id)
            except BuildError:
                continue
    return None


def _render_pledge(p: Pledge, fulfilment_form: FulfilmentForm | None = None, status: int = 200):
    return render_template("archive/pledges/pledge.html", pledge=p, manage=can_manage_person(current_user, p.person),
                           own=p.person_id == current_user.person_id, timeline=services.timeline(p),
                           today=clock.today(), fulfilment_form=fulfilment_form or FulfilmentForm(prefix="f"),
                           cancel_form=CancelForm(prefix="c"), record_url=_record_url,
                           text=p.signed_text if p.is_signed else p.template.text), status


@bp.route("/pledges/<int:pledge_id>")
@require_roles("hr", "servant", "committee")
def pledge(pledge_id: int):
    p = _pledge(pledge_id)
    from core.audit.services import record_event
    record_event("pledge_view", p, f"查看《{p.template.title}》")
    db.session.commit()
    return _render_pledge(p)


@bp.route("/pledges/<int:pledge_id>/pdf")
@require_roles("hr", "servant", "committee")
def pledge_pdf(pledge_id: int):
    p = _pledge(pledge_id)
    doc, data = services.print_pledge(p, current_user)
    db.session.commit()
    filename = f"pledge-{p.id}-{doc.serial}.pdf"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Document-Serial": doc.serial})


@bp.route("/pledges/<int:pledge_id>/publish", methods=["POST"])
@require_roles("hr")
def pledge_publish(pledge_id: int):
    p = services.publish_pledge(_pledge(pledge_id, manage=True))
    db.session.commit()
    flash(_("已在承诺公示页公开（姓名、单位、职务、承诺名称、日期）。"), "success")
    return redirect(url_for("pledges.pledge", pledge_id=p.id))


@bp.route("/pledges/<int:pledge_id>/unpublish", methods=["POST"])
@require_roles("hr")
def pledge_unpublish(pledge_id: int):
    p = services.unpublish_pledge(_pledge(pledge_id, manage=True))
    db.session.commit()
    flash(_("已取消公示。"), "success")
    return redirect(url_for("pledges.pledge", pledge_id=p.id))


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["POST"])
@require_roles("hr")
def pledge_cancel(pledge_id: int):
    p = _pledge(pledge_id, manage=True)
    form = CancelForm(prefix="c")
    try:
        services.cancel_pledge(p, form.reason.data if form.validate_on_submit() else "")
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.fields.get("reason", exc.message), "danger")
    else:
        db.session.commit()
        flash(_("已撤销该签署任务。"), "success")
    return redirect(url_for("pledges.pledge", pledge_id=p.id))


@bp.route("/pledges/<int:pledge_id>/fulfilment", methods=["POST"])
@require_roles("hr")
def pledge_fulfilment(pledge_id: int):
    p = _pledge(pledge_id, manage=True)
    form = FulfilmentForm(prefix="f")
    if form.validate_on_submit():
        try:
            f = services.record_fulfilment(p, period=form.period.data, kept=form.kept.data == "1",
                                           facts=form.facts.data, recorded_by=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
        except Conflict as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields or {"_": exc.message})
        else:
            db.session.commit()
            flash(_("践诺情况已记录。") + (_("已生成“承诺未履行”失信记录草稿，请在失信记录中核实并告知本人。")
                                          if f.record_id else ""), "success")
            return redirect(url_for("pledges.pledge", pledge_id=p.id))
    return _render_pledge(p, form, 422)


# ---- the civil servant ---------------------------------------------------------------------

@bp.route("/my/pledges")
@login_required
def my_pledges():
    _require_person_account()
    rows = db.session.execute(queries.pledges_of_person(current_user.person_id)).scalars().all()
    todo = [p for p in rows if p.status is PledgeStatus.ASSIGNED]
    signed = [p for p in rows if p.status is PledgeStatus.SIGNED]
    return render_template("archive/pledges/my_pledges.html", todo=todo, signed=signed,
                           today=clock.today())


@bp.route("/my/pledges/<int:pledge_id>/sign", methods=["GET", "POST"])
@login_required
def sign(pledge_id: int):
    p = _own_pledge(pledge_id)
    if p.status is PledgeStatus.SIGNED:
        flash(_("该承诺书已签署。"), "info")
        return redirect(url_for("pledges.pledge", pledge_id=p.id))
    if p.status is not PledgeStatus.ASSIGNED:
        raise NotFound(_("承诺书不存在或已撤销"))
    text = p.template.text
    digest = services.text_sha256(text)
    form = SignForm()
    from core.accounts import sso
    sso_session, reauthenticated = bool(session.get("sso")), sso.reauth_fresh()
    if request.method == "GET":
        services.open_pledge(p, current_user)
        db.session.commit()
        form.text_sha256.data = digest
    elif form.validate_on_submit():
        try:
            services.sign_pledge(p, current_user, password=form.password.data or "",
                                 typed_name=form.typed_name.data or "", agree=bool(form.agree.data),
                                 ip=request.remote_addr, user_agent=request.headers.get("User-Agent"),
                                 text_sha256_seen=form.text_sha256.data or None,
                                 reauthenticated=sso_session and reauthenticated)
        except ValidationFailed as exc:
            db.session.rollback()
            if sso_session and "password" in exc.fields and not form.password.data:
                exc.fields["password"] = _("请先点击“通过统一身份认证确认身份”完成身份确认（确认后 %(m)s 分钟内有效）",
                                           m=sso.REAUTH_VALID_SECONDS // 60)
            apply_field_errors(form, exc.fields)
            if exc.fields.get("password") == services.WRONG_PASSWORD:
                services.note_failed_signature(_own_pledge(pledge_id), current_user)
                db.session.commit()
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            sso.clear_reauth()
            flash(_("签署成功。承诺书全文及签署凭证已存档，可在本页查看。"), "success")
            return redirect(url_for("pledges.pledge", pledge_id=p.id))
        p = _own_pledge(pledge_id)
    form.password.data = ""
    return render_template("archive/pledges/sign.html", pledge=p, form=form, text=text, sha256=digest,
                           today=clock.today(), sso_session=sso_session, reauthenticated=reauthenticated)


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

