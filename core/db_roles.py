"""Database roles on PostgreSQL (issue 17, item 3): the application connects as a role that may
only INSERT and SELECT on the audit tables, and has the ordinary rights elsewhere; the tables,
the append-only trigger and the migrations belong to the owner.

``flask --app wsgi db roles --role integrity_app`` (run with DATABASE_URL of the owner, after
``flask --app wsgi db upgrade``) creates or updates the role and its grants; it is idempotent
and is re-run after every migration (the default privileges cover new tables anyway).
The application role can then not UPDATE, DELETE or TRUNCATE audit events or checkpoints,
ALTER the tables, disable or drop their trigger, or switch triggers off with
``session_replication_role`` (superuser only): tests/security/test_db_roles.py.
"""
from __future__ import annotations

import re

import click
from flask.cli import with_appcontext

#: the audit tables: the application may read them and append to them, nothing else
AUDIT_TABLES = ("audit_events", "audit_checkpoints")
#: read-only for the application (the owner's migrations write it)
READ_ONLY_TABLES = ("alembic_version",)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def role_statements(role: str, password: str | None, database: str, schema: str = "public") -> list[str]:
    if not _NAME.match(role):
        raise click.BadParameter("lower-case letters, digits and _ only", param_hint="--role")
    if password is not None and ("\x00" in password or not password):
        raise click.BadParameter("an empty password or one with NUL", param_hint="--password")
    r, s = f'"{role}"', f'"{schema}"'
    attrs = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {r} {attrs}; END IF; END $$",
        f"ALTER ROLE {r} {attrs}",
        f"GRANT CONNECT, TEMPORARY ON DATABASE \"{database.replace(chr(34), chr(34) * 2)}\" TO {r}",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r}",
    ]
    for table in AUDIT_TABLES:
        statements.append(f'REVOKE ALL ON TABLE {s}."{table}" FROM {r}')
        statements.append(f'GRANT SELECT, INSERT ON TABLE {s}."{table}" TO {r}')
    for table in READ_ONLY_TABLES:
        statements.append(f"DO $$ BEGIN IF to_regclass('{schema}.{table}') IS NOT NULL THEN "
                          f"EXECUTE 'REVOKE ALL ON TABLE {s}.\"{table}\" FROM {r}'; "
                          f"EXECUTE 'GRANT SELECT ON TABLE {s}.\"{table}\" TO {r}'; END IF; END $$")
    if password is not None:
        statements.append(f"ALTER ROLE {r} PASSWORD '{password.replace(chr(39), chr(39) * 2)}'")
    return statements


@click.command("roles")
@click.option("--role", default="integrity_app", show_default=True, help="The application's login role.")
@click.option("--password", envvar="APP_DB_PASSWORD", default=None,
              help="Its password (default: the APP_DB_PASSWORD environment variable; unchanged when unset).")
@click.option("--print-sql", is_flag=True, help="Print the statements instead of running them (the password masked).")
@with_appcontext
def roles_command(role, password, print_sql):
    """Create or update the application's database role: INSERT and SELECT only on the audit tables."""
    from core.extensions import db
    statements = role_statements(role, password, db.engine.url.database or "integrity")
    if print_sql:
        for sql in statements:
            click.echo((sql if "PASSWORD '" not in sql else sql.split(" PASSWORD ")[0] + " PASSWORD '…'") + ";")
        return
    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite has no roles: protect the database file and the witness with file permissions.")
        return
    with db.engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    click.echo(f"role {role}: SELECT and INSERT only on {', '.join(AUDIT_TABLES)}; the ordinary rights elsewhere. "
               f"Connect the application as {role}, run migrations as the owner.")


def init_app(app) -> None:
    from flask_migrate.cli import db as migrate_group
    if "roles" not in migrate_group.commands:
        migrate_group.add_command(roles_command)
