"""Command line of API.md: ``import KIND FILE [--dry-run]`` and ``export credit-platform``.

The command line acts for the whole system (no scope) unless ``--as USERNAME`` names an
HR account whose scope should apply. Output is the same JSON as the API.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.extensions import db

from .models import IMPORT_KINDS

export = AppGroup("export", help="Exports (credit platform).")


def _user(username: str | None):
    if not username:
        return None
    from core.accounts.models import User
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        click.echo(f"no such user: {username}", err=True)
        raise SystemExit(2)
    return user


@click.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; import nothing.")
@click.option("--as", "username", help="Apply the scope of this HR account (default: whole system).")
@click.option("--activation-codes", is_flag=True, help="people: activation codes for the new people.")
def import_command(kind, file, dry_run, username, activation_codes):
    """Import an .xlsx file (the same import as the API); exit 1 when the file has errors."""
    from core.errors import DomainError

    from . import services
    user = _user(username)
    try:
        batch = services.import_file(kind, file.read_bytes(), file.name, user=user, dry_run=dry_run, via="cli")
        codes = services.activation_codes_for_import(batch, user) if activation_codes else None
    except DomainError as exc:
        db.session.rollback()
        click.echo(json.dumps(exc.to_json(), ensure_ascii=False), err=True)
        raise SystemExit(2) from None
    db.session.commit()
    result = batch.result_json()
    click.echo(json.dumps({k: result[k] for k in ("rows", "errors", "imported", "unchanged")}, ensure_ascii=False))
    if codes is not None:
        click.echo(f"activation codes: batch {codes.id}, {codes.created} codes "
                   f"(slips: flask --app wsgi users provision, or GET /api/v1/activations/{codes.id}/slips.pdf)")
    if batch.errors:
        for e in batch.errors[:50]:
            click.echo(f"第 {e['row']} 行 {e['column'] or ''}: {e['message']}", err=True)
        raise SystemExit(1)


@export.command("credit-platform")
@click.option("--since", "since_text", help="ISO 8601 time (default: since the last export).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON Lines to FILE (default: standard output).")
@click.option("--as", "username", help="Apply the scope of this HR account (default: whole system).")
def export_credit_platform(since_text, out, username):
    """Dishonesty records as JSON Lines for the credit information platform (docs/credit-platform.md)."""
    from . import credit
    try:
        since = credit.parse_since(since_text)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from None
    user = _user(username)
    result = credit.export_records(user=user, since=since, via="cli")
    db.session.commit()
    if out:
        out.write_bytes(result.data)
        click.echo(f"{result.export.count} records written to {out} (export #{result.export.id}, "
                   f"sha256 {result.export.sha256})", err=True)
    else:
        sys.stdout.buffer.write(result.data)
        sys.stdout.flush()


def init_app(app) -> None:
    app.cli.add_command(import_command)
    app.cli.add_command(export)
