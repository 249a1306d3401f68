"""Security headers on every response, session timeouts, fresh-login expiry, the second
factor and password-age gates, and the API rate limit.

The before-request gates run in this order for cookie sessions (the API authenticates
every request by its bearer token instead):

1. idle (IDLE_TIMEOUT_MINUTES) and absolute (ABSOLUTE_TIMEOUT_HOURS) timeouts end the
   session on the server (the user's session token is rotated);
2. a login older than FRESH_LOGIN_MINUTES is no longer "fresh": sensitive acts
   (``fresh_login_required``) ask for the password again;
3. a user of TOTP_REQUIRED_ROLES without two-factor authentication can only reach the
   enrolment page (and log out) until enrolled;
4. a one-time password (set by an administrator: ``must_change_password``) or one older
   than PASSWORD_MAX_AGE_DAYS can only be changed (and the user may log out).
"""
from __future__ import annotations

import hashlib
import re
import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.exceptions import BadRequest, TooManyRequests

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "frame-ancestors 'none'; form-action 'self'")

# endpoints a user held at a gate may still reach
GATE_OPEN = frozenset({"static", "accounts.logout", "accounts.reauth", "accounts.login", "accounts.login_totp",
                       "main.healthz", "main.language"})
MFA_OPEN = GATE_OPEN | {"accounts.totp_setup"}
PASSWORD_OPEN = MFA_OPEN | {"accounts.password"}
NO_STORE_ANONYMOUS = frozenset({"accounts.login", "accounts.login_totp", "activation.activate", "sso.login",
                                "sso.callback"})


def _view_is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return request.endpoint in (None, "static") or bool(getattr(view, "__public__", False))


def apply_headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    authenticated = _authenticated_quietly()
    if ((not _view_is_public() and (authenticated or request.path.startswith("/api/")))
            or request.endpoint in NO_STORE_ANONYMOUS):
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    return response


def _authenticated_quietly() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except Exception:  # noqa: BLE001 - a broken database must not break the error page's headers
        return False


def _is_cookie_request() -> bool:
    return not request.path.startswith(("/static/", "/api/"))


def enforce_session_timeouts():
    """Idle (default 30 min) and absolute (12 h) timeouts for cookie sessions."""
    if not _is_cookie_request() or not current_user.is_authenticated:
        return None
    now = time.time()
    cfg = current_app.config
    idle = cfg["IDLE_TIMEOUT_MINUTES"] * 60
    absolute = cfg["ABSOLUTE_TIMEOUT_HOURS"] * 3600
    last_seen = session.get("last_seen", now)
    login_at = session.get("login_at", now)
    if now - last_seen > idle or now - login_at > absolute:
        from core.accounts.auth import end_session
        from core.extensions import db
        end_session(current_user, reason="timeout")
        db.session.commit()
        logout_user()
        session.clear()
        session["timed_out"] = True
        return None
    session["last_seen"] = now
    fresh_for = cfg.get("FRESH_LOGIN_MINUTES", 15) * 60
    if session.get("_fresh") and fresh_for and now - session.get("fresh_at", login_at) > fresh_for:
        session["_fresh"] = False       # fresh_login_required now sends the user to accounts.reauth
    return None


def enforce_second_factor():
    """Users of TOTP_REQUIRED_ROLES do nothing but enrol until they have two-factor auth."""
    if not _is_cookie_request() or not current_user.is_authenticated or session.get("mfa"):
        return None
    user = current_user._get_current_object()
    if user.totp_enabled:
        # a session that skipped the second step (the login form never creates one): end it
        logout_user()
        session.clear()
        return redirect(url_for("accounts.login"))
    from core.accounts.totp import required_for
    if required_for(user) and request.endpoint not in MFA_OPEN and not _view_is_public():
        if request.method == "GET":
            flash(_("您的角色须先启用两步验证。"), "warning")
        return redirect(url_for("accounts.totp_setup"))
    return None


def enforce_password_age():
    """An expired password (等保: PASSWORD_MAX_AGE_DAYS) must be changed before anything else."""
    if not _is_cookie_request() or not current_user.is_authenticated:
        return None
    if request.endpoint in PASSWORD_OPEN or _view_is_public() or session.get("sso"):
        return None          # a session of the identity provider: our password is not in use
    if current_user.must_change_password:
        # a password someone else set (new account, reset) is one-time (issue 18 item 4)
        if request.method == "GET":
            flash(_("您的密码由管理员设置，首次登录须修改为只有您本人知道的密码。"), "warning")
        return redirect(url_for("accounts.password"))
    from core.accounts.auth import password_expired
    if password_expired(current_user):
        if request.method == "GET":
            flash(_("您的密码已超过有效期，请修改密码。"), "warning")
        return redirect(url_for("accounts.password"))
    return None


_BAD_JSON_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _bad_text(value: str | None) -> bool:
    """NUL (PostgreSQL text cannot hold it) or a lone surrogate (not encodable as UTF-8).
    A missing value (a multipart part without a body) holds neither."""
    if not isinstance(value, str):
        return False
    return "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value)


def refuse_unstorable_input():
    """Text no database column can store is bad input (400), never a 500 deep in a flush."""
    try:
        if _bad_text(request.path) or any(_bad_text(k) or _bad_text(v) for k, v in request.args.items(multi=True)):
            raise BadRequest()
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                if any(_bad_text(k) or _bad_text(v) for k, v in request.form.items(multi=True)):
                    raise BadRequest()
                # uploaded file names are stored too (import batches, attachments, the audit summary)
                if any(_bad_text(k) or _bad_text(f.filename) for k, f in request.files.items(multi=True)):
                    raise BadRequest()
            elif request.is_json:
                raw = request.get_data(cache=True)
                if b"\x00" in raw or _BAD_JSON_ESCAPE.search(raw):
                    raise BadRequest()
    except UnicodeDecodeError:
        raise BadRequest() from None
    return None


def limit_api():
    """RATELIMIT_API per bearer token (or per IP without one) on /api/v1: 429 beyond it."""
    if not request.path.startswith("/api/"):
        return None
    cfg = current_app.config
    if not cfg.get("RATELIMIT_ENABLED", True) or not cfg.get("RATELIMIT_API"):
        return None
    from flask_limiter.util import get_remote_address
    from limits import parse_many

    from core.extensions import limiter
    strategy = limiter.limiter if limiter.initialized else None
    if strategy is None:
        return None
    header = request.headers.get("Authorization", "")
    who = ("token:" + hashlib.sha256(header.encode()).hexdigest()[:32]) if header.startswith("Bearer ") \
        else ("ip:" + (get_remote_address() or "-"))
    for item in parse_many(cfg["RATELIMIT_API"]):
        if not strategy.hit(item, "api", who):
            raise TooManyRequests()
    return None


def audit_denied(response):
    """A refused authorisation (403) of a known user or token is an audit event (SECURITY.md "Audit")."""
    if response.status_code != 403 or not _authenticated_quietly():
        return response
    import logging

    from core.audit.services import record_event
    from core.extensions import db
    try:
        db.session.rollback()                      # a refused request carries no writes
        record_event("access_denied", None, f"{request.method} {request.path}"[:500], outcome="failure")
        db.session.commit()
    except Exception:  # noqa: BLE001 - the answer (403) must not become a 500 because of the log
        db.session.rollback()
        logging.getLogger("integrity").exception("could not audit a refused request")
    return response


def _limits_off_for_this_app() -> bool:
    """Flask-Limiter keeps one switch for every app of the process; honour the app's own."""
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def init_app(app) -> None:
    from core.extensions import limiter
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # behind gunicorn's reverse proxy: the client address (rate limits, audit IP) and the
        # scheme come from the proxy's headers, trusting exactly that many hops (no spoofing)
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_prefix=0)
    app.before_request_funcs.setdefault(None, []).insert(0, forget_cached_user)
    app.after_request(apply_headers)
    app.after_request(audit_denied)
    app.before_request(enforce_session_timeouts)
    app.before_request(enforce_second_factor)
    app.before_request(enforce_password_age)
    app.before_request(limit_api)
    app.before_request(refuse_unstorable_input)
    if _limits_off_for_this_app not in limiter._request_filters:
        limiter.request_filter(_limits_off_for_this_app)


def forget_cached_user():
    """Each request authenticates afresh (an app context reused across requests keeps ``g``)."""
    from flask import g
    g.pop("_login_user", None)
