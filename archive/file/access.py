"""Scoped loading of file objects: a record, objection or complaint is visible exactly when
its person is (core.accounts.permissions.require_person); out of scope is 404."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_login import current_user

from archive.file.models import CaseFlag, Complaint, MatterCheck, Objection, Record
from core.accounts.permissions import require_person
from core.errors import NotFound
from core.extensions import db

if TYPE_CHECKING:
    from core.registry.models import Person


def _load(model, object_id, manage: bool, message: str):
    try:
        obj = db.session.get(model, int(object_id))
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise NotFound(message)
    person = require_person(obj.person_id, manage=manage)
    return obj, person


def require_record(record_id, *, manage: bool = False, drafts: bool = True) -> tuple[Record, Person]:
    """(record, person) if the current user may see (``manage``: change) the person, else 404.
    ``drafts=False``: a draft is visible only to HR who manage the person (not yet notified)."""
    from archive.enums import RecordStatus
    from core.accounts.permissions import can_manage_person
    record, person = _load(Record, record_id, manage, "记录不存在")
    if not drafts and record.status is RecordStatus.DRAFT and not can_manage_person(current_user, person):
        raise NotFound(_("记录不存在"))
    return record, person


def require_objection(objection_id, *, manage: bool = False) -> tuple[Objection, Person]:
    return _load(Objection, objection_id, manage, "异议不存在")


def require_matter_check(check_id, *, manage: bool = False) -> tuple[MatterCheck, Person]:
    return _load(MatterCheck, check_id, manage, "查核记录不存在")


def require_case(case_id, *, manage: bool = False) -> tuple[CaseFlag, Person]:
    return _load(CaseFlag, case_id, manage, "立案审查记录不存在")


def require_complaint(complaint_id) -> tuple[Complaint, Person]:
    """A complaint is visible to its person and to HR of its handler department (or above)."""
    from archive.file.services import can_answer_complaint
    from core.registry.models import Person
    try:
        complaint = db.session.get(Complaint, int(complaint_id))
    except (TypeError, ValueError):
        complaint = None
    if complaint is None:
        raise NotFound(_("投诉不存在"))
    if can_answer_complaint(current_user, complaint):
        person = db.session.get(Person, complaint.person_id)
        assert person is not None   # complaints.person_id is a foreign key; nothing is deleted
        return complaint, person
    if getattr(current_user, "person_id", None) == complaint.person_id:
        return complaint, require_person(complaint.person_id)
    raise NotFound(_("投诉不存在"))


def is_own_or_manages(person) -> bool:
    """The person themselves (servant) or HR in scope: who may object for them."""
    from core.accounts.permissions import can_manage_person, is_own_person
    return is_own_person(current_user, person) or can_manage_person(current_user, person)
