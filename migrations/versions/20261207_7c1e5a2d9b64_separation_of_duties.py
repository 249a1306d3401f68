"""Separation of duties and account hygiene (issue 17 items 4, 7, 8, 10; issue 18 item 4).

- users.must_change_password: a password someone else set (account creation, reset) is
  one-time; the first login leads to the change-password page and nowhere else.
- users.totp_pending_secret: the seed of an enrolment in progress, encrypted, kept on the
  server instead of the (signed, not encrypted) session cookie.
- api_tokens.expires_at / read_only / reveal_once: tokens expire (existing tokens get the
  default 90 days from now), may be read-only, and a new token is shown once from the
  server (encrypted until shown).
- role_grants: a grant of hr or committee waits for a security administrator's approval.
- courses / pledge_templates.owner_department_id: the department that owns a catalogue
  entry. Backfill: a template belongs to its creator's department; everything else to the
  single root department when there is exactly one (else NULL: only HR of a root may change it).

Revision ID: 7c1e5a2d9b64
Revises: 8e3c5a1d7f20
Create Date: 2026-12-07 11:00:00
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = '7c1e5a2d9b64'
down_revision = '8e3c5a1d7f20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('read_only', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('reveal_once', sa.String(length=255), nullable=True))
    op.create_table(
        'role_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('roles', sa.String(length=200), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=16), server_default='pending', nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_role_grants_decided_by_id_users')),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_role_grants_department_id_departments')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_role_grants_requested_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    )
    with op.batch_alter_table('role_grants') as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grants_state'), ['state'], unique=False)
    for table in ('courses', 'pledge_templates'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('owner_department_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_owner_department_id_departments'),
                                        'departments', ['owner_department_id'], ['id'])
            batch_op.create_index(batch_op.f(f'ix_{table}_owner_department_id'), ['owner_department_id'],
                                  unique=False)
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    departments = sa.table('departments', sa.column('id', sa.Integer), sa.column('parent_id', sa.Integer))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('department_id', sa.Integer))
    templates = sa.table('pledge_templates', sa.column('created_by_id', sa.Integer),
                         sa.column('owner_department_id', sa.Integer))
    courses = sa.table('courses', sa.column('owner_department_id', sa.Integer))
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime(timezone=True)),
                      sa.column('revoked_at', sa.DateTime(timezone=True)))
    creator_dept = (sa.select(users.c.department_id).where(users.c.id == templates.c.created_by_id)
                    .scalar_subquery())
    conn.execute(templates.update().where(templates.c.created_by_id.is_not(None))
                 .values(owner_department_id=creator_dept))
    roots = conn.execute(sa.select(departments.c.id).where(departments.c.parent_id.is_(None)).limit(2)).scalars().all()
    if len(roots) == 1:
        conn.execute(templates.update().where(templates.c.owner_department_id.is_(None))
                     .values(owner_department_id=roots[0]))
        conn.execute(courses.update().values(owner_department_id=roots[0]))
    from core import clock  # the app context Flask-Migrate provides
    expiry = clock.utcnow() + timedelta(days=90)
    conn.execute(tokens.update().where(tokens.c.revoked_at.is_(None)).values(expires_at=expiry))


def downgrade():
    for table in ('pledge_templates', 'courses'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_owner_department_id'))
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_owner_department_id_departments'), type_='foreignkey')
            batch_op.drop_column('owner_department_id')
    with op.batch_alter_table('role_grants') as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grants_state'))
        batch_op.drop_index(batch_op.f('ix_role_grants_user_id'))
    op.drop_table('role_grants')
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.drop_column('reveal_once')
        batch_op.drop_column('read_only')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('totp_pending_secret')
