"""People search keys (issue 19.5): keyed hashes of the id number's last 4/5/6 characters and a
pinyin sort key of the name.

people.id_tail4/5/6 hold HMAC (ID_HASH_KEY, core.crypto) of the number's tail, truncated to 16
hex digits, so HR can search "…1234" without the number in clear; people.name_key holds the
name in pinyin ("zhang1 wei3"), the people list's name order where the database has no
Chinese collation. On PostgreSQL with ICU an index on (name COLLATE "zh-x-icu", id) serves
the same order (ix_people_name_icu; a plain (name, id) index of that name elsewhere, as the model).

Like 2b7e1f4a9c30 this data migration uses application code: the id numbers are decrypted
with the app's keys (core.crypto) and the keys computed by core.registry.search_keys, in
batches of 2,000 people. Downgrade drops the columns.

Revision ID: 7a1c5e9b3d20
Revises: 7e3c1a9b5d20
Create Date: 2026-12-07 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7a1c5e9b3d20'
down_revision = '7e3c1a9b5d20'
branch_labels = None
depends_on = None

_people = sa.table('people', sa.column('id', sa.Integer), sa.column('name', sa.String),
                   sa.column('id_cipher', sa.Text), sa.column('id_tail4', sa.String),
                   sa.column('id_tail5', sa.String), sa.column('id_tail6', sa.String),
                   sa.column('name_key', sa.String))
BATCH = 2000


def _backfill() -> None:
    from core.crypto import decrypt  # needs the app context Flask-Migrate provides
    from core.registry.search_keys import person_keys
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(_people.c.id, _people.c.name, _people.c.id_cipher)
                            .where(_people.c.id > last).order_by(_people.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            conn.execute(_people.update().where(_people.c.id == row.id)
                         .values(**person_keys(row.name, decrypt(row.id_cipher))))
        last = rows[-1].id


def _has_icu(conn) -> bool:
    return conn.dialect.name == 'postgresql' and conn.execute(
        sa.text("SELECT 1 FROM pg_collation WHERE collname = 'zh-x-icu'")).first() is not None


def upgrade():
    with op.batch_alter_table('people') as batch_op:
        batch_op.add_column(sa.Column('id_tail4', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('id_tail5', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('id_tail6', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_id_tail4'), ['id_tail4'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_id_tail5'), ['id_tail5'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_id_tail6'), ['id_tail6'], unique=False)
        batch_op.create_index('ix_people_name_key_order', ['name_key', 'id'], unique=False)
    _backfill()
    conn = op.get_bind()
    if _has_icu(conn):
        op.execute('CREATE INDEX ix_people_name_icu ON people (name COLLATE "zh-x-icu", id)')
    else:       # the model's index without the collation (SQLite; PostgreSQL built without ICU)
        op.create_index('ix_people_name_icu', 'people', ['name', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_people_name_icu', table_name='people')
    with op.batch_alter_table('people') as batch_op:
        batch_op.drop_index('ix_people_name_key_order')
        batch_op.drop_index(batch_op.f('ix_people_id_tail6'))
        batch_op.drop_index(batch_op.f('ix_people_id_tail5'))
        batch_op.drop_index(batch_op.f('ix_people_id_tail4'))
        batch_op.drop_column('name_key')
        batch_op.drop_column('id_tail6')
        batch_op.drop_column('id_tail5')
        batch_op.drop_column('id_tail4')
