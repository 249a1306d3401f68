"""The SQL twins of the rules: the same definitions evaluated for a whole region at once.

Each function here is the set-based translation of ONE pure rule of this package
(docs/rules-sql.md, "Rules and their SQL twins"); the differential property-based tests
(tests/archive/test_differential.py) write random files to the database and hold every
twin to its rule on SQLite and PostgreSQL. Change a rule and its twin together.

==========================================  =============================================
rule (pure, Python)                          twin (SQL, this module unless named)
==========================================  =============================================
``status_at`` (a record's status at a date)  :func:`status_clause`
``restricts`` (effective dishonesty)         :func:`restricting_clause`
``evaluate(...).status`` (good/restricted/   :func:`integrity_status_case`
serious)
``combined_ends`` / ``record_end`` (the      :func:`chain_end` (reads ``restricts_until``,
end of a record's chain)                     stored by archive/file/chains.refresh_chains)
``has_valid_pre_appointment_pledge``         :func:`valid_pre_appointment_pledge_clause`
==========================================  =============================================

The record twins read the *stored* status and ``restricts_until``: they answer for a day
on or after the record's last state change (today, for the worklists, coverage and the
exports); the pure rules also answer for any past day from the dated state changes.

This module is not imported by ``archive.rules`` (which stays free of the database);
import it as ``from archive.rules import sql as rules_sql``.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from archive.enums import IntegrityStatus, PledgeKind, RecordStatus, Severity
from archive.file.models import Record
from archive.pledges.models import Pledge, PledgeStatus
from archive.rules.settings import RuleSettings
from core.registry.models import Person

_RESTRICTING = (RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE)


def chain_end() -> sa.ColumnElement[Any]:
    """The last restricting day of a record: the end of its chain, else its own end;
    NULL when permanent or without an end (``rules.record_end`` with ``combined_ends``)."""
    end = sa.func.coalesce(Record.restricts_until, Record.restricted_until)
    return sa.case((Record.permanent.is_(True), sa.null()), else_=end)


def _parts(today: date, settings: RuleSettings) -> dict[str, sa.ColumnElement[Any]]:
    end = sa.func.coalesce(Record.restricts_until, Record.restricted_until)
    has_end = sa.and_(Record.permanent.is_(False), end.is_not(None))
    # a stored ``expired`` the person had acknowledged reads as effective first (lifecycle_status)
    acked_expired = sa.and_(Record.status == RecordStatus.EXPIRED, Record.acknowledged_on.is_not(None),
                            Record.acknowledged_on <= today)
    return {
        "end_passed": sa.and_(has_end, end < today),
        "within": sa.and_(has_end, Record.decided_on <= today, end >= today),
        "window_passed": sa.and_(Record.notified_on.is_not(None),
                                 Record.notified_on < today - timedelta(days=settings.objection_window_days)),
        "acked_expired": acked_expired,
        "plain_expired": sa.and_(Record.status == RecordStatus.EXPIRED, sa.not_(acked_expired)),
    }


def status_clause(status: RecordStatus, today: date, settings: RuleSettings) -> sa.ColumnElement[Any]:
    """Records whose status at ``today`` is ``status`` (``rules.status_at`` with the end of
    each record's chain): notified → effective after the objection window, → expired the day
    after the chain's end; a stored ``expired`` inside its (possibly extended) chain is effective."""
    p = _parts(today, settings)
    timed = sa.or_(Record.status.in_(_RESTRICTING), p["acked_expired"])
    if status is RecordStatus.EXPIRED:
        return sa.or_(sa.and_(timed, p["end_passed"]), sa.and_(p["plain_expired"], sa.not_(p["within"])))
    if status is RecordStatus.NOTIFIED:
        return sa.and_(Record.status == RecordStatus.NOTIFIED, sa.not_(p["window_passed"]),
                       sa.not_(p["end_passed"]))
    if status is RecordStatus.EFFECTIVE:
        effective = sa.or_(Record.status == RecordStatus.EFFECTIVE, p["acked_expired"],
                           sa.and_(Record.status == RecordStatus.NOTIFIED, p["window_passed"]))
        return sa.or_(sa.and_(effective, sa.not_(p["end_passed"])), sa.and_(p["plain_expired"], p["within"]))
    if status is RecordStatus.UNDER_OBJECTION:
        return sa.and_(Record.status == RecordStatus.UNDER_OBJECTION, sa.not_(p["end_passed"]))
    return Record.status == status


def restricting_clause(today: date, settings: RuleSettings) -> sa.ColumnElement[Any]:
    """Records that count as effective dishonesty at ``today`` (``rules.restricts``): decided,
    notified / under objection / effective that day, and permanent or not past their chain's end."""
    end = sa.func.coalesce(Record.restricts_until, Record.restricted_until)
    return sa.and_(Record.decided_on <= today,
                   sa.or_(*(status_clause(s, today, settings) for s in _RESTRICTING)),
                   sa.or_(Record.permanent.is_(True), sa.and_(end.is_not(None), end >= today)))


def integrity_status_case(today: date, settings: RuleSettings, person: Any = Person) -> sa.ColumnElement[Any]:
    """The integrity status of ``person`` rows at ``today`` (``rules.evaluate(...).status``):
    ``serious`` with a restricting 严重 record, ``restricted`` with any restricting record,
    else ``good``."""
    restricting = restricting_clause(today, settings)

    def exists(*extra: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.select(Record.id).where(Record.person_id == person.id, restricting, *extra).exists()

    return sa.case((exists(Record.severity == Severity.SERIOUS), IntegrityStatus.SERIOUS.value),
                   (exists(), IntegrityStatus.RESTRICTED.value), else_=IntegrityStatus.GOOD.value)


def post_since() -> sa.ColumnElement[Any]:
    """The start of the current post: appointment date, else entry date."""
    return sa.func.coalesce(Person.appointed_on, Person.entry_date)


def valid_pre_appointment_pledge_clause() -> sa.ColumnElement[Any]:
    """EXISTS condition on ``Person``: holds a pre-appointment pledge signed on or after the
    start of the current post (``rules.has_valid_pre_appointment_pledge``)."""
    p = aliased(Pledge)
    return sa.exists().where(p.person_id == Person.id, p.kind == PledgeKind.PRE_APPOINTMENT,
                             p.status == PledgeStatus.SIGNED, p.signed_on >= post_since())
