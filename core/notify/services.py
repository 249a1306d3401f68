"""notify(): put a message in an inbox (and send an email when SMTP is configured)."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app

from core import clock
from core.extensions import db
from core.notify.models import Notification

log = logging.getLogger("integrity.notify")


def notify(*, kind: str, title: str, body: str = "", link: str | None = None, user=None,
           person=None) -> Notification:
    """Queue a notification for a user or a person (in the caller's transaction)."""
    n = Notification(kind=kind, title=title[:200], body=body, link=link,
                     user_id=getattr(user, "id", None), person_id=getattr(person, "id", None))
    db.session.add(n)
    db.session.flush()
    return n


def notify_many(rows: list[dict]) -> int:
    """Bulk insert (pledge reminders, bulk enrolment): rows of notify()'s keyword arguments."""
    if not rows:
        return 0
    now = clock.utcnow()
    db.session.execute(sa.insert(Notification), [
        {"kind": r["kind"], "title": r["title"][:200], "body": r.get("body", ""), "link": r.get("link"),
         "user_id": r.get("user_id"), "person_id": r.get("person_id"), "created_at": now} for r in rows])
    return len(rows)


def inbox_clause(user):
    conds = [Notification.user_id == user.id]
    if user.person_id:
        conds.append(Notification.person_id == user.person_id)
    return sa.or_(*conds)


def inbox(user):
    return db.select(Notification).where(inbox_clause(user)).order_by(Notification.created_at.desc(),
                                                                       Notification.id.desc())


def unread_count(user) -> int:
    return db.session.execute(db.select(sa.func.count()).select_from(Notification)
                              .where(inbox_clause(user), Notification.read_at.is_(None))).scalar_one()


def mark_read(user, ids: list[int] | None = None) -> int:
    q = db.select(Notification).where(inbox_clause(user), Notification.read_at.is_(None))
    if ids:
        q = q.where(Notification.id.in_(ids))
    rows = db.session.execute(q).scalars().all()
    for n in rows:
        n.read_at = clock.utcnow()
    return len(rows)


def send_pending_email(limit: int = 500) -> int:
    """Email unsent notifications to users that have an address (cron; no-op without SMTP)."""
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return 0
    from core.accounts.models import User
    rows = db.session.execute(
        db.select(Notification, User).join(User, sa.or_(User.id == Notification.user_id,
                                                        sa.and_(Notification.person_id.is_not(None),
                                                                User.person_id == Notification.person_id)))
        .where(Notification.emailed_at.is_(None), User.email.is_not(None)).limit(limit)).all()
    sent = 0
    with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=10) as smtp:
        for n, user in rows:
            msg = EmailMessage()
            msg["From"] = current_app.config["MAIL_FROM"]
            msg["To"] = user.email
            msg["Subject"] = n.title
            msg.set_content(n.body or n.title)
            smtp.send_message(msg)
            n.emailed_at = clock.utcnow()
            sent += 1
    return sent
