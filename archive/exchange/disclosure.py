"""The public disclosure page (信用公示, docs/rules.md §12): a SQL-filtered, paged query.

Shown: records HR marked disclosable whose status today is ``effective`` (a notified
record counts once its objection window has passed; records under objection are not
shown), decided at most DISCLOSURE_MAX_MONTHS ago (一般 12, 严重 36 months by default),
and still restricting by their own end of restriction (permanent or end ≥ today).
Repaired, revoked, exempted and expired records never match. The SQL expresses the whole
rule; the page's rows are then checked once more with ``rules.disclosure_visible`` (a
row the pure rule would hide is dropped, never shown). Combined periods (政务处分法 art.
15) do not extend a public disclosure: each record's own end is used (the narrower reading).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from archive import rules
from archive.enums import RecordStatus, Severity
from core.extensions import db
from core.registry.models import Department, Person


def earliest_decision(today: date, months: int) -> date:
    """The earliest decision date ``d`` with ``add_months(d, months) >= today`` (exact, month ends clamped)."""
    guess = rules.add_months(today, -months)
    while rules.add_months(guess - timedelta(days=1), months) >= today:
        guess -= timedelta(days=1)
    while rules.add_months(guess, months) < today:
        guess += timedelta(days=1)
    return guess


def visible_clause(today: date, settings: rules.RuleSettings):
    from archive.file.models import Record
    window_passed = sa.and_(Record.notified_on.is_not(None),
                            Record.notified_on < today - timedelta(days=settings.objection_window_days))
    in_period = sa.or_(
        sa.and_(Record.severity == Severity.GENERAL,
                Record.decided_on >= earliest_decision(today, settings.disclosure_max_months(Severity.GENERAL))),
        sa.and_(Record.severity == Severity.SERIOUS,
                Record.decided_on >= earliest_decision(today, settings.disclosure_max_months(Severity.SERIOUS))))
    return sa.and_(
        Record.disclosable.is_(True),
        sa.or_(Record.status == RecordStatus.EFFECTIVE,
               sa.and_(Record.status == RecordStatus.NOTIFIED, window_passed)),
        Record.decided_on <= today,
        in_period,
        sa.or_(Record.permanent.is_(True),
               sa.func.coalesce(Record.restricts_until, Record.restricted_until) >= today))   # chain end, rules.md §4.4


@dataclass
class DisclosedRow:
    record_id: int
    name: str
    department: str
    category: str
    measure: str
    severity: str
    decided_on: date
    restricted_until: date | None
    permanent: bool
    disclosed_until: date
    authority: str
    document_no: str | None
    facts: str | None


def disclosed_select(today: date, settings: rules.RuleSettings, q: str = ""):
    from archive.file.models import Record
    sel = (sa.select(Record).join(Person, Person.id == Record.person_id)
           .join(Department, Department.id == Person.department_id).where(visible_clause(today, settings)))
    if q:
        sel = sel.where(sa.or_(Person.name.contains(q, autoescape=True), Department.name.contains(q, autoescape=True)))
    return sel.order_by(Record.decided_on.desc(), Record.id.desc())


def disclosed_page(today: date, *, page: int = 1, per_page: int = 50, q: str = ""):
    """A page of DisclosedRow (``page.items``), never an id number, never private facts."""
    from archive.enums import Sanction
    from archive.file.services import rule_settings
    settings = rule_settings()
    pg = db.paginate(disclosed_select(today, settings, q), page=page, per_page=per_page, error_out=False)
    names = {row.id: (row.name, row.department) for row in db.session.execute(
        sa.select(Person.id, Person.name, Department.name.label("department"))
        .join(Department, Department.id == Person.department_id)
        .where(Person.id.in_({r.person_id for r in pg.items} or {0})))}
    items = []
    for record in pg.items:
        name, department = names[record.person_id]
        chain_end = record.chain_end()
        if RecordStatus(rules.status_at(record.facts_for_rules(), today, settings, chain_end)) \
                is not RecordStatus.EFFECTIVE:
            continue
        if not rules.disclosure_visible(record.facts_for_rules(), today, settings, chain_end):
            continue
        facts = None if record.facts_private else (record.facts[:300] + ("…" if len(record.facts) > 300 else ""))
        items.append(DisclosedRow(
            record_id=record.id, name=name, department=department, category=record.category.zh,
            measure=record.sanction.zh if record.sanction is not Sanction.NONE else "—", severity=record.severity.zh,
            decided_on=record.decided_on, restricted_until=record.restricted_until, permanent=record.permanent,
            disclosed_until=rules.add_months(record.decided_on, settings.disclosure_max_months(record.severity)),
            authority=record.authority, document_no=record.document_no, facts=facts))
    pg.items = items
    return pg
