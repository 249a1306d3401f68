"""API bearer tokens: shown once, stored as a hash."""
from __future__ import annotations

import secrets

from core.accounts.models import ApiToken, User
from core.audit.services import record_event
from core.crypto import token_hash
from core.db import utcnow
from core.extensions import db


def create_token(user: User, name: str = "api") -> str:
    token = "ia_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name[:64], token_hash=token_hash(token), prefix=token[:10]))
    record_event("token_create", target=user, summary=f"API token {name[:64]}")
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    row = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=token_hash(token), revoked_at=None)).scalar_one_or_none()
    if row is None or not row.user.is_enabled:
        return None
    return row.user


def revoke_token(row: ApiToken) -> None:
    row.revoked_at = utcnow()
    record_event("token_revoke", target=row.user, summary=f"API token {row.prefix}…")
