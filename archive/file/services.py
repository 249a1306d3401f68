"""Domain acts on the integrity file (docs/rules.md §4.1-4.5). Plain functions: they check the rules
(archive/rules/), change state through the guarded transitions of ``Record``, flush,
record the audit event and notify; they never commit. Errors are DomainError subclasses.

This module is the public face of the file: it holds establishment (``establish_file``) and
re-exports the acts of the modules that define them: ``records`` (misconduct records),
``entries`` (appraisals, awards, personal-matter checks), ``cases`` (立案审查), ``loader``
(reading the file) and ``objections`` (objections and complaints).

Public API used by other packages (keep these names and signatures):

* ``record_misconduct(person, *, category, sanction, severity, decided_on, authority, facts,
  document_no=None, item=None, restricted_until=None, permanent=None, disclosable=False,
  facts_private=False, source=None) -> Record`` (a draft)
* ``mark_repaired(record, *, reason, by=None, on=None) -> Record`` (effective → repaired)
* ``load_file(person, as_of=None) -> FileData``; ``evaluate_person(person, as_of=None) ->
  rules.Evaluation``; ``evaluate_people(ids, as_of=None) -> {id: rules.Evaluation}``
* ``established_missing_items(person) -> list[MissingItem]``; ``establish_file(person,
  by=None) -> ArchiveFile`` (Conflict "file_incomplete" with the missing items)
* ``FILE_SECTIONS`` (register "pledges", "training", "repairs" section providers) and
  ``COMPLAINT_SUBJECTS`` (register "repair" so people can complain about repair decisions).
"""
from __future__ import annotations

from archive.file import common as c
from archive.file.cases import (  # noqa: F401 - re-exported: cases under review
    case_pending_conflict,
    end_case,
    guard_person_change,
    pending_case,
    set_case,
)
from archive.file.entries import (  # noqa: F401 - re-exported: appraisals, awards, matter checks
    add_appraisal,
    add_award,
    add_matter_check,
    appraisal_checks,
    convert_matter_check_to_record,
)
from archive.file.loader import (  # noqa: F401 - re-exported: the public reading API of the file
    EMPTY_SECTIONS,
    FILE_SECTIONS,
    REGISTRATION_ITEMS,
    FileData,
    MissingItem,
    established_missing_items,
    evaluate_people,
    evaluate_person,
    facts_of_people,
    load_file,
    rule_settings,
)
from archive.file.models import ArchiveFile
from archive.file.objections import (  # noqa: F401 - re-exported: objections and complaints
    COMPLAINT_SUBJECTS,
    answer_complaint,
    can_answer_complaint,
    complaint_handler_clause,
    decide_objection,
    file_complaint,
    file_objection,
    may_decide,
    objection_window_problem,
    other_hr_in_scope,
)
from archive.file.records import (  # noqa: F401 - re-exported: misconduct records
    DEFAULT_RECORD_ITEMS,
    EDITABLE,
    acknowledge_record,
    add_record_evidence,
    exempt_record,
    mark_repaired,
    notify_record,
    record_items,
    record_misconduct,
    record_preview,
    release_records,
    revoke_record,
    update_record,
)
from core import clock
from core.audit.services import record_event
from core.changes import FILE, changed
from core.errors import Conflict
from core.extensions import db

# --------------------------------------------------------------------------- establishment

def establish_file(person, by=None) -> ArchiveFile:
    """Confirm the file established (档案已建立: who, when). -> ArchiveFile.

    Raises Conflict("file_incomplete") listing the missing registration items in
    ``fields`` (code -> label) and ``details``. Establishing twice changes nothing.
    """
    missing = established_missing_items(person)
    if missing:
        raise Conflict("file_incomplete", "登记项目不完整，不能确认建档：" + "、".join(m.label for m in missing),
                       fields={m.code: f"缺少{m.label}" for m in missing},
                       details=[{"code": m.code, "label": m.label} for m in missing])
    row = c.archive_file(person)
    if not row.established:
        row.established, row.established_at, row.established_by_id = True, clock.utcnow(), c.uid(by)
        db.session.flush()
        record_event("file_establish", row, f"{person.name} 档案确认建立", person_id=person.id)
        changed([person.id], FILE)      # coverage: established
    return row
