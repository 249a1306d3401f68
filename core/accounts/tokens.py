"""API bearer tokens: shown once, stored as a hash."""
from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from core import clock
from core.accounts.models import ApiToken, User
from core.audit.services import record_event
from core.crypto import token_hash
from core.extensions import db

REVEAL_MINUTES = 10          # a new token waits (encrypted) this long to be shown once


def create_token(user: User, name: str = "api", *, read_only: bool = False, days: int | None = None,
                 reveal: bool = False) -> str:
    """A new token for ``user``: expires after ``days`` (API_TOKEN_DAYS, default 90; 0: never);
    ``read_only`` tokens may only read (GET). ``reveal``: keep it encrypted on the server
    until the account page shows it once (never in the session cookie)."""
    token = "ia_" + secrets.token_urlsafe(32)
    if days is None:
        days = int(current_app.config.get("API_TOKEN_DAYS", 90) or 0)
    now = clock.utcnow()
    expires = now + timedelta(days=days) if days and days > 0 else None
    db.session.add(ApiToken(user_id=user.id, created_at=now, name=name[:64], token_hash=token_hash(token), prefix=token[:10],
                            expires_at=expires, read_only=bool(read_only), reveal_once=token if reveal else None))
    record_event("token_create", target=user, summary=f"API token {name[:64]}"
                 + ("（只读）" if read_only else "") + (f"，{days} 天后过期" if expires else ""))
    db.session.flush()
    return token


def take_revealed(user: User) -> list[str]:
    """The new tokens of ``user`` not yet shown (fresh ones only); each is shown once."""
    rows = db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id,
                                                        ApiToken.reveal_once.is_not(None))).scalars().all()
    shown = []
    horizon = clock.utcnow() - timedelta(minutes=REVEAL_MINUTES)
    for row in rows:
        if row.created_at is not None and row.created_at >= horizon and row.revoked_at is None:
            shown.append(row.reveal_once)
        row.reveal_once = None
    return shown


def token_row(token: str) -> ApiToken | None:
    """The live token row (not revoked, not expired, its user enabled), user and roles joined."""
    if not token or len(token) > 200:
        return None
    # one query: the token with its user, roles and department joined (the person loads when asked for)
    row = db.session.execute(
        db.select(ApiToken).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None),
               sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > clock.utcnow()))
        .options(joinedload(ApiToken.user).joinedload(User.role_rows),
                 joinedload(ApiToken.user).lazyload(User.person))).unique().scalar_one_or_none()
    if row is None or not row.user.is_enabled:
        return None
    return row


def user_for_token(token: str) -> User | None:
    row = token_row(token)
    return row.user if row is not None else None


def revoke_token(row: ApiToken) -> None:
    row.revoked_at = clock.utcnow()
    row.reveal_once = None
    record_event("token_revoke", target=row.user, summary=f"API token {row.prefix}…")


def revoke_all_tokens(user: User, reason: str) -> int:
    """End every live token of ``user`` (password change or reset, 2FA reset, disable, role change)."""
    if user is None or not getattr(user, "id", None):
        return 0
    rows = db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id,
                                                        ApiToken.revoked_at.is_(None))).scalars().all()
    now = clock.utcnow()
    for row in rows:
        row.revoked_at, row.reveal_once = now, None
    if rows:
        record_event("token_revoke_all", target=user, summary=f"{len(rows)} API tokens: {reason}")
    return len(rows)
