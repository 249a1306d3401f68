"""The law, exact (issue 15): judgment kind, 留党察看 probation, chain end, dated state
changes, late objections, statutory repairs put up for review.

* records: ``judgment_kind`` (司法判决: criminal / judgment_debtor / other), ``probation_months``
  (留党察看: 12 or 24), ``restricts_until`` (end of the record's sanction chain, filled with
  the own end here; ``flask records release`` recomputes the chains), the dates of every
  state change (``objected_on``, ``objection_closed_on``, ``revoked_on``, ``exempted_on``,
  ``repaired_on``) and ``repair_review``.
* objections: ``late_reason``.
* Data: records of a statutory category (政务处分, 党纪处分, 问责处理) already ``repaired``
  keep their status and get ``repair_review = true`` (HR's worklist); ``repaired_on`` is
  filled from the approved repair's decision date where one exists; ``revoked_on`` from the
  latest revoke version.

Revision ID: 8e3c5a1d7f20
Revises: 4d9a3b6c1e52
Create Date: 2026-12-07 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8e3c5a1d7f20'
down_revision = '4d9a3b6c1e52'
branch_labels = None
depends_on = None

STATUTORY = ("discipline_gov", "discipline_party", "accountability")


def upgrade():
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("judgment_kind", sa.String(23), nullable=True))
        batch.add_column(sa.Column("probation_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("restricts_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("objected_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("objection_closed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("revoked_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("exempted_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("repaired_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("repair_review", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_records_restricts_until", ["restricts_until"])
    with op.batch_alter_table("objections") as batch:
        batch.add_column(sa.Column("late_reason", sa.String(1000), nullable=True))

    records = sa.table("records", sa.column("id", sa.Integer), sa.column("category", sa.String),
                       sa.column("status", sa.String), sa.column("permanent", sa.Boolean),
                       sa.column("restricted_until", sa.Date), sa.column("restricts_until", sa.Date),
                       sa.column("repaired_on", sa.Date), sa.column("repair_review", sa.Boolean),
                       sa.column("sanction", sa.String), sa.column("probation_months", sa.Integer))
    op.execute(records.update().where(records.c.permanent.is_(False))
               .values(restricts_until=records.c.restricted_until))
    op.execute(records.update().where(records.c.status == "repaired", records.c.category.in_(STATUTORY))
               .values(repair_review=True))
    # a 留党察看 entered before ended with its probation: record the probation (12 or 24, from
    # the entered end) and extend the end by the 24 months of 党纪处分条例 art. 12, with a reason
    bind = op.get_bind()
    probation_rows = bind.execute(sa.text(
        "SELECT id, decided_on, restricted_until FROM records WHERE sanction = 'party_probation' "
        "AND permanent = :f AND restricted_until IS NOT NULL"), {"f": False}).fetchall()
    for rid, decided, until in probation_rows:
        decided, until = _as_date(decided), _as_date(until)
        months = (until.year - decided.year) * 12 + until.month - decided.month
        probation = 24 if months >= 18 else 12
        end = _add_months(decided, probation + 24)
        bind.execute(sa.text(
            "UPDATE records SET probation_months = :p, restricted_until = :e, restricts_until = :e, "
            "restricted_until_reason = :r WHERE id = :i"),
            {"p": probation, "e": end, "i": rid,
             "r": "留党察看影响期按中国共产党纪律处分条例第12条调整为察看期加24个月（数据迁移）"})
    repairs = sa.table("repair_applications", sa.column("record_id", sa.Integer), sa.column("status", sa.String),
                       sa.column("decided_on", sa.Date))
    if sa.inspect(bind).has_table("repair_applications"):
        latest = (sa.select(sa.func.max(repairs.c.decided_on)).where(repairs.c.record_id == records.c.id,
                                                                     repairs.c.status == "approved")
                  .scalar_subquery())
        op.execute(records.update().where(records.c.status == "repaired").values(repaired_on=latest))


def _as_date(value):
    import datetime
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _add_months(day, months):
    import calendar
    import datetime
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return datetime.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def downgrade():
    with op.batch_alter_table("objections") as batch:
        batch.drop_column("late_reason")
    with op.batch_alter_table("records") as batch:
        batch.drop_index("ix_records_restricts_until")
        for name in ("repair_review", "repaired_on", "exempted_on", "revoked_on", "objection_closed_on",
                     "objected_on", "restricts_until", "probation_months", "judgment_kind"):
            batch.drop_column(name)
