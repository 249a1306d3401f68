"""Login (password, then TOTP), logout, re-authentication, account settings, two-factor
enrolment, API tokens, and user administration."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import confirm_login, current_user, fresh_login_required, login_required, login_user, logout_user

from core import clock
from core.accounts import auth, grants, services, totp
from core.accounts.forms import LoginForm, PasswordChangeForm, ReauthForm, RolesForm, TotpForm, UserForm
from core.accounts.models import ApiToken, User
from core.accounts.passwords import verify_password
from core.accounts.permissions import public, require_roles
from core.accounts.tokens import create_token, revoke_all_tokens, revoke_token, take_revealed
from core.audit.services import record_event
from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from core.extensions import db, limiter
from core.forms import apply_field_errors
from core.registry.models import Department

bp = Blueprint("accounts", __name__)


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if session.pop("timed_out", False):
        flash(_("由于长时间未操作，您已自动退出，请重新登录。"), "warning")
    if form.validate_on_submit():
        try:
            user = auth.authenticate(form.username.data, form.password.data, request.remote_addr)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            if user.totp_enabled:
                db.session.commit()                     # a rehashed password, nothing else yet
                auth.start_session(user)                # the pre-login session content is gone
                session["mfa_pending"] = {"uid": user.id, "token": user.session_token, "at": time.time(),
                                          "next": _safe_next()}
                return redirect(url_for("accounts.login_totp"))
            return _finish_login(user, mfa=False, target=_safe_next())
    from core.accounts.sso import configured as sso_configured
    return render_template("core/login.html", form=form, sso=sso_configured())


def _pending_user() -> User | None:
    pending = session.get("mfa_pending")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > auth.MFA_PENDING_SECONDS:
        return None
    try:
        user = db.session.get(User, int(pending.get("uid", "")))   # missing/bad uid: ValueError/TypeError
    except (TypeError, ValueError):
        return None
    if user is None or not user.is_enabled or not user.totp_enabled or user.session_token != pending.get("token"):
        return None
    return user


@bp.route("/login/2fa", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_totp():
    """The second login step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        session.pop("mfa_pending", None)
        flash(_("请先输入用户名和密码。"), "warning")
        return redirect(url_for("accounts.login"))
    form = TotpForm()
    if form.validate_on_submit():
        if auth.check_second_factor(user, form.code.data):
            pending = session["mfa_pending"]
            return _finish_login(user, mfa=True, target=pending.get("next"), sso=pending.get("sso"))
        form.form_errors.append(str(auth.SECOND_FACTOR_FAILED))
    return render_template("core/login_totp.html", form=form)


def _finish_login(user: User, *, mfa: bool, target: str | None, sso: dict | None = None):
    """``sso``: the login came through the identity provider ({"id_token", "mfa"}, core.accounts.sso)."""
    auth.complete_login(user)
    auth.start_session(user)       # new session content: nothing from before the login survives
    login_user(user, remember=False)
    if mfa:
        session["mfa"] = True
    if sso:
        session["sso"] = sso
    record_event("login", user, "登录成功" + ("（统一身份认证）" if sso else "") + ("（两步验证）" if mfa else ""),
                 actor=user)
    db.session.commit()
    if totp.required_for(user) and not user.totp_enabled and not (sso and sso.get("mfa")):
        flash(_("您的角色须启用两步验证：请用手机验证器应用扫描二维码完成绑定。"), "warning")
        return redirect(url_for("accounts.totp_setup"))
    if not sso and user.must_change_password:
        flash(_("您的密码由管理员设置，首次登录须修改为只有您本人知道的密码。"), "warning")
        return redirect(url_for("accounts.password"))
    if not sso and auth.password_expired(user):
        flash(_("您的密码已超过有效期，请修改密码。"), "warning")
        return redirect(url_for("accounts.password"))
    return redirect(target or url_for("main.home"))


def _safe_next() -> str | None:
    """A local path only: no scheme, no '//host', no backslash tricks ('/\\evil.example')."""
    target = request.args.get("next", "")
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(ch) < 32 for ch in target)):
        return None
    return target


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    auth.end_session(current_user, "logout")
    db.session.commit()
    sso = session.get("sso")
    logout_user()
    session.clear()
    from core.accounts.sso import logout_url
    provider_logout = logout_url(sso)
    if provider_logout:     # a page, not a redirect: CSP form-action would stop a cross-site redirect
        return render_template("core/sso_logout.html", url=provider_logout)
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
def reauth():
    form = ReauthForm()
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.password.data):
            confirm_login()
            session["fresh_at"] = time.time()
            record_event("reauth", current_user, "重新验证身份")
            db.session.commit()
            return redirect(_safe_next() or url_for("main.home"))
        record_event("reauth_failed", current_user, "重新验证身份：密码不正确", outcome="failure")
        db.session.commit()
        form.password.errors.append("密码不正确")
    return render_template("core/reauth.html", form=form)


@bp.route("/account")
@login_required
def account():
    revealed = take_revealed(current_user)      # a new token, shown this once from the server
    if revealed:
        db.session.commit()
    tokens = db.session.execute(db.select(ApiToken).filter_by(user_id=current_user.id, revoked_at=None)
                                .order_by(ApiToken.id.desc())).scalars().all()
    return render_template("core/account.html", tokens=tokens, revealed=revealed, now=clock.utcnow())


@bp.route("/account/password", methods=["GET", "POST"])
@fresh_login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data, form.confirm.data)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        else:
            user = current_user._get_current_object()
            mfa = session.get("mfa")
            db.session.commit()
            auth.start_session(user)
            login_user(user)   # the rotated token: this browser stays in, every other cookie is out
            if mfa:
                session["mfa"] = True
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("accounts.account"))
    return render_template("core/password.html", form=form, min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                           classes=current_app.config["PASSWORD_REQUIRE_CLASSES"],
                           expired=auth.password_expired(current_user),
                           one_time=current_user.must_change_password)


# ---- two-factor authentication -----------------------------------------------------------

@bp.route("/account/2fa", methods=["GET", "POST"])
@fresh_login_required
def totp_setup():
    """Enrolment: scan the QR code, confirm one code, receive ten recovery codes (shown once)."""
    user = current_user._get_current_object()
    required = totp.required_for(user)
    if user.totp_enabled:
        return render_template("core/totp_status.html", left=totp.recovery_codes_left(user), required=required)
    secret = totp.pending_secret(user)      # in the database (encrypted) until confirmed, never in the cookie
    db.session.commit()
    form = TotpForm()
    if form.validate_on_submit():
        user.totp_secret = secret
        codes = totp.enable(user, form.code.data)
        if codes:
            user.totp_pending_secret = None
            record_event("totp_enable", user, "启用两步验证")
            db.session.commit()
            session["mfa"] = True
            return render_template("core/totp_codes.html", codes=codes, first=True)
        db.session.rollback()
        form.code.errors.append(_("验证码不正确，请确认手机时间准确后输入应用中当前显示的 6 位数字"))
    uri = totp.provisioning_uri(user, secret)
    return render_template("core/totp_setup.html", form=form, qr=totp.qr_data_uri(uri), secret=secret,
                           required=required)


@bp.route("/account/2fa/recovery-codes", methods=["POST"])
@fresh_login_required
def totp_recovery_codes():
    user = current_user._get_current_object()
    if not user.totp_enabled:
        flash(_("尚未启用两步验证。"), "warning")
        return redirect(url_for("accounts.totp_setup"))
    codes = totp.new_recovery_codes(user)
    record_event("totp_recovery_codes", user, "重新生成恢复码")
    db.session.commit()
    return render_template("core/totp_codes.html", codes=codes, first=False)


@bp.route("/account/2fa/disable", methods=["POST"])
@fresh_login_required
def totp_disable():
    user = current_user._get_current_object()
    if totp.required_for(user):
        flash(_("您的角色必须启用两步验证，不能关闭。更换手机请重新生成恢复码，或请系统管理员重置。"), "danger")
        return redirect(url_for("accounts.totp_setup"))
    if user.totp_enabled:
        totp.disable(user)
        record_event("totp_disable", user, "关闭两步验证")
        db.session.commit()
        flash(_("两步验证已关闭。"), "info")
    return redirect(url_for("accounts.account"))


@bp.route("/account/tokens", methods=["POST"])
@fresh_login_required
def new_token():
    name = (request.form.get("name") or "api").strip()[:64] or "api"
    create_token(current_user, name, read_only=request.form.get("read_only") in ("1", "y", "on"), reveal=True)
    db.session.commit()
    return redirect(url_for("accounts.account"))     # the account page shows it once, from the server


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        raise NotFound()
    revoke_token(row)
    db.session.commit()
    flash(_("令牌已撤销。"), "info")
    return redirect(url_for("accounts.account"))


# ---- user administration (sysadmin) ------------------------------------------------------

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


# ---- role grants (security administrator) ------------------------------------------------

@bp.route("/admin/role-grants")
@require_roles("secadmin", "sysadmin")
def role_grants():
    from core.accounts.models import RoleGrant
    pending = db.session.execute(db.select(RoleGrant).filter_by(state=grants.PENDING)
                                 .order_by(RoleGrant.id)).scalars().all()
    recent = db.session.execute(db.select(RoleGrant).where(RoleGrant.state != grants.PENDING)
                                .order_by(RoleGrant.id.desc()).limit(50)).scalars().all()
    from core.enums import Role
    return render_template("core/role_grants.html", pending=pending, recent=recent, labels=grants.STATE_LABELS,
                           role_labels={r.value: r.label for r in Role})


@bp.route("/admin/users/<int:user_id>/roles", methods=["GET", "POST"])
@require_roles("secadmin")
@fresh_login_required
def user_roles(user_id: int):
    """The security administrator asks for a role set and scope; another one approves."""
    user = db.session.get(User, user_id) or _raise_nf()
    form = RolesForm()
    form.department_id.choices = _department_choices()
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.department_id.data = user.department_id or 0
    if form.validate_on_submit():
        try:
            grant = grants.request_roles(user, form.roles.data, form.department_id.data or None,
                                         requested_by=current_user, reason=form.reason.data or "")
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("授权申请已提交，须由另一名安全管理员批准后生效。") if grant else _("角色已更新。"), "success")
            return redirect(url_for("accounts.role_grants"))
    return render_template("core/user_roles.html", form=form, user=user, pending=grants.pending_for(user))


@bp.route("/admin/role-grants/<int:grant_id>/decision", methods=["POST"])
@require_roles("secadmin")
@fresh_login_required
def role_grant_decision(grant_id: int):
    from core.accounts.models import RoleGrant
    grant = db.session.get(RoleGrant, grant_id) or _raise_nf()
    decision = request.form.get("decision")
    if decision == "approve":
        grants.approve(grant, current_user)
        message = _("已批准：%(username)s 的角色已生效。", username=grant.user.username)
    elif decision == "reject":
        grants.reject(grant, current_user, request.form.get("reason", "")[:500])
        message = _("已驳回该授权申请。")
    else:
        raise ValidationFailed({"decision": _("请选择批准或驳回")})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("accounts.role_grants"))
