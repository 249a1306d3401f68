"""API bearer tokens: shown once, stored as a hash."""
from __future__ import annotations

import secrets

from sqlalchemy.orm import joinedload, lazyload

from core import clock
from core.accounts.models import ApiToken, User
from core.audit.services import record_event
from core.crypto import token_hash
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
    # one query: the user with roles and department joined (the person loads when asked for)
    user = db.session.execute(
        db.select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
        .options(joinedload(User.role_rows), lazyload(User.person))).unique().scalar_one_or_none()
    if user is None or not user.is_enabled:
        return None
    return user


def revoke_token(row: ApiToken) -> None:
    row.revoked_at = clock.utcnow()
    record_event("token_revoke", target=row.user, summary=f"API token {row.prefix}…")
