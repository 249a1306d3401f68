"""User accounts, their roles and API tokens."""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import EncryptedString, TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from core.enums import Role
from core.extensions import db
from core.guards import audited


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


@audited
class User(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    is_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # rotated on logout, password change, disable and role change: old cookies stop working
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString)   # Fernet token at rest
    totp_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    recovery_codes: Mapped[str | None] = mapped_column(sa.Text)   # hashes, one per line
    # enrolment in progress: the seed waits here (encrypted), never in the client cookie
    totp_pending_secret: Mapped[str | None] = mapped_column(EncryptedString)
    # a password set by someone else (account creation, reset): changed at the first login
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    person = relationship("Person", foreign_keys=[person_id], lazy="joined")
    department = relationship("Department", lazy="joined")

    # --- Flask-Login -------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    # --- roles ---------------------------------------------------------------------
    @property
    def roles(self) -> set[str]:
        return {r.role.value for r in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        have = {r.role for r in self.role_rows}
        self.role_rows.extend(UserRole(role=r) for r in wanted - have)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = enum_column(Role, primary_key=True)


class ApiToken(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A bearer token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64), default="api")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_only: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # the new token, encrypted, until the account page has shown it once (never in the cookie)
    reveal_once: Mapped[str | None] = mapped_column(EncryptedString)

    user: Mapped[User] = relationship(lazy="joined")


class RoleGrant(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A request to give an account business roles (hr, committee) and a scope.

    三员分立: the system administrator (or a security administrator) asks, a security
    administrator other than the requester approves; only then do the roles take effect."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    roles: Mapped[str] = mapped_column(sa.String(200))          # the full wanted role set, comma-separated
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(sa.String(16), default="pending", server_default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")
    department = relationship("Department", lazy="joined")

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(",") if r}


class AnonymousUser:
    """Anonymous visitor: no roles, no scope."""

    is_authenticated = False
    is_active = False
    is_anonymous = True
    roles: set[str] = set()
    person_id = None
    department_id = None
    id = None

    def get_id(self):
        return None

    def has_role(self, role):
        return False

    def has_any_role(self, *roles):
        return False


@audited
class ActivationBatch(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A batch of activation codes HR handed out (a department subtree or chosen people).

    The codes themselves are never stored: each is derived from the server's hash key, the
    batch ``salt`` and the code row id (``core.accounts.activation.code_for``), so the slips can
    be printed again while the database holds only the keyed hash of every code."""

    __tablename__ = "activation_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    salt: Mapped[str] = mapped_column(sa.String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created: Mapped[int] = mapped_column(default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(default=0, server_default="0")
    sent_email: Mapped[int] = mapped_column(default=0, server_default="0")
    sent_sms: Mapped[int] = mapped_column(default=0, server_default="0")

    created_by = relationship("User", lazy="joined")
    department = relationship("Department", lazy="joined")


@audited
class ActivationCode(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """One single-use code for one person: only its keyed hash is stored."""

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("activation_batches.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_via: Mapped[str] = mapped_column(sa.String(10), default="slip")   # slip / email / sms
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # wrong answers for this person while the code is live: the lockout counts here
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    batch: Mapped[ActivationBatch] = relationship(lazy="joined")
    person = relationship("Person", lazy="joined")
