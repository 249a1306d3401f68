"""Access rows of the integrity file (pages and API), read by tests/security/test_routes.py.

The world gets, for every person of tests/security/world.py (extend_world): an effective
记过 decided two months ago with one evidence file, a second record under a pending
objection, a third whose objection was rejected and complained about, a 漏报 matter check
and a pending case. Relations are the acting user's (world.person_key): the servant's own
is 张伟, HR's own is 刘强 (in 东营区, so in its scope), the committee member's own is 周敏
(committee members see no file outside an open review).

Rules: HR of the subtree manages (out of scope: 404); the person sees their own file,
objects and complains; a complaint is answered by HR of the parent department of the
person's department; other roles 403. Bodies are chosen so that nothing changes: in scope
the service refuses (422 invalid, 409 state or stale version), out of scope it is 404.
"""
from __future__ import annotations

import io

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


NOBODY = rel()
SERVANT_SELF = rel(own=200)


OWN_FILE = 403      # no one acts on their own file (issue 17 item 1): 403 own_file


def hr_manage(ok, anonymous=ANON_PAGE) -> dict:
    """HR of the subtree only (王芳 is in 东营区's scope); 刘强 is hr's own file: 403."""
    return only({"hr": rel(own=OWN_FILE, same_subtree=ok)}, anonymous=anonymous)


def viewable(ok=200, anonymous=ANON_PAGE) -> dict:
    """The person themselves and HR in scope; committee members outside a review: 404."""
    return {"servant": rel(own=ok), "hr": rel(own=ok, same_subtree=ok), "committee": NOBODY,
            "sysadmin": 403, "auditor": 403, "anonymous": anonymous}


# a complaint of 张伟 (文汇街道) or 王芳 (史口镇) goes to 东营区: hr answers; 刘强's (东营区) goes to
# 东营市 (hr may read it as their own); 李娜's to 河口区; 赵磊's (东营市, no parent) to 东营市
COMPLAINT_READ = only({"servant": rel(own=200), "hr": rel(own=200, same_subtree=200)})

ROWS = [
    # ---- the file ----------------------------------------------------------------------------
    *rows("file.person_file", "GET", viewable()),
    *rows("file.my_file", "GET", only({"servant": 200})),
    *rows("file.establish", "POST", hr_manage(302)),            # registration incomplete: flash + redirect
    *rows("file.appraisal_new", "GET", hr_manage(200)),
    *rows("file.appraisal_new", "POST", hr_manage(200)),        # empty form: re-rendered with errors
    *rows("file.award_new", "GET", hr_manage(200)),
    *rows("file.award_new", "POST", hr_manage(200)),
    *rows("file.matter_check_new", "GET", hr_manage(200)),
    *rows("file.matter_check_new", "POST", hr_manage(200)),
    *rows("file.matter_check_convert", "GET", hr_manage(200)),
    *rows("file.matter_check_convert", "POST", hr_manage(200)),
    *rows("file.case_new", "GET", hr_manage(200)),
    *rows("file.case_new", "POST", hr_manage(200)),
    *rows("file.case_end", "GET", hr_manage(200)),
    *rows("file.case_end", "POST", hr_manage(200)),
    # ---- records -----------------------------------------------------------------------------
    *rows("file.record_new", "GET", hr_manage(200)),
    *rows("file.record_new", "POST", hr_manage(200)),
    *rows("file.record_detail", "GET", viewable()),
    *rows("file.record_edit", "GET", hr_manage(200)),
    *rows("file.record_edit", "POST", hr_manage(200)),
    *rows("file.record_notify", "POST", hr_manage(302)),       # already notified: a message, nothing changes
    *rows("file.record_evidence", "POST", hr_manage(302)),     # no file: nothing stored
    *rows("file.record_exempt", "GET", hr_manage(200)),
    *rows("file.record_exempt", "POST", hr_manage(200)),
    *rows("file.record_revoke", "GET", hr_manage(200)),
    *rows("file.record_revoke", "POST", hr_manage(200)),
    *rows("file.record_acknowledge", "POST", only({"servant": rel(own=302)})),   # effective: a message
    *rows("file.attachment", "GET", viewable()),
    # ---- objections and complaints -----------------------------------------------------------
    *rows("file.objection_new", "GET", only({"servant": rel(own=200), "hr": rel(own=200, same_subtree=200)})),
    *rows("file.objection_new", "POST", only({"servant": rel(own=200), "hr": rel(own=200, same_subtree=200)})),
    *rows("file.objection_detail", "GET", viewable()),
    *rows("file.objection_detail", "POST", {"servant": rel(), "hr": rel(own=OWN_FILE, same_subtree=200),
                                            "committee": NOBODY, "sysadmin": 403, "auditor": 403,
                                            "anonymous": ANON_PAGE}),
    *rows("file.complaint_new", "GET", only({"servant": 404})),      # no subject named: 404
    *rows("file.complaint_new", "POST", only({"servant": 404})),
    *rows("file.complaint_detail", "GET", COMPLAINT_READ),
    *rows("file.complaint_detail", "POST", only({"servant": rel(), "hr": rel(same_subtree=200)})),
    # ---- HR worklists --------------------------------------------------------------------------
    *rows("file.records", "GET", only({"hr": 200})),
    *rows("file.rules_page", "GET", only({"hr": 200, "committee": 200})),
    *rows("file.record_preview", "GET", hr_manage(200)),
    *rows("file.objections", "GET", only({"hr": 200})),
    *rows("file.incompetent", "GET", only({"hr": 200})),

    # ---- API -------------------------------------------------------------------------------------
    *rows("file_api.get_file", "GET", viewable(anonymous=ANON_API)),
    *rows("file_api.establish", "POST", hr_manage(409, ANON_API)),          # missing registration items
    *rows("file_api.create_appraisal", "POST", hr_manage(422, ANON_API), json={"year": 2200, "grade": "competent"}),
    *rows("file_api.create_award", "POST", hr_manage(422, ANON_API), json={
        "kind": "commendation", "title": "嘉奖", "awarded_on": "2999-01-01", "authority": "区政府"}),
    *rows("file_api.create_matter_check", "POST", hr_manage(422, ANON_API), json={"year": 2200, "result": "truthful"}),
    *rows("file_api.create_record", "POST", hr_manage(422, ANON_API), json={
        "category": "discipline_gov", "sanction": "party_warning", "decided_on": "2020-01-01",
        "authority": "区纪委", "facts": "事实"}),
    *rows("file_api.create_case", "POST", hr_manage(422, ANON_API), json={"started_on": "2999-01-01",
                                                                          "authority": "区监委"}),
    *rows("file_api.end_case", "POST", hr_manage(422, ANON_API), json={"ended_on": "1990-01-01"}),
    *rows("file_api.list_records", "GET", only({"hr": 200}, anonymous=ANON_API)),
    *rows("file_api.rules_tables", "GET", only({"hr": 200, "committee": 200}, anonymous=ANON_API)),
    *rows("file_api.get_record", "GET", viewable(anonymous=ANON_API)),
    *rows("file_api.patch_record", "PATCH", hr_manage(409, ANON_API), json={"version": 999, "facts": "改"}),
    *rows("file_api.notify_record", "POST", hr_manage(409, ANON_API)),          # already notified
    *rows("file_api.exempt_record", "POST", hr_manage(409, ANON_API), json={"basis": "容错"}),
    *rows("file_api.revoke_record", "POST", hr_manage(409, ANON_API), json={"reason": "撤销", "version": 999}),
    *rows("file_api.acknowledge_record", "POST", only({"servant": rel(own=409)}, anonymous=ANON_API)),
    # an empty body is refused before the record is looked up
    *rows("file_api.create_objection", "POST", only({"servant": 422, "hr": 422}, anonymous=ANON_API), json={},
          objects=True),
    *rows("file_api.list_objections", "GET", only({"hr": 200}, anonymous=ANON_API)),
    *rows("file_api.get_objection", "GET", viewable(anonymous=ANON_API)),
    *rows("file_api.decide_objection", "POST", hr_manage(409, ANON_API),
          json={"decision": "upheld", "reason": "理由", "version": 999}),
    *rows("file_api.create_complaint", "POST", only({"servant": 404}, anonymous=ANON_API),
          json={"subject_type": "objection", "subject_id": MISSING_ID, "text": "投诉"}),
    *rows("file_api.answer_complaint", "POST", only({"hr": rel(same_subtree=409)}, anonymous=ANON_API),
          json={"answer": "答复", "version": 999}),
]


def _resolver(kind: str):
    def resolve(world, role, relation):
        if relation == "nonexistent":
            return MISSING_ID
        return world.id(kind, world.person_key(role, relation))
    return resolve


ARGS = {"record_id": _resolver("file_record"), "objection_id": _resolver("file_objection"),
        "complaint_id": _resolver("file_complaint"), "check_id": _resolver("file_check"),
        "case_id": _resolver("file_case"), "attachment_id": _resolver("file_attachment")}


def extend_world(world) -> None:
    from werkzeug.datastructures import FileStorage

    from archive.file import services
    from archive.rules import add_months
    decided = add_months(clock.today(), -2)
    hr = world.users["hr_city"]
    out: dict[str, dict] = {k: {} for k in ("file_record", "file_objection", "file_complaint", "file_check",
                                             "file_case", "file_attachment")}
    for key in PEOPLE:
        person = world.people[key]

        def record(facts, person=person):
            rec = services.record_misconduct(person, category="discipline_gov", sanction="demerit",
                                             severity="general", decided_on=decided, authority="东营市纪委监委",
                                             facts=facts)
            services.notify_record(rec, person, by=hr, on=decided)
            return rec

        rec = record("访问矩阵用记录")
        out["file_record"][key] = rec
        out["file_attachment"][key] = services.add_record_evidence(
            rec, [FileStorage(io.BytesIO(PNG), filename="证据.png")])[0]
        out["file_objection"][key] = services.file_objection(record("异议中的记录"), "访问矩阵用异议", hr,
                                                           late_reason="访问矩阵：逾期登记")
        decided_objection = services.file_objection(record("异议已处理的记录"), "访问矩阵用异议", hr,
                                                   late_reason="访问矩阵：逾期登记")
        services.decide_objection(decided_objection, "rejected", "维持", hr, person=person)
        out["file_complaint"][key] = services.file_complaint(person, subject_type="objection",
                                                             subject_id=decided_objection.id, text="访问矩阵用投诉")
        out["file_check"][key] = services.add_matter_check(person, year=2024, result="omission")
        out["file_case"][key] = services.set_case(person, started_on=add_months(clock.today(), -1), authority="区监委")
    world.objects.update(out)
