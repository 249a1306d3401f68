"""Coverage cube (issue 11): coverage_facts counted by group, kept current by triggers.

coverage_cube holds one row per distinct (department_path, active, established, pledge_ok,
last_appraisal_year, training_met, training_year) of coverage_facts with the number of
people ``n`` (the years 0 instead of NULL). The dashboard sums ``n`` over a subtree's cube
rows instead of counting its people (archive/coverage/cube.py explains).

Triggers on coverage_facts keep it exact: on PostgreSQL AFTER … FOR EACH STATEMENT with
transition tables (one aggregate upsert per statement), on SQLite AFTER … FOR EACH ROW
(upsert of the new group, decrement of the old one). The SQL is copied from
archive/coverage/cube.py (migrations never import application code). The upgrade fills the
cube from the existing facts with one INSERT … SELECT … GROUP BY.

Revision ID: 4d9a3b6c1e52
Revises: 3c8f2a5b0d41
Create Date: 2026-11-21 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '4d9a3b6c1e52'
down_revision = '3c8f2a5b0d41'
branch_labels = None
depends_on = None

PG_TRIGGER_SQL = [
    """
    CREATE OR REPLACE FUNCTION coverage_cube_on_insert() RETURNS trigger AS $$
    DECLARE g record;
    BEGIN
    FOR g IN
        INSERT INTO coverage_cube (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n)
        SELECT department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, sum(d) FROM (
            SELECT r.department_path, r.active, r.established, r.pledge_ok, coalesce(r.last_appraisal_year, 0) AS last_appraisal_year, r.training_met, coalesce(r.training_year, 0) AS training_year, 1 AS d FROM cube_new AS r
        ) AS changes
        GROUP BY department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year HAVING sum(d) <> 0
        ORDER BY department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year
        ON CONFLICT (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year) DO UPDATE SET n = coverage_cube.n + EXCLUDED.n
        RETURNING department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n
    LOOP
        IF g.n <= 0 THEN
            DELETE FROM coverage_cube c WHERE c.department_path = g.department_path AND c.active = g.active AND c.established = g.established AND c.pledge_ok = g.pledge_ok AND c.last_appraisal_year = g.last_appraisal_year AND c.training_met = g.training_met AND c.training_year = g.training_year;
        END IF;
    END LOOP;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION coverage_cube_on_update() RETURNS trigger AS $$
    DECLARE g record;
    BEGIN
    FOR g IN
        INSERT INTO coverage_cube (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n)
        SELECT department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, sum(d) FROM (
            SELECT r.department_path, r.active, r.established, r.pledge_ok, coalesce(r.last_appraisal_year, 0) AS last_appraisal_year, r.training_met, coalesce(r.training_year, 0) AS training_year, 1 AS d FROM cube_new AS r UNION ALL SELECT r.department_path, r.active, r.established, r.pledge_ok, coalesce(r.last_appraisal_year, 0) AS last_appraisal_year, r.training_met, coalesce(r.training_year, 0) AS training_year, -1 AS d FROM cube_old AS r
        ) AS changes
        GROUP BY department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year HAVING sum(d) <> 0
        ORDER BY department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year
        ON CONFLICT (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year) DO UPDATE SET n = coverage_cube.n + EXCLUDED.n
        RETURNING department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n
    LOOP
        IF g.n <= 0 THEN
            DELETE FROM coverage_cube c WHERE c.department_path = g.department_path AND c.active = g.active AND c.established = g.established AND c.pledge_ok = g.pledge_ok AND c.last_appraisal_year = g.last_appraisal_year AND c.training_met = g.training_met AND c.training_year = g.training_year;
        END IF;
    END LOOP;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION coverage_cube_on_delete() RETURNS trigger AS $$
    DECLARE g record;
    BEGIN
    FOR g IN
        INSERT INTO coverage_cube (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n)
        SELECT department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, sum(d) FROM (
            SELECT r.department_path, r.active, r.established, r.pledge_ok, coalesce(r.last_appraisal_year, 0) AS last_appraisal_year, r.training_met, coalesce(r.training_year, 0) AS training_year, -1 AS d FROM cube_old AS r
        ) AS changes
        GROUP BY department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year HAVING sum(d) <> 0
        ORDER BY department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year
        ON CONFLICT (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year) DO UPDATE SET n = coverage_cube.n + EXCLUDED.n
        RETURNING department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n
    LOOP
        IF g.n <= 0 THEN
            DELETE FROM coverage_cube c WHERE c.department_path = g.department_path AND c.active = g.active AND c.established = g.established AND c.pledge_ok = g.pledge_ok AND c.last_appraisal_year = g.last_appraisal_year AND c.training_met = g.training_met AND c.training_year = g.training_year;
        END IF;
    END LOOP;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    'DROP TRIGGER IF EXISTS coverage_cube_insert ON coverage_facts',
    'DROP TRIGGER IF EXISTS coverage_cube_update ON coverage_facts',
    'DROP TRIGGER IF EXISTS coverage_cube_delete ON coverage_facts',
    """
    CREATE TRIGGER coverage_cube_insert AFTER INSERT ON coverage_facts
    REFERENCING NEW TABLE AS cube_new
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_cube_on_insert()
    """,
    """
    CREATE TRIGGER coverage_cube_update AFTER UPDATE ON coverage_facts
    REFERENCING OLD TABLE AS cube_old NEW TABLE AS cube_new
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_cube_on_update()
    """,
    """
    CREATE TRIGGER coverage_cube_delete AFTER DELETE ON coverage_facts
    REFERENCING OLD TABLE AS cube_old
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_cube_on_delete()
    """,
]

PG_DROP_SQL = [
    'DROP TRIGGER IF EXISTS coverage_cube_insert ON coverage_facts',
    'DROP TRIGGER IF EXISTS coverage_cube_update ON coverage_facts',
    'DROP TRIGGER IF EXISTS coverage_cube_delete ON coverage_facts',
    'DROP FUNCTION IF EXISTS coverage_cube_on_insert()',
    'DROP FUNCTION IF EXISTS coverage_cube_on_update()',
    'DROP FUNCTION IF EXISTS coverage_cube_on_delete()',
]

SQLITE_TRIGGER_SQL = [
    'DROP TRIGGER IF EXISTS coverage_cube_insert',
    'DROP TRIGGER IF EXISTS coverage_cube_update',
    'DROP TRIGGER IF EXISTS coverage_cube_delete',
    'CREATE TRIGGER coverage_cube_insert AFTER INSERT ON coverage_facts BEGIN INSERT INTO coverage_cube (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n) VALUES (NEW.department_path, NEW.active, NEW.established, NEW.pledge_ok, coalesce(NEW.last_appraisal_year, 0), NEW.training_met, coalesce(NEW.training_year, 0), 1) ON CONFLICT (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year) DO UPDATE SET n = n + 1; END',
    'CREATE TRIGGER coverage_cube_update AFTER UPDATE ON coverage_facts WHEN OLD.department_path IS NOT NEW.department_path OR OLD.active IS NOT NEW.active OR OLD.established IS NOT NEW.established OR OLD.pledge_ok IS NOT NEW.pledge_ok OR OLD.last_appraisal_year IS NOT NEW.last_appraisal_year OR OLD.training_met IS NOT NEW.training_met OR OLD.training_year IS NOT NEW.training_year BEGIN UPDATE coverage_cube SET n = n - 1 WHERE department_path = OLD.department_path AND active = OLD.active AND established = OLD.established AND pledge_ok = OLD.pledge_ok AND last_appraisal_year = coalesce(OLD.last_appraisal_year, 0) AND training_met = OLD.training_met AND training_year = coalesce(OLD.training_year, 0); DELETE FROM coverage_cube WHERE department_path = OLD.department_path AND active = OLD.active AND established = OLD.established AND pledge_ok = OLD.pledge_ok AND last_appraisal_year = coalesce(OLD.last_appraisal_year, 0) AND training_met = OLD.training_met AND training_year = coalesce(OLD.training_year, 0) AND n <= 0; INSERT INTO coverage_cube (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n) VALUES (NEW.department_path, NEW.active, NEW.established, NEW.pledge_ok, coalesce(NEW.last_appraisal_year, 0), NEW.training_met, coalesce(NEW.training_year, 0), 1) ON CONFLICT (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year) DO UPDATE SET n = n + 1; END',
    'CREATE TRIGGER coverage_cube_delete AFTER DELETE ON coverage_facts BEGIN UPDATE coverage_cube SET n = n - 1 WHERE department_path = OLD.department_path AND active = OLD.active AND established = OLD.established AND pledge_ok = OLD.pledge_ok AND last_appraisal_year = coalesce(OLD.last_appraisal_year, 0) AND training_met = OLD.training_met AND training_year = coalesce(OLD.training_year, 0); DELETE FROM coverage_cube WHERE department_path = OLD.department_path AND active = OLD.active AND established = OLD.established AND pledge_ok = OLD.pledge_ok AND last_appraisal_year = coalesce(OLD.last_appraisal_year, 0) AND training_met = OLD.training_met AND training_year = coalesce(OLD.training_year, 0) AND n <= 0; END',
]

SQLITE_DROP_SQL = [
    'DROP TRIGGER IF EXISTS coverage_cube_insert',
    'DROP TRIGGER IF EXISTS coverage_cube_update',
    'DROP TRIGGER IF EXISTS coverage_cube_delete',
]

FILL_SQL = [
    'INSERT INTO coverage_cube (department_path, active, established, pledge_ok, last_appraisal_year, training_met, training_year, n) SELECT f.department_path, f.active, f.established, f.pledge_ok, coalesce(f.last_appraisal_year, 0), f.training_met, coalesce(f.training_year, 0), count(*) FROM coverage_facts AS f GROUP BY f.department_path, f.active, f.established, f.pledge_ok, coalesce(f.last_appraisal_year, 0), f.training_met, coalesce(f.training_year, 0)',
]


def upgrade():
    op.create_table('coverage_cube',
    sa.Column('department_path', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('established', sa.Boolean(), nullable=False),
    sa.Column('pledge_ok', sa.Boolean(), nullable=False),
    sa.Column('last_appraisal_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('training_met', sa.Boolean(), nullable=False),
    sa.Column('training_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('department_path', 'active', 'established', 'pledge_ok', 'last_appraisal_year',
                            'training_met', 'training_year', name=op.f('pk_coverage_cube'))
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # no fact may change between the fill and the triggers
        op.execute("LOCK TABLE coverage_facts IN SHARE ROW EXCLUSIVE MODE")
    for stmt in FILL_SQL:
        op.execute(stmt)
    for stmt in PG_TRIGGER_SQL if postgres else SQLITE_TRIGGER_SQL:
        op.execute(stmt)
    if postgres:
        op.execute("ANALYZE coverage_cube")


def downgrade():
    for stmt in PG_DROP_SQL if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP_SQL:
        op.execute(stmt)
    op.drop_table('coverage_cube')
