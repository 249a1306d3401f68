"""Encrypt the TOTP seed at rest: users.totp_secret becomes a Fernet token (String 255).

The seed of a second factor is as sensitive as a password that never changes: a stolen
backup must not give it away. Existing plaintext seeds are encrypted in place with the
newest key of ID_ENCRYPTION_KEYS (core.crypto), so enrolled users keep their authenticator.

This is the one data migration that uses application code: the keys live in the app's
configuration, never in the database, so the encryption must be the app's own. Downgrade
decrypts back to plaintext.

Revision ID: 2b7e1f4a9c30
Revises: 31f923eedb99
Create Date: 2026-11-21 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '2b7e1f4a9c30'
down_revision = '31f923eedb99'
branch_labels = None
depends_on = None

_users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _convert(fn, wanted) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_users.c.id, _users.c.totp_secret)
                        .where(_users.c.totp_secret.is_not(None))).all()
    for row in rows:
        if wanted(row.totp_secret):
            conn.execute(_users.update().where(_users.c.id == row.id).values(totp_secret=fn(row.totp_secret)))


def _is_token(value: str) -> bool:
    return value.startswith('gAAAAA')     # every Fernet token (version byte 0x80) begins so


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)
    from core.crypto import encrypt   # needs the app context Flask-Migrate provides
    _convert(encrypt, lambda v: not _is_token(v))


def downgrade():
    from core.crypto import decrypt
    _convert(decrypt, _is_token)
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
