"""Cases under review (立案审查, 政务处分法 art. 52): the case pending against a person, the
409 ``case_pending`` it causes, the registry guard against transfer and retirement, and
setting and ending a case. Re-exported by archive/file/services.py."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from archive.file import common as c
from archive.file.models import CaseFlag
from core import clock
from core.audit.services import record_event
from core.changes import RECORD, changed
from core.errors import Conflict, ValidationFailed
from core.extensions import db


def pending_case(person_id: int, on: date | None = None) -> CaseFlag | None:
    """The case pending (立案审查中) against a person on ``on`` (default today), if any."""
    on = on or clock.today()
    return db.session.execute(
        db.select(CaseFlag).where(CaseFlag.person_id == person_id, CaseFlag.started_on <= on,
                                  sa.or_(CaseFlag.ended_on.is_(None), CaseFlag.ended_on > on))
        .order_by(CaseFlag.started_on)).scalars().first()


def case_pending_conflict(case: CaseFlag, act: str) -> Conflict:
    """409 ``case_pending``: a clear message naming the case (docs/rules.md §4.4; 政务处分法 art. 52)."""
    return Conflict("case_pending", _("该人员正在立案审查中（%(authority)s，%(day)s起），依照公职人员政务处分法第52条，"
                                      "案件办结前不得%(act)s", authority=case.authority, day=case.started_on.isoformat(),
                                      act=act),
                    details=[{"case_id": case.id, "authority": case.authority,
                              "started_on": case.started_on.isoformat()}])


def guard_person_change(person, action: str, **kw) -> None:
    """Registry guard (core.registry.services.PERSON_CHANGE_GUARDS): a pending case blocks a
    transfer and retirement."""
    case = pending_case(person.id)
    if case is None:
        return
    if action == "transfer":
        raise case_pending_conflict(case, _("调动"))
    if action == "status" and str(getattr(kw.get("status"), "value", kw.get("status"))) == "retired":
        raise case_pending_conflict(case, _("办理退休"))


def set_case(person, *, started_on: date | None, authority: str, notes: str | None = None, by=None) -> CaseFlag:
    """立案审查中 (政务处分法 art. 52): blocks promotion and awards while pending. -> CaseFlag."""
    fields: dict[str, str] = {}
    started_on = c.past_date(started_on, "started_on", _("立案日期"), fields, clock.today())
    authority = c.required_text(authority, "authority", _("立案机关"), 200, fields)
    notes = c.text(notes, "notes", _("说明"), 1000, fields, required=False)
    if fields:
        raise ValidationFailed(fields)
    assert started_on is not None   # a missing date is a field error above
    case = CaseFlag(person_id=person.id, started_on=started_on, authority=authority, notes=notes,
                    entered_by_id=c.uid(by))
    db.session.add(case)
    db.session.flush()
    record_event("case_set", case, f"立案审查（{authority}，{started_on.isoformat()}）")
    changed([person.id], RECORD)
    return case


def end_case(case: CaseFlag, *, ended_on: date | None, by=None, version: int | None = None) -> CaseFlag:
    """End a pending case on ``ended_on`` (the first day it no longer applies)."""
    c.check_version(case, version, _("该立案审查"))
    if case.ended_on is not None:
        raise Conflict("illegal_state", _("该立案审查已结束"))
    fields: dict[str, str] = {}
    ended_on = c.past_date(ended_on, "ended_on", _("结束日期"), fields, clock.today())
    if ended_on and ended_on < case.started_on:
        fields["ended_on"] = _("结束日期不能早于立案日期")
    if fields:
        raise ValidationFailed(fields)
    assert ended_on is not None     # a missing date is a field error above
    case.ended_on = ended_on
    db.session.flush()
    record_event("case_end", case, f"立案审查结束（{ended_on.isoformat()}）")
    changed([case.person_id], RECORD)
    return case
