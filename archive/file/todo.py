"""What waits for a civil servant (issue 19): the to-do block at the top of "my file".

Read fresh on every view (the file's content below it is cached; these change with pledges,
courses and the calendar): records whose objection window is open (here), courses due
(training's public ``open_enrolments``) and what other archive packages register in
``TODO_PROVIDERS`` (archive.pledges.hooks: pledges to sign) — a provider is
``fn(person, today) -> list[TodoItem]``. A few indexed queries on one person's rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from archive import rules
from archive.enums import RecordStatus
from archive.file import common as c
from archive.file.loader import rule_settings
from archive.file.models import Objection, Record
from core import wiring
from core.extensions import db


@dataclass(frozen=True)
class TodoItem:
    kind: str                 # pledge / course / record
    key: int                  # the row's id (pledge, enrolment, record)
    title: str
    due_on: date | None       # sign by / complete by / object by
    url: str
    action: str               # the button's label: 签署, 学习, 查看
    overdue: bool = False


ORDER = ("pledge", "course", "record")


def _records(person, today: date) -> list[TodoItem]:
    settings = rule_settings()
    objected = sa.select(Objection.record_id).where(Objection.person_id == person.id)
    rows = db.session.execute(
        sa.select(Record).where(Record.person_id == person.id, Record.status == RecordStatus.NOTIFIED,
                                Record.notified_on.is_not(None), Record.id.not_in(objected))
        .order_by(Record.notified_on, Record.id)).scalars().all()
    out = []
    for r in rows:
        assert r.notified_on is not None   # the query keeps notified rows only
        ends = rules.objection_window_ends(r.notified_on, settings)
        if ends >= today:
            out.append(TodoItem("record", r.id, c.label(r), ends, url_for("file.record_detail", record_id=r.id),
                                _("查看")))
    return out


def _courses(person, today: date) -> list[TodoItem]:
    from core.templating import has_endpoint
    from training import services as training
    out = []
    for e, course in training.open_enrolments(person.id):
        online = course.online and has_endpoint("training.study")
        url = url_for("training.study", course_id=course.id) if online else url_for("training.my_training")
        out.append(TodoItem("course", e.id, course.title, e.due_on, url, _("学习") if online else _("查看"),
                            overdue=bool(e.due_on and e.due_on < today)))
    return out


def servant_todo(person, today: date) -> list[TodoItem]:
    """Everything waiting for ``person``: pledges, courses, records, each soonest due first."""
    items: list[TodoItem] = []
    for provider in wiring.table(wiring.TODO).values():
        items.extend(provider(person, today))
    items.extend(_courses(person, today))
    items.extend(_records(person, today))
    return sorted(items, key=lambda i: (ORDER.index(i.kind) if i.kind in ORDER else len(ORDER),
                                        i.due_on or date.max, i.key))
