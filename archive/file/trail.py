"""Trail sources of the archive (core/audit/trail.py): the batch events that touched a person.

* ``import``: the people import notes the batch on the person's registry change ("Excel 导入
  （批次 #12）"), the record import on the record (``source = "import:12"``);
* ``pledge_assign``: the event of the template, within a minute of the person's pledge of it;
* ``training_enrol``: the event of the course, within a minute of the person's enrolment;
* ``coverage_bulk_action``: the worklist's bulk act, within a minute of a pledge, enrolment or
  reminder the person received.
"""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.extensions import db

WINDOW = timedelta(minutes=1)
_BATCH = re.compile(r"批次 #(\d+)")
_LIMIT = 200        # the latest acts per person and kind: a trail, not a report


def _near(times, *conditions) -> list:
    return [sa.and_(*conditions, AuditEvent.occurred_at.between(t - WINDOW, t + WINDOW)) for t in times if t]


def import_events(person_ids: list[int]) -> list:
    from archive.file.models import Record
    from core.registry.models import PersonChange
    reasons = db.session.execute(sa.select(PersonChange.reason).where(
        PersonChange.person_id.in_(person_ids), PersonChange.reason.like("%批次 #%")).limit(_LIMIT)).scalars()
    batches = {int(m.group(1)) for r in reasons if r for m in [_BATCH.search(r)] if m}
    sources = db.session.execute(sa.select(Record.source).where(
        Record.person_id.in_(person_ids), Record.source.like("import:%")).limit(_LIMIT)).scalars()
    batches |= {int(s.split(":", 1)[1]) for s in sources if s and s.split(":", 1)[1].isdigit()}   # LIKE: never NULL
    if not batches:
        return []
    return [sa.and_(AuditEvent.action == "import", AuditEvent.target_type == "import_batches",
                    AuditEvent.target_id.in_(sorted(batches)))]


def pledge_events(person_ids: list[int]) -> list:
    from archive.pledges.models import Pledge
    rows = db.session.execute(sa.select(Pledge.template_id, Pledge.assigned_at).where(
        Pledge.person_id.in_(person_ids)).order_by(Pledge.id.desc()).limit(_LIMIT)).all()
    return [c for r in rows for c in _near([r.assigned_at], AuditEvent.action == "pledge_assign",
                                           AuditEvent.target_type == "pledge_templates",
                                           AuditEvent.target_id == r.template_id)]


def enrolment_events(person_ids: list[int]) -> list:
    from training.models import Enrolment
    rows = db.session.execute(sa.select(Enrolment.course_id, Enrolment.created_at).where(
        Enrolment.person_id.in_(person_ids)).order_by(Enrolment.id.desc()).limit(_LIMIT)).all()
    return [c for r in rows for c in _near([r.created_at], AuditEvent.action == "training_enrol",
                                           AuditEvent.target_type == "courses", AuditEvent.target_id == r.course_id)]


def bulk_action_events(person_ids: list[int]) -> list:
    from core.notify.models import Notification
    times = db.session.execute(sa.select(Notification.created_at).where(
        Notification.person_id.in_(person_ids),
        Notification.kind.in_(("coverage_reminder", "pledge_assigned", "course_enrolled")))
        .order_by(Notification.id.desc()).limit(_LIMIT)).scalars().all()
    return _near(sorted(set(times)), AuditEvent.action == "coverage_bulk_action")


def register() -> None:
    from core.audit.trail import register_trail_source
    for fn in (import_events, pledge_events, enrolment_events, bulk_action_events):
        register_trail_source(fn)
