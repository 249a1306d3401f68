"""Access rows of credit repair (pages and API), read by tests/security/test_routes.py.

The world gets, for every person of tests/security/world.py, an effective 行政处罚 (a credit record; statutory sanctions are never repaired) decided
4 months ago and a pending repair application with one evidence file (extend_world).
Relations are the acting user's (world.person_key): the servant's own is 张伟, HR's own is
its person 刘强 (in 东营区, so in its scope), the committee member's own is 周敏.

Rules: the person applies (servant role pages; API for any account whose person it is);
HR of the subtree reviews (HR deciding their own application: 403); everyone else 404;
roles that never reach these pages 403.
"""
from __future__ import annotations

import io
from datetime import timedelta

from core import clock
from tests.security.access_matrix import ANON_API, ANON_PAGE, rows
from tests.security.world import MISSING_ID

PEOPLE = ("servant_own", "hr_own", "same_subtree", "other_subtree", "parent_department", "committee_own")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def rel(own=404, same_subtree=404, other_subtree=404, parent_department=404, nonexistent=404) -> dict:
    return {"own": own, "same_subtree": same_subtree, "other_subtree": other_subtree,
            "parent_department": parent_department, "nonexistent": nonexistent}


def only(role_status: dict, default: int = 403, anonymous: int = ANON_PAGE) -> dict:
    table = {r: default for r in ("servant", "hr", "committee", "sysadmin", "auditor")}
    table.update(role_status)
    table["anonymous"] = anonymous
    return table


HR_SCOPE_OK = rel(own=200, same_subtree=200)
# the committee member's "own" record comes from whichever package resolves <record_id>
# (ours: their own record → 200 as the person; another package's may name someone else's → 404)
COMMITTEE_OWN = (200, 404)

ROWS = [
    # ---- the person's pages ----------------------------------------------------------------
    *rows("repair.apply", "GET", only({"servant": rel(own=200)})),
    *rows("repair.apply", "POST", only({"servant": rel(own=422)})),          # empty form: 422, nothing filed
    *rows("repair.my_repairs", "GET", only({"servant": 200})),
    *rows("repair.evidence", "GET", only({"servant": rel(own=200), "hr": HR_SCOPE_OK})),
    # ---- HR ----------------------------------------------------------------------------------
    *rows("repair.queue", "GET", only({"hr": 200})),
    *rows("repair.applications", "GET", only({"hr": 200})),
    # HR's own application (刘强): 403 own_file (issue 17 item 1); he follows it as its person
    *rows("repair.detail", "GET", only({"hr": rel(own=403, same_subtree=200)})),
    *rows("repair.decide", "POST", only({"hr": rel(own=403, same_subtree=422)})),   # empty form: 422
    # last: withdrawing changes the servant's own application (nothing above depends on it)
    *rows("repair.withdraw", "POST", only({"servant": rel(own=302)})),

    # ---- API ---------------------------------------------------------------------------------
    *rows("repair_api.eligibility", "GET", {
        "servant": rel(own=200), "hr": HR_SCOPE_OK, "committee": rel(own=COMMITTEE_OWN),
        "sysadmin": rel(), "auditor": rel(), "anonymous": ANON_API}),
    # the person only (HR in scope: 403); nobody is eligible in the world (409 = nothing filed)
    *rows("repair_api.apply", "POST", {
        "servant": rel(own=409), "hr": rel(own=409, same_subtree=403),
        "committee": rel(own=(409, 404)), "sysadmin": rel(), "auditor": rel(), "anonymous": ANON_API},
        json={"correction": "recover_loss"}),
    # rejecting without a reason: 422 in scope; HR's own application: 403 (no self-review)
    *rows("repair_api.decision", "POST", only({"hr": rel(own=403, same_subtree=422)}, anonymous=ANON_API),
          json={"decision": "rejected"}),
    *rows("repair_api.repairs", "GET", only({"hr": 200}, anonymous=ANON_API)),
    *rows("repair_api.repair", "GET", {
        "servant": rel(own=200), "hr": HR_SCOPE_OK, "committee": rel(own=200),
        "sysadmin": rel(), "auditor": rel(), "anonymous": ANON_API}),
    # no file in the empty POST: 422 for accounts with a person, 403 without one
    *rows("repair_api.upload", "POST", {"servant": 422, "hr": 422, "committee": 422, "sysadmin": 403,
                                        "auditor": 403, "anonymous": ANON_API}),
]


def _resolver(kind: str):
    def resolve(world, role, relation):
        if relation == "nonexistent":
            return MISSING_ID
        return world.id(kind, world.person_key(role, relation))
    return resolve


ARGS = {"application_id": _resolver("repair_application"), "evidence_id": _resolver("repair_evidence")}


def _record_id_defined_elsewhere() -> bool:
    """<record_id> is shared with the file package: use its resolver when it has one (our
    rows hold for any record of the relation's person)."""
    import importlib.util
    name = "tests.archive.file.access_rows"
    if importlib.util.find_spec(name) is None:
        return False
    import importlib
    return "record_id" in getattr(importlib.import_module(name), "ARGS", {})


if not _record_id_defined_elsewhere():
    ARGS["record_id"] = _resolver("repair_record")


def extend_world(world) -> None:
    from werkzeug.datastructures import FileStorage

    from archive.enums import CorrectionKind
    from archive.file import services as file_services
    from archive.repair.models import EVIDENCE_OWNER, RepairApplication, RepairStatus
    from archive.rules import add_months
    from core.extensions import db
    from core.files import save_upload
    today = clock.today()
    decided = add_months(today, -4)
    hr = world.users["hr_city"]
    records, applications, evidence = {}, {}, {}
    for key in PEOPLE:
        person = world.people[key]
        rec = file_services.record_misconduct(
            person, category="admin_penalty", sanction="none", severity="general", decided_on=decided,
            authority="东营市纪委监委", facts="访问矩阵用记录", by=hr)
        file_services.notify_record(rec, person, by=hr, on=decided)
        app = RepairApplication(record_id=rec.id, person_id=person.id, correction=CorrectionKind.RECOVER_LOSS,
                                statement="访问矩阵用申请", filed_on=today, due_on=today + timedelta(days=21),
                                status=RepairStatus.PENDING, conditions_at_filing=[])
        db.session.add(app)
        db.session.flush()
        att = save_upload(FileStorage(io.BytesIO(PNG), filename="证明.png"), owner_type=EVIDENCE_OWNER,
                          owner_id=app.id, person_id=person.id)
        records[key], applications[key], evidence[key] = rec, app, att
    world.objects["repair_record"] = records
    world.objects["repair_application"] = applications
    world.objects["repair_evidence"] = evidence
