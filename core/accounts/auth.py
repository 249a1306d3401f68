"""Logging in and out: lockout counted in the database, session tokens rotated server-side.

The login is two steps for users with two-factor authentication: ``authenticate`` checks
the password, ``check_second_factor`` the TOTP or recovery code, and only then
``complete_login`` resets the failure counter. Failures of either step count towards the
same lockout (LOGIN_MAX_FAILURES in LOGIN_LOCK_MINUTES), with one atomic UPDATE, so the
count holds across gunicorn workers and concurrent requests.
"""
from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, session
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, lazyload

from core import clock
from core.accounts.models import AnonymousUser, User, new_session_token
from core.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from core.audit.services import record_event
from core.errors import DomainError
from core.extensions import db, login_manager
from core.guards import allow_bulk

LOGIN_FAILED = _l("用户名或密码错误，或账户已被锁定")
SECOND_FACTOR_FAILED = _l("验证码不正确或已使用，或账户已被锁定")
MFA_PENDING_SECONDS = 300          # the second step must follow the password within 5 minutes


def init_login(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录")
    login_manager.needs_refresh_message = _l("请重新输入密码以确认身份")
    login_manager.refresh_view = "accounts.reauth"
    login_manager.session_protection = "basic"
    login_manager.anonymous_user = AnonymousUser


@login_manager.user_loader
def load_user(user_id: str):
    """The cookie holds 'id:session_token'; a rotated token makes old cookies worthless."""
    try:
        uid, token = user_id.split(":", 1)
        # one query: roles and department joined, the person loaded when asked for
        user = db.session.execute(db.select(User).where(User.id == int(uid)).options(
            joinedload(User.role_rows), lazyload(User.person))).unique().scalar_one_or_none()
    except (ValueError, TypeError):
        return None
    if user is None or not user.is_enabled or user.session_token != token:
        return None
    return user


def _count_failure(user: User) -> None:
    """One more failed attempt, in a single UPDATE (no lost increments between workers)."""
    cfg = current_app.config
    limit = cfg["LOGIN_MAX_FAILURES"]
    until = clock.utcnow() + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    reached = User.failed_logins + 1 >= limit
    stmt = (sa.update(User).where(User.id == user.id)
            .values(failed_logins=sa.case((reached, 0), else_=User.failed_logins + 1),
                    locked_until=sa.case((reached, until), else_=User.locked_until))
            .execution_options(synchronize_session=False))
    with allow_bulk("login failure counter"):
        db.session.execute(stmt)
    db.session.expire(user, ["failed_logins", "locked_until"])


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > clock.utcnow()


def authenticate(username: str, password: str, ip: str | None) -> User:
    """Check a username and password. One answer for every failure (no user enumeration).

    Success does not reset the failure counter yet: ``complete_login`` does, after the
    second factor when the user has one."""
    username = (username or "").strip()
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        verify_password(DUMMY_HASH, password or "")
        record_event("login_failed", target=None, summary=f"unknown user {username[:64]!r}", outcome="failure",
                     actor=None)
        db.session.commit()
        raise DomainError("login_failed", str(LOGIN_FAILED), status=401)
    locked = is_locked(user)
    ok = verify_password(user.password_hash, password or "")
    if locked or not ok or not user.is_enabled:
        if not locked and not ok:
            _count_failure(user)
        record_event("login_failed", target=user, actor=user, outcome="failure",
                     summary="locked" if locked else ("disabled" if ok else "wrong password"))
        db.session.commit()
        raise DomainError("login_failed", str(LOGIN_FAILED), status=401)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_second_factor(user: User, code: str) -> bool:
    """The TOTP code (replay refused) or an unused recovery code; failures count to the lockout."""
    from core.accounts import totp
    if user.is_enabled and not is_locked(user) and user.totp_enabled:
        if totp.verify_code(user, code):
            return True
        if totp.use_recovery_code(user, code):
            record_event("totp_recovery_used", user, f"使用恢复码，剩余 {totp.recovery_codes_left(user)} 个",
                         actor=user)
            return True
        _count_failure(user)
    record_event("login_failed", target=user, actor=user, outcome="failure",
                 summary="locked" if is_locked(user) else "wrong second factor")
    db.session.commit()
    return False


def complete_login(user: User) -> None:
    """Every factor passed: reset the failure counter and stamp the login."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = clock.utcnow()


def start_session(user: User) -> None:
    """A fresh session on login (no session fixation): clear, then stamp the times."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["login_at"] = session["last_seen"] = session["fresh_at"] = time.time()


def end_session(user: User, reason: str) -> None:
    """Invalidate every cookie of this user (logout, password change, disable, role change)."""
    if user is None or not getattr(user, "id", None):
        return
    user.session_token = new_session_token()
    record_event("session_end", target=user, summary=reason)


def password_expired(user: User) -> bool:
    days = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    if not days or user.password_changed_at is None:
        return False
    return clock.utcnow() - user.password_changed_at > timedelta(days=days)
