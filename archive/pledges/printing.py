"""The PDF of a signed pledge (docs/rules.md §5, §9): the text as signed, then an evidence page
(timeline, IP, user agent, SHA-256, verification serial and QR code). Every print gets a
serial through core.documents.issue_document, which stores the PDF's hash and audits it."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from archive.pledges.models import Pledge, PledgeStatus
from core import clock
from core.errors import Conflict
from core.extensions import db


def first_opened_at(pledge: Pledge) -> datetime | None:
    """When the person first opened the signing page (the ``pledge_open`` audit event)."""
    if pledge.opened_at is not None:
        return pledge.opened_at
    from core.audit.models import AuditEvent
    return db.session.execute(
        sa.select(AuditEvent.occurred_at).where(AuditEvent.target_type == Pledge.__tablename__,
                                                AuditEvent.target_id == pledge.id, AuditEvent.action == "pledge_open")
        .order_by(AuditEvent.id).limit(1)).scalar_one_or_none()


def timeline(pledge: Pledge) -> list[tuple[datetime | date, str]]:
    """The evidence timeline: assigned, reminded, opened, signed, published."""
    items: list[tuple[datetime | date, str]] = [
        (pledge.assigned_at, "分配签署任务" + ("（系统自动）" if pledge.assigned_by_id is None else ""))]
    if pledge.reminders_sent and pledge.last_reminded_on is not None:     # set together (reminders.py)
        items.append((pledge.last_reminded_on, f"系统提醒 {pledge.reminders_sent} 次（最近一次）"))
    opened = first_opened_at(pledge)
    if opened:
        items.append((opened, "本人首次打开承诺书"))
    if pledge.signed_at:
        items.append((pledge.signed_at, "本人在线签署"))
    if pledge.published and pledge.published_at:
        items.append((pledge.published_at, "承诺公示"))
    return items


def print_pledge(pledge: Pledge, user):
    """-> (PrintedDocument, pdf bytes). Refused (409) for a pledge not signed."""
    from core.documents import issue_document, verify_url
    from core.pdf import qr_data_uri, render_pdf
    if pledge.status is not PledgeStatus.SIGNED:
        raise Conflict("illegal_state", "只有已签署的承诺书可以打印")
    printed_at = clock.now()

    def render(serial: str) -> bytes:
        return render_pdf("pdf/pledge.html", stylesheet="pdf/pledge.css", pledge=pledge, person=pledge.person,
                          serial=serial, qr=qr_data_uri(verify_url(serial)), printed_at=printed_at,
                          printed_by=user, timeline=timeline(pledge), text=pledge.signed_text or "")
    doc, data = issue_document("pledge", render, person=pledge.person, issued_by=user, owner=pledge,
                               title=f"{pledge.template.title}（{pledge.person.name}）")
    db.session.expire(pledge, ["documents"])
    return doc, data
