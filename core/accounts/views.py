"""The accounts blueprint and the login: password, then TOTP (or a recovery code), logout and
re-authentication. The other pages of the blueprint: account settings, two-factor enrolment and
API tokens in ``account_views``; user administration in ``user_views``; role grants in
``grant_views`` (imported at the end of this module, which registers them on ``bp``)."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import confirm_login, current_user, login_required, login_user, logout_user

from core.accounts import auth, totp
from core.accounts.forms import LoginForm, ReauthForm, TotpForm
from core.accounts.models import User
from core.accounts.passwords import verify_password
from core.accounts.permissions import public
from core.audit.services import record_event
from core.errors import DomainError
from core.extensions import db, limiter

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


from core.accounts import account_views, grant_views, user_views  # noqa: E402,F401 - register the other pages on bp
