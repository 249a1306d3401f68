"""User administration by the system administrator (pages of the accounts blueprint): the user
list, the person lookup, creating and editing accounts, two-factor and password resets."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required

from core.accounts import auth, grants, services, totp
from core.accounts.forms import UserForm
from core.accounts.models import User
from core.accounts.permissions import require_roles
from core.accounts.tokens import revoke_all_tokens
from core.accounts.views import bp
from core.audit.services import record_event
from core.errors import Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.registry.models import Department


def _department_choices():
    rows = db.session.execute(db.select(Department.id, Department.name, Department.depth, Department.path)).all()
    rows.sort(key=lambda r: [int(part) for part in r.path.strip("/").split("/") if part.isdigit()])  # tree order
    return [(0, _("（无）"))] + [(r.id, "　" * r.depth + r.name) for r in rows]


@bp.route("/admin/users")
@require_roles("sysadmin", "secadmin")
def users():
    q = (request.args.get("q") or "").strip()
    sel = db.select(User).order_by(User.username)
    if q:
        sel = sel.where(User.username.contains(q, autoescape=True) | User.display_name.contains(q, autoescape=True))
    page = db.paginate(sel, per_page=50, error_out=False)
    return render_template("core/users.html", page=page, q=q)


LOOKUP_LIMIT = 10


@bp.route("/admin/people/lookup")
@require_roles("sysadmin")
def person_lookup():
    """The account form's person search (the sysadmin has no people list): a name, a full id
    number or its last 4-6 characters -> at most LOOKUP_LIMIT people with name, department and
    masked id number only."""
    from core.registry.lookup import lookup_people
    people = lookup_people(request.args.get("q", ""), limit=LOOKUP_LIMIT)
    return jsonify({"items": [{"id": p.id, "name": p.name, "department": p.department.name,
                               "id_masked": p.id_masked} for p in people]})


def _person_from_form(form) -> int | None:
    """The chosen person (hidden person_id, set by the search), else the search text when it
    names exactly one person; several or none is a field error."""
    from core.registry.lookup import lookup_people
    chosen = _int_or_none(form.person_id.data)
    text = (form.person_query.data or "").strip()
    if chosen is not None and not 0 < chosen < 2 ** 31:      # beyond any id (and PostgreSQL's integer)
        raise ValidationFailed({"person_query": _("人员不存在")})
    if chosen or not text:
        return chosen
    found = lookup_people(text, limit=2)
    if len(found) != 1:
        raise ValidationFailed({"person_query": _("找到多名人员，请输入完整姓名或公民身份号码后 6 位后从列表中选择")
                                if found else _("没有找到该人员")})
    return found[0].id


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require_roles("sysadmin")
@fresh_login_required
def user_new():
    form = UserForm()
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(username=form.username.data, display_name=form.display_name.data,
                                        roles=form.roles.data, password=form.password.data or "",
                                        department_id=form.department_id.data or None,
                                        person_id=_person_from_form(form), email=form.email.data,
                                        requested_by=current_user)
        except ValidationFailed as exc:
            apply_field_errors(form, _person_errors_shown(exc.fields))
        else:
            db.session.commit()
            flash(_("账户 %(username)s 已创建，初始密码为一次性密码，首次登录须修改。", username=form.username.data),
                  "success")
            if grants.pending_for(user):
                flash(_("所选业务或管理角色须经安全管理员批准后生效。"), "info")
            return redirect(url_for("accounts.users"))
    return render_template("core/user_form.html", form=form, user=None, linked=_linked(form))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require_roles("sysadmin")
@fresh_login_required
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or _raise_nf()
    form = UserForm(obj=user)
    form.department_id.choices = _department_choices()
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.person_id.data = str(user.person_id or "")
        form.department_id.data = user.department_id or 0
    if form.validate_on_submit():
        try:
            services.update_user(user, display_name=form.display_name.data, roles=form.roles.data,
                                 department_id=form.department_id.data or None,
                                 person_id=_person_from_form(form), email=form.email.data,
                                 is_enabled=form.is_enabled.data,
                                 version=_int_or_none(request.form.get("version")) or 0,
                                 requested_by=current_user)
        except ValidationFailed as exc:
            apply_field_errors(form, _person_errors_shown(exc.fields))
        else:
            db.session.commit()
            flash(_("账户已更新。"), "success")
            if grants.pending_for(user):
                flash(_("新增的角色或管理范围须经安全管理员批准后生效。"), "info")
            return redirect(url_for("accounts.users"))
    return render_template("core/user_form.html", form=form, user=user, pending=grants.pending_for(user),
                           linked=_linked(form))


def _person_errors_shown(fields: dict) -> dict:
    """The service names the person_id (a hidden input here): show its message at the search field."""
    fields = dict(fields or {})
    if "person_id" in fields:
        fields["person_query"] = fields.pop("person_id")
    return fields


def _linked(form):
    """The person the form links to now (name, department, masked id), for display."""
    from core.registry.models import Person
    pid = _int_or_none(form.person_id.data)
    return db.session.get(Person, pid) if pid and 0 < pid < 2 ** 31 else None


@bp.route("/admin/users/<int:user_id>/2fa/reset", methods=["POST"])
@require_roles("sysadmin")
@fresh_login_required
def user_totp_reset(user_id: int):
    """A user lost their phone and their recovery codes: they enrol again at the next login."""
    user = db.session.get(User, user_id) or _raise_nf()
    if user.id == current_user.id:
        raise Forbidden(_("不能重置本人的两步验证"))
    totp.disable(user)
    auth.end_session(user, "two-factor reset")
    revoke_all_tokens(user, "two-factor reset")
    record_event("totp_reset", user, "系统管理员重置两步验证")
    db.session.commit()
    flash(_("已重置 %(username)s 的两步验证，该用户下次登录时须重新绑定。", username=user.username), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


def _int_or_none(value):
    from core.safe_args import safe_int
    if value in (None, ""):
        return None
    number = safe_int(value)
    return -1 if number is None else number   # an invalid id: the service reports "人员不存在"


def _raise_nf():
    raise NotFound()


@bp.route("/admin/users/<int:user_id>/password-reset", methods=["POST"])
@require_roles("sysadmin")
@fresh_login_required
def user_password_reset(user_id: int):
    """A forgotten password: a random one-time password, shown once on this page (never in the
    cookie); the user must change it at the first login."""
    user = db.session.get(User, user_id) or _raise_nf()
    if user.id == current_user.id:
        raise Forbidden(_("不能重置本人的密码，请在“我的账户”中修改"))
    temporary = services.reset_password(user)
    db.session.commit()
    return render_template("core/password_reset_done.html", user=user, temporary=temporary)
