"""Reminders of unsigned pledges (docs/rules.md §5): run daily by ``flask --app wsgi pledges remind``.

The schedule itself is the pure :func:`archive.pledges.schedule.reminder_due`; SQL only
pre-selects candidates inside its window.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from archive.pledges.common import sign_link_parts
from archive.pledges.models import Pledge, PledgeStatus, PledgeTemplate
from archive.pledges.schedule import reminder_due, reminder_window
from core import clock
from core.audit.services import record_event
from core.changes import PLEDGE, changed
from core.enums import PersonStatus
from core.extensions import db
from core.guards import allow_bulk
from core.notify.services import notify_many
from core.registry.models import Person


def send_reminders(today: date | None = None, *, batch: int = 5000) -> int:
    """Remind every unsigned pledge (of an active person) due for a reminder ``today``:
    bulk inbox notifications (emailed by the CLI when SMTP is configured) and the pledge's
    counters. Returns how many were sent."""
    today = today or clock.today()
    earliest, latest, last_before = reminder_window(today)
    rows = db.session.execute(
        sa.select(Pledge.id, Pledge.person_id, Pledge.assigned_on, Pledge.last_reminded_on, Pledge.due_on,
                  PledgeTemplate.title)
        .join(PledgeTemplate, PledgeTemplate.id == Pledge.template_id)
        .join(Person, Person.id == Pledge.person_id)
        .where(Pledge.status == PledgeStatus.ASSIGNED, Pledge.assigned_on >= earliest,
               Pledge.assigned_on <= latest, Person.status == PersonStatus.ACTIVE,
               sa.or_(Pledge.last_reminded_on.is_(None), Pledge.last_reminded_on <= last_before))).all()
    due = [r for r in rows if reminder_due(r.assigned_on, r.last_reminded_on, today)]
    prefix, suffix = sign_link_parts()      # each reminder opens its own pledge (issue 19)
    sent = 0
    for start in range(0, len(due), batch):
        chunk = due[start:start + batch]
        notify_many([{"kind": "pledge_reminder", "title": f"请签署承诺：{r.title}",
                      "body": reminder_body(r.title, r.due_on, today), "link": f"{prefix}{r.id}{suffix}",
                      "person_id": r.person_id}
                     for r in chunk])
        # counters only, on unsigned rows: the evidence of a signed pledge is never touched
        with allow_bulk("pledge reminder counters"):
            db.session.execute(sa.update(Pledge).where(Pledge.id.in_([r.id for r in chunk]),
                                                       Pledge.status == PledgeStatus.ASSIGNED)
                               .values(reminders_sent=Pledge.reminders_sent + 1, last_reminded_on=today)
                               .execution_options(synchronize_session=False))
        sent += len(chunk)
        changed([r.person_id for r in chunk], PLEDGE)     # the file shows the reminder count
    if sent:
        record_event("pledge_remind", None, f"{today.isoformat()} 发送承诺签署提醒 {sent} 条", actor=None)
    return sent


def reminder_body(title: str, due_on: date, today: date) -> str:
    if due_on < today:
        return f"《{title}》已超过签署截止日期（{due_on.isoformat()}），请尽快阅读并在线签署。"
    return f"《{title}》尚未签署，截止日期 {due_on.isoformat()}，请及时阅读并在线签署。"
