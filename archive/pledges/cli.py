"""``flask --app wsgi pledges remind [--today YYYY-MM-DD]`` (run daily by cron)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.extensions import db

pledges = AppGroup("pledges", help="Pledges (信用承诺).")


@pledges.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run the schedule as of this date (default: today in TIME_ZONE, core.clock).")
def remind(today):
    """Remind unsigned pledges: 5 days after assignment, then every 2 days, until 30 days."""
    from archive.pledges.services import send_reminders
    from core.notify.services import send_pending_email
    sent = send_reminders(today.date() if today else None)
    db.session.commit()
    emailed = send_pending_email()
    db.session.commit()
    click.echo(f"已发送承诺签署提醒 {sent} 条" + (f"，邮件 {emailed} 封" if emailed else ""))


def init_app(app) -> None:
    app.cli.add_command(pledges)
