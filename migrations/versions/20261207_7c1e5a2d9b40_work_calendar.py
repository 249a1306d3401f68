"""Working-day calendar: years of holidays and 调休 added after release (core.workcal).

The years 2020-2026 ship as data (core/workcal/data/cn_holidays.csv); these tables hold the
years loaded later (flask calendar load, or the system administrator's page). A year loaded
again gets a new active row; the old one stays, inactive.

Revision ID: 7c1e5a2d9b40
Revises: 7a1c5e9b3d20
Create Date: 2026-12-07 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e5a2d9b40'
down_revision = '7a1c5e9b3d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'work_calendar_years',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('loaded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['loaded_by_id'], ['users.id'],
                                name=op.f('fk_work_calendar_years_loaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_calendar_years')),
    )
    op.create_index(op.f('ix_work_calendar_years_year'), 'work_calendar_years', ['year'], unique=False)
    op.create_table(
        'work_calendar_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f('ck_work_calendar_days_kind')),
        sa.ForeignKeyConstraint(['year_id'], ['work_calendar_years.id'],
                                name=op.f('fk_work_calendar_days_year_id_work_calendar_years')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_calendar_days')),
        sa.UniqueConstraint('year_id', 'day', name=op.f('uq_work_calendar_days_year_id_day')),
    )
    op.create_index(op.f('ix_work_calendar_days_year_id'), 'work_calendar_days', ['year_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_work_calendar_days_year_id'), table_name='work_calendar_days')
    op.drop_table('work_calendar_days')
    op.drop_index(op.f('ix_work_calendar_years_year'), table_name='work_calendar_years')
    op.drop_table('work_calendar_years')
