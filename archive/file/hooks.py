"""What the file package plugs in (called by archive.register, from the factory's
``register_plugins`` step): the training section of the file, the complaints about objection
decisions, HR's workbench cards, and the file cache's handler of
the unit of work (core.changes)."""
from __future__ import annotations

from datetime import date

from core import clock, wiring


def training_section(person, as_of: date | None = None) -> dict:
    """API file "training": {"year", "meets", "hours", "integrity_hours", "requirements": [...]}."""
    from training.services import evaluation_to_dict, training_status
    as_of = as_of or clock.today()
    return evaluation_to_dict(training_status(person, as_of.year, as_of))


def _integrity_choices() -> list[tuple[str, str]]:
    from archive.enums import IntegrityStatus
    return IntegrityStatus.choices()


def _integrity_clause(code: str, today: date):
    """People whose integrity status today is ``code``. The status is the rules' own
    (rules.evaluate, chained periods included): SQL only narrows the candidates to people
    with a possibly restricting record (decided, notified and not revoked/exempted/expired
    by status), which are evaluated in Python in batches; everyone else is 守信."""
    import sqlalchemy as sa
    from flask_login import current_user

    from archive.enums import IntegrityStatus, RecordStatus
    from archive.file.loader import evaluate_people
    from archive.file.models import Record
    from core.accounts.permissions import person_scope_clause
    from core.extensions import db
    from core.registry.models import Person
    if code not in IntegrityStatus.codes():
        return None
    wanted = IntegrityStatus(code)
    candidates = db.session.execute(
        sa.select(Record.person_id).join(Person, Person.id == Record.person_id)
        .where(Record.status.in_((RecordStatus.NOTIFIED, RecordStatus.UNDER_OBJECTION, RecordStatus.EFFECTIVE)),
               Record.decided_on <= today, person_scope_clause(current_user)).distinct()).scalars().all()
    statuses = {pid: e.status for pid, e in evaluate_people(candidates, today).items()}
    if wanted is IntegrityStatus.GOOD:
        flagged = [pid for pid, s in statuses.items() if s is not IntegrityStatus.GOOD]
        return Person.id.not_in(flagged) if flagged else sa.true()
    return Person.id.in_([pid for pid, s in statuses.items() if s is wanted])


def _integrity_label() -> str:
    from flask_babel import gettext as _
    return _("诚信状态")


def _register_people_filter() -> None:

    from core.registry.filters import PeopleFilter, register
    register(PeopleFilter("integrity", _integrity_label, _integrity_choices, _integrity_clause))


def _register_trail() -> None:
    from archive.file.trail import register
    register()


def register() -> None:
    from archive.file import worklists
    from archive.file.cache import on_changed
    from archive.file.objections import _objection_subject
    wiring.register(wiring.FILE_SECTION, "training", training_section)   # archive depends on training
    wiring.register(wiring.COMPLAINT_SUBJECT, "objection", _objection_subject)
    wiring.add_hook(wiring.WORKLIST, worklists.worklist_cards)
    wiring.add_hook(wiring.CHANGE_HANDLER, on_changed)   # the cached file document follows core.changes
    from archive.file.cases import guard_person_change
    wiring.add_hook(wiring.PERSON_CHANGE_GUARD, guard_person_change)   # a pending case blocks transfer, retirement
    _register_people_filter()
    _register_trail()
