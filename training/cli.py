"""``flask --app wsgi training refresh [--year Y]`` and ``training remind [--days 7]`` (daily cron).

Run it nightly (cron): applicability of the initial/appointment requirements and the calendar
year move with the date, not only with writes. The services keep the table current on every
completion; this recomputes everyone set-based (one INSERT … SELECT … ON CONFLICT).
"""
from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from core import clock
from core.extensions import db

training = AppGroup("training", help="Training requirements.")


@training.command("refresh")
@click.option("--year", type=int, default=None, help="Calendar year (default: this year).")
def refresh(year):
    """Recompute every person's training status for YEAR."""
    from training.models import TrainingStatus
    from training.services import refresh_training_status
    year = year or clock.today().year
    t0 = time.perf_counter()
    refresh_training_status(None, year)
    db.session.commit()
    total, met = db.session.execute(sa.select(sa.func.count(), sa.func.sum(sa.case((TrainingStatus.meets, 1),
                                                                                      else_=0)))
                                    .where(TrainingStatus.year == year)).one()
    click.echo(f"training status {year}: {total} people, {met or 0} meet the requirements "
               f"({time.perf_counter() - t0:.1f} s)")


@training.command("remind")
@click.option("--days", type=int, default=7, show_default=True, help="Remind this many days before the due date.")
def remind(days):
    """Notify people of enrolments due soon or overdue since yesterday (run daily)."""
    from training.services import remind_due
    n = remind_due(days=days)
    db.session.commit()
    click.echo(f"training reminders sent: {n}")


def init_app(app) -> None:
    app.cli.add_command(training)
