"""The user's own account: settings, password change, two-factor enrolment (recovery codes,
disabling) and API tokens (pages of the accounts blueprint)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required, login_required, login_user

from core import clock
from core.accounts import auth, services, totp
from core.accounts.forms import PasswordChangeForm, TotpForm
from core.accounts.models import ApiToken
from core.accounts.tokens import create_token, revoke_token, take_revealed
from core.accounts.views import bp
from core.audit.services import record_event
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors


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
