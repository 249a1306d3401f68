"""Pages and API of account activation (API.md "Accounts for every civil servant").

- ``/activate`` (public, phone-first): a person activates their own servant account;
- ``/welcome``: what is waiting for a newly activated servant (pledges, courses);
- ``/activations`` (HR): batches of codes for a department subtree or chosen people, slips PDF;
- API: ``POST /api/v1/activations``, ``GET /api/v1/activations/{id}/slips.pdf``,
  ``POST /api/v1/activate`` (no auth, rate-limited).
"""
from __future__ import annotations

import re
from typing import Annotated

import pydantic
from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from core import crypto, wiring
from core.accounts import activation
from core.accounts.permissions import person_scope_clause, public, require_department, require_roles
from core.api import Body, api_blueprint, api_route
from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from core.forms import BaseForm, apply_field_errors, length, required

bp = Blueprint("activation", __name__)
api = api_blueprint("activation_api")

# ---- rate limits: per IP address and per person ------------------------------------------------

def hit_activation_limits(id_number: str | None) -> None:
    """RATELIMIT_ACTIVATE per client address and again per id number (429 beyond it)."""
    cfg = current_app.config
    if not cfg.get("RATELIMIT_ENABLED", True) or not cfg.get("RATELIMIT_ACTIVATE"):
        return
    from flask_limiter.util import get_remote_address
    from limits import parse_many

    from core.extensions import limiter
    strategy = limiter.limiter if limiter.initialized else None
    if strategy is None:
        return
    keys = ["ip:" + (get_remote_address() or "-")]
    digits = re.sub(r"\s", "", (id_number or "")).upper()[:32]
    if digits:
        keys.append("person:" + crypto.keyed_hash("activate:" + digits)[:32])
    for item in parse_many(cfg["RATELIMIT_ACTIVATE"]):
        for key in keys:
            if not strategy.hit(item, "activate", key):
                raise TooManyRequests()


# ---- /activate ---------------------------------------------------------------------------------

class ActivateForm(BaseForm):
    id_number = StringField(_l("公民身份号码"), validators=[required(), length(32)],
                            render_kw={"autocomplete": "off", "inputmode": "text", "autocapitalize": "characters"})
    name = StringField(_l("姓名"), validators=[required(), length(50)], render_kw={"autocomplete": "name"})
    code = StringField(_l("激活码"), validators=[required(), length(32)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters",
                                  "placeholder": "XXXX-XXXX-XXXX"})
    username = StringField(_l("自设用户名"), validators=[required(), length(64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "off"})
    password = PasswordField(_l("自设密码"), validators=[required(), length(256)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("再次输入密码"), validators=[required(), length(256)],
                            render_kw={"autocomplete": "new-password"})


@bp.route("/activate", methods=["GET", "POST"])
@public
def activate():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = ActivateForm()
    if form.validate_on_submit():
        hit_activation_limits(form.id_number.data)
        if form.password.data != form.confirm.data:
            form.confirm.errors.append(_("两次输入的密码不一致"))
        else:
            try:
                user = activation.activate(id_number=form.id_number.data, name=form.name.data,
                                           code=form.code.data, username=form.username.data,
                                           password=form.password.data)
            except ValidationFailed as exc:
                db.session.rollback()
                apply_field_errors(form, exc.fields)
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
            else:
                db.session.commit()
                from core.accounts.views import _finish_login
                flash(_("账户已激活，欢迎使用。"), "success")
                return _finish_login(user, mfa=False, target=url_for("activation.welcome"))
    return render_template("core/activate.html", form=form, min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                           classes=current_app.config["PASSWORD_REQUIRE_CLASSES"])


@bp.route("/welcome")
@login_required
def welcome():
    """A newly activated servant: what is waiting (the full to-do home is the home page)."""
    # fn(user) -> [{"title", "detail", "url"}]: pledges to sign, courses due (core.wiring WELCOME)
    items = [item for provider in wiring.hooks(wiring.WELCOME) for item in provider(current_user)]
    return render_template("core/welcome.html", items=items)


# ---- HR: batches and slips ---------------------------------------------------------------------

class BatchForm(BaseForm):
    department_id = SelectField(_l("单位（含下级单位）"), coerce=int, validate_choice=False)
    person_ids = TextAreaField(_l("或指定人员编号（每行或以逗号分隔）"), validators=[Optional(), length(20000)])


def _department_choices():
    from core.accounts.permissions import departments_in_scope
    rows = db.session.execute(departments_in_scope(current_user)).scalars().all()
    return [(0, _("（按人员编号）"))] + [(d.id, "　" * d.depth + d.name) for d in rows]


def _parse_ids(text: str) -> list[int] | None:
    parts = [p for p in re.split(r"[\s,，、;；]+", text or "") if p]
    if not parts:
        return []
    if len(parts) > 5000 or not all(p.isdigit() and 0 < int(p) < 2**31 for p in parts):
        return None
    return sorted({int(p) for p in parts})


def _in_scope(q):
    return q.where(person_scope_clause(current_user, manage=True))


@bp.route("/activations", methods=["GET", "POST"])
@require_roles("hr")
def batches():
    form = BatchForm()
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        ids = _parse_ids(form.person_ids.data)
        if ids is None:
            form.person_ids.errors.append(_("人员编号须为正整数"))
        elif not form.department_id.data and not ids:
            form.department_id.errors.append(_("请选择单位或填写人员编号"))
        else:
            department = require_department(form.department_id.data) if form.department_id.data else None
            try:
                result = activation.create_batch(actor=current_user, department=department, person_ids=ids or None,
                                                 in_scope=_in_scope)
            except NotFound:
                db.session.rollback()
                form.person_ids.errors.append(_("有人员不存在或不在您的管理范围内"))
            else:
                db.session.commit()
                b = result.batch
                flash(_("已生成激活码 %(n)s 个（邮件 %(e)s、短信 %(s)s、打印 %(p)s），跳过 %(k)s 人（已有账户或非在职）。",
                        n=b.created, e=b.sent_email, s=b.sent_sms, p=b.created - b.sent_email - b.sent_sms,
                        k=b.skipped), "success")
                return redirect(url_for("activation.batches"))
    page = db.paginate(activation.batches_in_scope(current_user), per_page=50, error_out=False)
    return render_template("core/activations.html", form=form, page=page)


@bp.route("/activations/<int:batch_id>/slips.pdf")
@require_roles("hr")
def slips(batch_id: int):
    batch = activation.batch_for(current_user, batch_id)
    pdf = activation.slips_pdf(batch)
    db.session.commit()
    return _pdf_response(pdf, batch)


def _pdf_response(pdf: bytes, batch) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="activation-slips-{batch.id}.pdf"',
        "Cache-Control": "no-store"})


# ---- API ---------------------------------------------------------------------------------------

class BatchBody(Body):
    department_id: int | None = pydantic.Field(None, ge=1)
    person_ids: list[Annotated[int, pydantic.Field(ge=1)]] | None = pydantic.Field(None, max_length=5000)


class ActivateBody(Body):
    id_number: str = pydantic.Field(min_length=1, max_length=32)
    name: str = pydantic.Field(min_length=1, max_length=50)
    code: str = pydantic.Field(min_length=1, max_length=32)
    username: str = pydantic.Field(min_length=1, max_length=64)
    password: str = pydantic.Field(min_length=1, max_length=256)


@api_route(api, "/activations", methods=("POST",), summary="Create activation codes (HR in scope)",
           body=BatchBody, roles=("hr",), status=201, tag="accounts",
           response={"type": "object", "properties": {
               "batch_id": {"type": "integer"}, "created": {"type": "integer"}, "skipped": {"type": "integer"},
               "sent_email": {"type": "integer"}, "sent_sms": {"type": "integer"}}})
def api_create_batch(body: BatchBody):
    if body.department_id is None and not body.person_ids:
        raise ValidationFailed({"department_id": _("请选择单位或人员")})
    department = require_department(body.department_id) if body.department_id else None
    result = activation.create_batch(actor=current_user, department=department,
                                     person_ids=sorted(set(body.person_ids)) if body.person_ids else None,
                                     in_scope=_in_scope)
    b = result.batch
    return {"batch_id": b.id, "created": b.created, "skipped": b.skipped, "sent_email": b.sent_email,
            "sent_sms": b.sent_sms}


@api_route(api, "/activations/<int:batch_id>/slips.pdf", summary="The activation slips of a batch (PDF)",
           roles=("hr",), raw=True, tag="accounts",
           response={"type": "string", "format": "binary", "contentMediaType": "application/pdf"})
def api_slips(batch_id: int):
    batch = activation.batch_for(current_user, batch_id)
    pdf = activation.slips_pdf(batch)
    db.session.commit()
    return _pdf_response(pdf, batch)


@api_route(api, "/activate", methods=("POST",), summary="Activate one's own servant account (no auth)",
           body=ActivateBody, public=True, status=201, tag="accounts", response={"type": "object", "properties": {"username": {"type": "string"}}})
def api_activate(body: ActivateBody):
    hit_activation_limits(body.id_number)
    try:
        user = activation.activate(id_number=body.id_number, name=body.name, code=body.code,
                                   username=body.username, password=body.password)
    except DomainError:
        db.session.rollback()
        raise
    return {"username": user.username}
