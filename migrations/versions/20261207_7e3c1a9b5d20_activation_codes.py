"""Accounts for every civil servant (issue 18): activation batches and codes, people.email.

activation_batches: one batch of codes HR handed out (a department subtree or chosen people);
``salt`` with the server's hash key derives every code, so no code is stored.
activation_codes: one single-use code per person, only its keyed hash (``code_hash``), its
expiry, how it went out (slip / email / sms), when it was used and by which account, and the
wrong answers counted towards the lockout. people.email: where codes and notices go.

Revision ID: 7e3c1a9b5d20
Revises: 7c1e5a2d9b64
Create Date: 2026-12-07 11:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7e3c1a9b5d20'
down_revision = '7c1e5a2d9b64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activation_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created', sa.Integer(), server_default='0', nullable=False),
    sa.Column('skipped', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sent_email', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sent_sms', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_activation_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                            name=op.f('fk_activation_batches_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_batches'))
    )
    with op.batch_alter_table('activation_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_batches_department_id'), ['department_id'], unique=False)

    op.create_table('activation_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_via', sa.String(length=10), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['activation_batches.id'],
                            name=op.f('fk_activation_codes_batch_id_activation_batches')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_activation_codes_person_id_people')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activation_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_activation_codes_code_hash'))
    )
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_codes_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activation_codes_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_codes_person_id'))
        batch_op.drop_index(batch_op.f('ix_activation_codes_batch_id'))
    op.drop_table('activation_codes')
    with op.batch_alter_table('activation_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_batches_department_id'))
    op.drop_table('activation_batches')
