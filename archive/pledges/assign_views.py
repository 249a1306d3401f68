"""Assigning a pledge template (a page of the pledges blueprint, HR): to one person, a
department (with sub-units, leading cadres only) or the people without a valid pre-appointment
pledge, with a preview of how many are assigned and skipped before confirming."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.enums import PledgeKind
from archive.pledges import queries, services
from archive.pledges.forms import AssignForm
from archive.pledges.models import PledgeTemplate
from archive.pledges.views import _department_choices, _template_choices, bp
from core.accounts.permissions import OWN_FILE_MESSAGE, person_scope_clause, require_department, require_roles
from core.errors import ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.registry.models import Person


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
