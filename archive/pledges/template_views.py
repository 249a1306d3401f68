"""Pledge templates (pages of the pledges blueprint, HR): the list of template families with
their pledge counts, new, one version, edit (a published version gets a new draft), publish
and retire."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.enums import PledgeKind
from archive.pledges import services
from archive.pledges.forms import TemplateForm
from archive.pledges.models import Pledge, PledgeTemplate, TemplateStatus
from archive.pledges.views import _int, _template, bp
from core.accounts.permissions import person_scope_clause, require_roles
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.registry.models import Person


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
