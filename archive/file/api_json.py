"""The JSON shapes of API.md "The file": appraisals, awards, matter checks, records (status and
restriction end at the evaluation date), objections, complaints, cases, restrictions, the file."""
from __future__ import annotations

from datetime import date

from archive import rules
from archive.enums import RecordStatus
from archive.file import services
from archive.file.models import Appraisal, Award, CaseFlag, Complaint, MatterCheck, Objection, Record
from core import clock
from core.registry.api import person_json


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- serializers

def appraisal_json(a: Appraisal, history=()) -> dict:
    return {"id": a.id, "person_id": a.person_id, "year": a.year, "grade": a.grade.value, "document_no": a.document_no,
            "notes": a.notes, "override_reason": a.override_reason, "version": a.version,
            "history": [{"old_grade": v.old_grade.value, "new_grade": v.new_grade.value,
                         "changed_at": v.changed_at.isoformat(), "changed_by_id": v.changed_by_id, "reason": v.reason}
                        for v in history]}


def award_json(w: Award) -> dict:
    return {"id": w.id, "person_id": w.person_id, "kind": w.kind.value, "title": w.title,
            "awarded_on": _d(w.awarded_on), "authority": w.authority, "document_no": w.document_no}


def matter_check_json(c: MatterCheck) -> dict:
    return {"id": c.id, "person_id": c.person_id, "year": c.year, "result": c.result.value, "notes": c.notes,
            "record_id": c.record_id}


def record_json(r: Record, status: RecordStatus | None = None, end: date | None = None, versions: int | None = None,
                settings: rules.RuleSettings | None = None) -> dict:
    """A record; ``status`` is its status at the evaluation date (default: stored status).
    ``restricted_until`` is the record's own end, ``restricts_until`` the end of the chain it
    belongs to (``end``, default the stored chain end; docs/rules.md §4.4)."""
    settings = settings or services.rule_settings()
    window = rules.objection_window_ends(r.notified_on, settings) if r.notified_on else None
    chain_end = None if r.permanent else (end or r.chain_end())
    return {"id": r.id, "person_id": r.person_id, "category": r.category.value, "sanction": r.sanction.value,
            "item": r.item, "severity": r.severity.value, "decided_on": _d(r.decided_on),
            "restricted_until": None if r.permanent else _d(r.restricted_until),
            "restricts_until": _d(chain_end), "chained": bool(chain_end and chain_end != r.restricted_until),
            "own_restricted_until": _d(r.restricted_until), "permanent": r.permanent,
            "judgment_kind": r.judgment_kind.value if r.judgment_kind else None,
            "probation_months": r.probation_months, "objected_on": _d(r.objected_on),
            "objection_closed_on": _d(r.objection_closed_on), "revoked_on": _d(r.revoked_on),
            "exempted_on": _d(r.exempted_on), "repaired_on": _d(r.repaired_on), "repair_review": r.repair_review,
            "restricted_until_reason": r.restricted_until_reason, "authority": r.authority,
            "document_no": r.document_no, "facts": r.facts, "facts_private": r.facts_private,
            "disclosable": r.disclosable, "status": (status or r.status).value, "stored_status": r.status.value,
            "label": rules.record_label(r.facts_for_rules()), "notified_on": _d(r.notified_on),
            "objection_window_ends": _d(window), "acknowledged_on": _d(r.acknowledged_on),
            "revoked_reason": r.revoked_reason, "exempt_basis": r.exempt_basis, "source": r.source,
            "entered_by_id": r.entered_by_id, "version": r.version, "versions": versions}


def objection_json(o: Objection) -> dict:
    return {"id": o.id, "record_id": o.record_id, "person_id": o.person_id, "filed_by_id": o.filed_by_id,
            "reasons": o.reasons, "filed_on": _d(o.filed_on), "due_on": _d(o.due_on), "status": o.status.value,
            "overdue": o.overdue(clock.today()), "decided_by_id": o.decided_by_id, "decided_on": _d(o.decided_on),
            "decision_reason": o.decision_reason, "corrected": o.corrected, "late_reason": o.late_reason,
            "version": o.version}


def complaint_json(c: Complaint) -> dict:
    return {"id": c.id, "person_id": c.person_id, "subject_type": c.subject_type, "subject_id": c.subject_id,
            "text": c.text, "filed_on": _d(c.filed_on), "status": c.status.value, "answer": c.answer,
            "answered_on": _d(c.answered_on), "handler_department_id": c.handler_department_id, "version": c.version}


def case_json(c: CaseFlag) -> dict:
    return {"id": c.id, "person_id": c.person_id, "started_on": _d(c.started_on), "authority": c.authority,
            "ended_on": _d(c.ended_on), "notes": c.notes, "version": c.version}


def restriction_json(r: rules.Restriction) -> dict:
    return {"kind": r.kind.value, "reason": r.reason, "until": _d(r.until), "permanent": r.permanent,
            "record_id": r.record_id}


def file_json(data: services.FileData) -> dict:
    ev = data.evaluation
    af = data.archive_file
    return {
        "person": person_json(data.person), "as_of": data.as_of.isoformat(), "established": data.established,
        "established_at": af.established_at.isoformat() if af and af.established_at else None,
        "integrity_status": ev.status.value, "restrictions": [restriction_json(r) for r in ev.restrictions],
        "notes": list(ev.notes),
        "appraisals": [appraisal_json(a, data.appraisal_versions.get(a.id, ())) for a in data.appraisals],
        "awards": [award_json(w) for w in data.awards],
        "matter_checks": [matter_check_json(c) for c in data.matter_checks],
        "records": [record_json(r, data.status_of(r), data.end_of(r), len(data.record_versions.get(r.id, ())),
                                data.settings) for r in data.records],
        "objections": [objection_json(o) for o in data.objections],
        "complaints": [complaint_json(c) for c in data.complaints],
        "cases": [case_json(c) for c in data.cases],
        "pledges": data.sections["pledges"], "training": data.sections["training"],
        "repairs": data.sections["repairs"],
    }


def _record_out(record: Record, person) -> dict:
    ev = services.evaluate_person(person)
    return record_json(record, ev.record_status.get(record.id, record.status),
                       None if record.permanent else ev.record_ends.get(record.id))
