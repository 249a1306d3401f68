"""``flask --app wsgi calendar ...``: working days after a date, load a year's schedule."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from core.extensions import db

calendar_cli = AppGroup("calendar", help="The working-day calendar (public holidays and 调休).")


@calendar_cli.command("workdays")
@click.argument("start", metavar="FROM", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("n", type=click.IntRange(0, 3660))
def workdays(start: datetime, n: int) -> None:
    """Print the date N working days after FROM (FROM itself not counted)."""
    from core.workcal import service
    day = start.date()
    due = service.working_days_after(day, n)
    click.echo(due.isoformat())
    cal = service.calendar()
    unknown = sorted({y for y in range(day.year, due.year + 1) if not cal.covers(y)})
    if unknown:
        click.echo(f"warning: no holiday schedule for {', '.join(map(str, unknown))}: weekends only", err=True)


@calendar_cli.command("load")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def load(file) -> None:
    """Add or replace the years of a schedule FILE (CSV: year,kind,from,to,name; see README)."""
    from core.workcal import service
    from core.workcal.schedule import ScheduleInvalid
    try:
        years = service.load(file.read(), by=None)
    except ScheduleInvalid as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None
    except UnicodeDecodeError:
        click.echo("the file is not UTF-8 text", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"loaded {', '.join(map(str, years))}")


def init_app(app) -> None:
    app.cli.add_command(calendar_cli)
