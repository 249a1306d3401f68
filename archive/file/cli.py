"""``flask --app wsgi records release``: store what the passage of time did to records."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core import clock
from core.extensions import db

records = AppGroup("records", help="Misconduct records.")


@records.command("release")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date (default today).")
def release(on):
    """Persist time-based changes: notified → effective after the objection window, → expired
    (解除) after the restriction period. The UI and API already show them without this."""
    from archive.file.records import release_records
    day = on.date() if on else clock.today()
    changed = release_records(day)
    db.session.commit()
    click.echo(f"{changed} records updated as of {day.isoformat()}")


@records.command("cache-prune")
def cache_prune():
    """Delete cached file documents built before today (daily cron; they are never served again)."""
    from archive.file.cache import prune
    n = prune()
    db.session.commit()
    click.echo(f"{n} cached file documents deleted")


def init_app(app) -> None:
    app.cli.add_command(records)
