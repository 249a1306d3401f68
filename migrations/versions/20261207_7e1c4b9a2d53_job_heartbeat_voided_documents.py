"""Job heartbeat, voided documents, upload quota index (issue 17, items 11 and 12).

jobs.heartbeat_at: the running worker stamps it; a job without a stamp for
JOB_DEAD_AFTER_SECONDS is failed and cleaned up (core/jobs.py). printed_documents.voided_at:
the documents such a job issued but never delivered (verification answers invalid).
ix_attachments_uploader: the per-user upload quota sums a user's recent uploads.

Revision ID: 7e1c4b9a2d53
Revises: 7c1e5a2d9b40
Create Date: 2026-12-07 11:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7e1c4b9a2d53'
down_revision = '7c1e5a2d9b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('printed_documents') as batch:
        batch.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_attachments_uploader', 'attachments', ['uploaded_by_id', 'uploaded_at'])


def downgrade():
    op.drop_index('ix_attachments_uploader', table_name='attachments')
    with op.batch_alter_table('printed_documents') as batch:
        batch.drop_column('voided_at')
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('heartbeat_at')
