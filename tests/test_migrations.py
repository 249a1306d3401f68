"""The schema comes from migrations only: upgrading an empty database gives exactly the models."""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core import crypto
from core.app import create_app
from core.extensions import db
from core.schema_extras import include_object


@pytest.fixture
def empty_database(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    import psycopg
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    name = f"ia_migrate_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield plain.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database.replace("postgresql://", "postgresql+psycopg://"),
                     INSTANCE_DIR=str(tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                triggers = conn.execute(sa.text(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass")).scalars().all()
            assert "audit_events_no_change" in triggers
        with db.engine.connect() as conn:     # the triggers that keep coverage_cube current (both dialects)
            sql = ("SELECT tgname FROM pg_trigger WHERE tgrelid = 'coverage_facts'::regclass"
                   if db.engine.dialect.name == "postgresql"
                   else "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'coverage_facts'")
            triggers = set(conn.execute(sa.text(sql)).scalars())
        assert {"coverage_cube_insert", "coverage_cube_update", "coverage_cube_delete"} <= triggers
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        db.session.remove()
        db.engine.dispose()


def test_totp_seeds_are_encrypted_by_the_upgrade_and_decrypted_by_the_downgrade(empty_database, tmp_path):
    """2b7e1f4a9c30 turns plaintext TOTP seeds already in the table into Fernet tokens."""
    from flask_migrate import downgrade, upgrade

    from core import crypto
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database.replace("postgresql://", "postgresql+psycopg://"),
                     INSTANCE_DIR=str(tmp_path))
    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    raw = sa.text("SELECT totp_secret FROM users WHERE username = 'enrolled'")
    with app.app_context():
        upgrade(revision="31f923eedb99")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (username, display_name, password_hash, session_token, totp_secret, totp_enabled)"
                " VALUES ('enrolled', 'e', 'x', 't', :seed, true)"), {"seed": seed})   # server defaults fill the rest
        upgrade()
        with db.engine.connect() as conn:
            token = conn.execute(raw).scalar_one()
        assert token.startswith("gAAAAA") and crypto.decrypt(token) == seed
        downgrade(revision="31f923eedb99")
        with db.engine.connect() as conn:
            assert conn.execute(raw).scalar_one() == seed
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()


def test_catalogue_owners_and_token_expiry_are_backfilled(empty_database, tmp_path):
    """7c1e5a2d9b64 (issue 17 items 7, 10): a template belongs to its creator's department,
    the rest to the single root; live tokens get the default 90 days."""
    from flask_migrate import downgrade, upgrade
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database.replace("postgresql://", "postgresql+psycopg://"),
                     INSTANCE_DIR=str(tmp_path))
    with app.app_context():
        upgrade(revision="4d9a3b6c1e52")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO departments (id, name, kind, path, depth) VALUES "
                                 "(1, '东营市', 'city', '/1/', 0), (2, '东营区', 'county', '/1/2/', 1)"))
            conn.execute(sa.text("UPDATE departments SET parent_id = 1 WHERE id = 2"))
            conn.execute(sa.text("INSERT INTO users (id, username, display_name, password_hash, session_token, "
                                 "department_id) VALUES (1, 'hr', 'hr', 'x', 't', 2)"))
            conn.execute(sa.text("INSERT INTO pledge_templates (id, template_key, version, kind, title, body, status, "
                                 "created_by_id) VALUES (1, 'k1', 1, 'annual', 't', 'b', 'published', 1), "
                                 "(2, 'k2', 1, 'annual', 't', 'b', 'published', NULL)"))
            conn.execute(sa.text("INSERT INTO courses (id, code, title, category, hours, mode) "
                                 "VALUES (1, 'C1', 'c', 'integrity', 2, 'online')"))
            conn.execute(sa.text("INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES (1, 'a', 'h', 'p')"))
        upgrade()
        with db.engine.connect() as conn:
            owners = dict(conn.execute(sa.text("SELECT id, owner_department_id FROM pledge_templates")).all())
            course = conn.execute(sa.text("SELECT owner_department_id FROM courses")).scalar_one()
            expiry = conn.execute(sa.text("SELECT expires_at FROM api_tokens")).scalar_one()
        assert owners == {1: 2, 2: 1} and course == 1 and expiry is not None
        downgrade(revision="base")


def test_the_law_exact_keeps_statutory_repairs_for_review_and_extends_party_probation(empty_database, tmp_path):
    """8e3c5a1d7f20 (issue 15): a statutory record already repaired keeps its status and goes on
    HR's review list; a 留党察看 gets its probation and the 24 months of 党纪处分条例 art. 12."""
    from flask_migrate import upgrade
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database.replace("postgresql://", "postgresql+psycopg://"),
                     INSTANCE_DIR=str(tmp_path))
    common = {"v": 1, "f": False, "t": True}
    with app.app_context():
        upgrade(revision="4d9a3b6c1e52")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO departments (id, name, kind, path, depth, sort_order, version, created_at, updated_at)"
                " VALUES (1, '东营市', 'city', '/1/', 0, 0, :v, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), common)
            conn.execute(sa.text(
                "INSERT INTO people (id, name, id_hash, id_cipher, id_masked, gender, birth_date, department_id,"
                " department_path, \"leading\", entry_date, status, version, created_at, updated_at) VALUES"
                " (1, '张伟', 'h', :cipher, 'm', 'male', '1980-01-01', 1, '/1/', :f, '2010-01-01', 'active', :v,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),      # a real cipher: a later migration decrypts it
                {**common, "cipher": crypto.encrypt("11010519491231002X")})
            rows = [(1, "discipline_gov", "demerit", "repaired", "2025-03-01", "2026-03-01"),
                    (2, "admin_penalty", "none", "repaired", "2025-03-01", "2026-03-01"),
                    (3, "discipline_party", "party_probation", "effective", "2025-03-01", "2027-03-01")]
            for rid, category, sanction, status, decided, until in rows:
                conn.execute(sa.text(
                    "INSERT INTO records (id, person_id, category, sanction, severity, decided_on, restricted_until,"
                    " permanent, authority, facts, facts_private, disclosable, status, version, created_at,"
                    " updated_at) VALUES (:id, 1, :c, :s, 'general', :d, :u, :f, '机关', '事实', :f, :f, :st, :v,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {**common, "id": rid, "c": category, "s": sanction, "d": decided, "u": until, "st": status})
        upgrade()
        with db.engine.connect() as conn:
            got = {r.id: r for r in conn.execute(sa.text(
                "SELECT id, status, repair_review, probation_months, restricted_until, restricts_until FROM records"))}
        assert (got[1].status, bool(got[1].repair_review)) == ("repaired", True)
        assert (got[2].status, bool(got[2].repair_review)) == ("repaired", False)
        assert got[3].probation_months == 24
        assert str(got[3].restricted_until)[:10] == "2029-03-01" == str(got[3].restricts_until)[:10]
        db.session.remove()
        db.engine.dispose()
