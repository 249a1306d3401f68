"""Eligibility for credit repair (docs/rules.md §4.6), condition by condition, through the API:
GET /api/v1/records/{id}/repair-eligibility answers every condition code of API.md."""
from __future__ import annotations

import pytest

from archive.rules import add_months

CODES = ["status", "category", "waiting_period", "repair_training", "repair_pledge"]

# (name, record kwargs, repair course done, repair pledge signed, codes expected unmet)
CASES = [
    ("every condition met", {}, True, True, set()),
    ("draft record, never notified", {"notify": False}, True, True, {"status"}),
    ("notified today, still in the objection window", {"months": 0}, True, True, {"status", "waiting_period"}),
    ("开除 is never repairable", {"category": "discipline_gov", "sanction": "expulsion"}, True, True, {"category"}),
    ("docs/rules.md §4.6: a 记过 runs its statutory period", {"category": "discipline_gov", "sanction": "demerit"},
     True, True, {"category"}),
    ("a Party sanction runs its statutory period", {"category": "discipline_party", "sanction": "party_warning"},
     True, True, {"category"}),
    ("严重 record 4 months old: 12 months to wait", {"severity": "serious"}, True, True, {"waiting_period"}),
    ("一般 record 2 months old: 3 months to wait", {"months": 2}, True, True, {"waiting_period"}),
    ("no repair course", {}, False, True, {"repair_training"}),
    ("no repair pledge", {}, True, False, {"repair_pledge"}),
    ("neither course nor pledge", {}, False, False, {"repair_training", "repair_pledge"}),
]


@pytest.mark.parametrize(("name", "kwargs", "course", "pledge", "unmet"), CASES, ids=[c[0] for c in CASES])
def test_conditions_through_the_api(region, repair, api, name, kwargs, course, pledge, unmet):
    rec = repair.record(**kwargs)
    if course:
        repair.complete_course()
    if pledge:
        repair.sign_pledge()
    draft = kwargs.get("notify") is False
    if draft:   # drafts stay internal (issue 17 item 9): the person gets 404, HR in scope the conditions
        assert api(region.servant).get(f"/api/v1/records/{rec.id}/repair-eligibility").status_code == 404
    resp = api(region.hr if draft else region.servant).get(f"/api/v1/records/{rec.id}/repair-eligibility")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [c["code"] for c in body["conditions"]] == CODES
    assert {c["code"] for c in body["conditions"] if not c["met"]} == unmet
    assert body["eligible"] is (not unmet)
    assert all(c["message"] for c in body["conditions"])


def test_a_course_taken_before_the_decision_does_not_count(region, repair, api):
    from training import services as training
    rec = repair.record()
    training.record_completion(region.person, repair.course(), completed_on=add_months(rec.decided_on, -1))
    repair.sign_pledge()
    body = api(region.servant).get(f"/api/v1/records/{rec.id}/repair-eligibility").get_json()
    assert {c["code"]: c["met"] for c in body["conditions"]}["repair_training"] is False


def test_a_revoked_record_needs_no_repair(region, repair, api):
    from archive.file import services as file_services
    rec = repair.eligible_record()
    from core.extensions import db
    file_services.revoke_record(rec, "事实认定错误", by=region.hr)
    db.session.commit()
    body = api(region.servant).get(f"/api/v1/records/{rec.id}/repair-eligibility").get_json()
    assert body["eligible"] is False
    assert [c["code"] for c in body["conditions"] if not c["met"]] == ["status"]


def test_as_of_evaluates_another_day(region, repair, api):
    rec = repair.record(months=2)
    repair.complete_course()
    repair.sign_pledge()
    client = api(region.servant)
    assert client.get(f"/api/v1/records/{rec.id}/repair-eligibility").get_json()["eligible"] is False
    later = add_months(rec.decided_on, 3).isoformat()
    body = client.get(f"/api/v1/records/{rec.id}/repair-eligibility?as_of={later}").get_json()
    assert body["eligible"] is True, body


def test_who_may_ask(region, repair, api):
    rec = repair.record()
    for who, status in (("servant", 200), ("hr", 200), ("hr_city", 200), ("hr_hekou", 404), ("sysadmin", 404)):
        resp = api(getattr(region, who)).get(f"/api/v1/records/{rec.id}/repair-eligibility")
        assert resp.status_code == status, who


def test_another_servant_gets_404(region, repair, api):
    from core.extensions import db
    from tests import factories as f
    rec = repair.record()
    other = f.user("lina", roles=("servant",), person=region.other)
    db.session.commit()
    assert api(other).get(f"/api/v1/records/{rec.id}/repair-eligibility").status_code == 404
    assert api(other).get("/api/v1/records/999999/repair-eligibility").status_code == 404
