"""TOTP two-factor authentication (RFC 6238, pyotp): enrolment, codes, recovery codes.

- The secret is created on the enrolment page and kept in ``users.totp_secret`` with
  ``totp_enabled`` False until the user confirms one code from the authenticator app.
- A code is accepted for the current 30-second step and one step either side (clock
  drift). The step of the last accepted code is kept in ``totp_last_step``: the same or an
  earlier step is refused, so an observed code cannot be replayed.
- Ten one-time recovery codes are shown once at enrolment; only their keyed hashes are
  stored (one per line in ``users.recovery_codes``); a used code is removed.
- Required for the roles of ``TOTP_REQUIRED_ROLES`` (hr, sysadmin, auditor) when
  ``TOTP_ENFORCE`` is on: core.security sends such a user to enrolment after the password
  step, and lets them do nothing else until enrolled.
"""
from __future__ import annotations

import hmac
import secrets
import time
from typing import Any, cast

import pyotp
from flask import current_app

from core.crypto import keyed_hash

ISSUER = "诚信档案"
STEP_SECONDS = 30
VALID_WINDOW = 1                      # steps accepted either side of now
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i


def required_for(user) -> bool:
    """Must this user use 2FA (one of the TOTP_REQUIRED_ROLES, enforcement on)?"""
    cfg = current_app.config
    if not cfg.get("TOTP_ENFORCE", True):
        return False
    return bool(getattr(user, "is_authenticated", False) and user.has_any_role(*cfg["TOTP_REQUIRED_ROLES"]))


def new_secret() -> str:
    return pyotp.random_base32()        # 160 bits, base32 (32 characters)


def pending_secret(user) -> str:
    """The seed of an enrolment in progress, kept (encrypted) in ``users.totp_pending_secret``
    until confirmed — never in the client's cookie (issue 17 item 8).

    Written with one UPDATE that leaves the account's version alone: showing the enrolment
    page is not an edit of the account (the optimistic lock of the admin form stays valid)."""
    if user.totp_pending_secret:
        return user.totp_pending_secret
    import sqlalchemy as sa

    from core.accounts.models import User
    from core.extensions import db
    from core.guards import allow_bulk
    secret = new_secret()
    with allow_bulk("pending TOTP seed: not a version of the account"):
        db.session.execute(sa.update(User).where(User.id == user.id).values(totp_pending_secret=secret)
                           .execution_options(synchronize_session=False))
    db.session.expire(user, ["totp_pending_secret"])
    return secret


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The provisioning URI as a PNG data URI (CSP allows ``img-src data:``)."""
    from core.pdf import qr_data_uri as make
    return make(uri, box_size=5)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def _normalise(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace()).replace("-", "").lower()


def matching_step(secret: str, code: str | None, now: float | None = None) -> int | None:
    """The time step whose code equals ``code`` (within the window), else None."""
    code = _normalise(code)
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = current_step(now)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def verify_code(user, code: str | None, *, secret: str | None = None, now: float | None = None) -> bool:
    """Check a code against the user's (or the pending) secret; refuse a replayed step.

    On success ``totp_last_step`` is advanced (the caller commits)."""
    step = matching_step(secret or user.totp_secret or "", code, now)
    if step is None:
        return False
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return False                   # the same code (or an older one) was already used
    return _claim_step(user, step)


def _claim_step(user, step: int) -> bool:
    """Advance ``totp_last_step`` to ``step`` in ONE conditional UPDATE: of several requests
    submitting the same code at once exactly one changes the row (issue 17, item 5); the
    others find the step taken (PostgreSQL: they wait for the winner's row lock, then re-read;
    SQLite: one writer at a time) and are refused like a replay."""
    import sqlalchemy as sa
    from sqlalchemy.orm.attributes import set_committed_value

    from core.accounts.models import User
    from core.extensions import db
    from core.guards import allow_bulk
    if user.id is None:
        user.totp_last_step = step
        return True
    stmt = (sa.update(User).where(User.id == user.id,
                                  sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step).execution_options(synchronize_session=False))
    with allow_bulk("TOTP step, claimed atomically"):
        claimed = cast("sa.CursorResult[Any]", db.session.execute(stmt)).rowcount == 1   # UPDATE: a CursorResult
    if claimed:
        set_committed_value(user, "totp_last_step", step)
    return claimed


# ---- recovery codes --------------------------------------------------------------------------

def _recovery_hash(code: str) -> str:
    return keyed_hash("totp-recovery:" + _normalise(code))


def new_recovery_codes(user) -> list[str]:
    """Ten fresh codes (shown once); their hashes replace the old ones."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    user.recovery_codes = "\n".join(_recovery_hash(c) for c in codes)
    return codes


def recovery_codes_left(user) -> int:
    return len([h for h in (user.recovery_codes or "").splitlines() if h])


def use_recovery_code(user, code: str | None) -> bool:
    """Accept an unused recovery code once (it is removed)."""
    code = _normalise(code)
    if len(code) != 10:
        return False
    wanted = _recovery_hash(code)
    hashes = [h for h in (user.recovery_codes or "").splitlines() if h]
    for h in hashes:
        if hmac.compare_digest(h, wanted):
            hashes.remove(h)
            user.recovery_codes = "\n".join(hashes)
            return True
    return False


def enable(user, code: str | None) -> list[str] | None:
    """Confirm enrolment with a code from the app: enable 2FA and return the recovery codes."""
    if user.totp_enabled or not user.totp_secret:
        return None
    if not verify_code(user, code):
        return None
    user.totp_enabled = True
    return new_recovery_codes(user)


def disable(user) -> None:
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = None
