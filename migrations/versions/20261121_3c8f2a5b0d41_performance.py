"""Performance (issue 11): the cached file document and its change stamps.

file_documents keeps a person's built file JSON per variant with the stamps it was built
from; file_stamps counts the changes of each person's file (key = person id) and of every
file (key 0). archive/file/cache.py explains why a stored document is never served stale.

audit_chain_head: the audit chain's last id and hash; on PostgreSQL an append updates it and
inserts the event in one statement (core/audit/services.py). Left empty here: the first
append fills it from the newest event.

ix_people_name_order (name, id) INCLUDE (status, department_path): the people list pages
its ids in name order by an index-only scan (core/listing.py CappedPagination);
ix_coverage_facts_path_order does the same for the gap worklists in department order.

Revision ID: 3c8f2a5b0d41
Revises: 2b7e1f4a9c30
Create Date: 2026-11-21 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3c8f2a5b0d41'
down_revision = '2b7e1f4a9c30'
branch_labels = None
depends_on = None

_FACT_FLAGS = ['active', 'established', 'pledge_ok', 'last_appraisal_year', 'training_year', 'training_met']


def upgrade():
    op.create_table('file_documents',
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('variant', sa.String(length=20), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('stamp', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('generation', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fingerprint', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'variant', name=op.f('pk_file_documents'))
    )
    op.create_table('file_stamps',
    sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('stamp', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_file_stamps'))
    )
    op.create_table('audit_chain_head',
    sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index('ix_people_name_order', ['name', 'id'], unique=False,
                              postgresql_include=['status', 'department_path'])
    with op.batch_alter_table('coverage_facts', schema=None) as batch_op:
        batch_op.create_index('ix_coverage_facts_path_order', ['department_path', 'person_id'], unique=False,
                              postgresql_include=_FACT_FLAGS)


def downgrade():
    with op.batch_alter_table('coverage_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_coverage_facts_path_order', postgresql_include=_FACT_FLAGS)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_name_order', postgresql_include=['status', 'department_path'])
    op.drop_table('audit_chain_head')
    op.drop_table('file_stamps')
    op.drop_table('file_documents')
