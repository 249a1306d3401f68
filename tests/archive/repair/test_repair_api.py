"""API.md "Objections and repair": applying (the person only), 409 with the unmet
conditions, validation, the scoped list."""
from __future__ import annotations

from core.extensions import db


def test_ineligible_application_is_409_with_the_unmet_conditions(region, repair, api):
    rec = repair.record()
    resp = api(region.servant).post(f"/api/v1/records/{rec.id}/repairs", json={"correction": "recover_loss"})
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "not_eligible"
    assert set(error["fields"]) == {"repair_training", "repair_pledge"}
    assert [c["code"] for c in error["details"]] == ["status", "category", "waiting_period", "repair_training",
                                                     "repair_pledge"]
    assert "信用修复培训" in error["message"]


def test_created_application_shape(region, repair, api):
    rec = repair.eligible_record()
    resp = api(region.servant).post(f"/api/v1/records/{rec.id}/repairs",
                                    json={"correction": "stop_harm", "statement": "及时阻止了危害结果"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert {k: body[k] for k in ("record_id", "person_id", "correction", "status", "overdue")} == {
        "record_id": rec.id, "person_id": region.person.id, "correction": "stop_harm", "status": "pending",
        "overdue": False}
    assert body["filed_on"] < body["due_on"] and body["evidence"] == [] and body["version"] == 1
    assert api(region.hr).get(f"/api/v1/repairs/{body['id']}").get_json()["id"] == body["id"]
    listed = api(region.hr_city).get(f"/api/v1/repairs?person_id={region.person.id}").get_json()
    assert listed["total"] == 1 and listed["page"] == 1 and listed["per_page"] == 50


def test_bad_bodies_are_422(region, repair, api):
    rec = repair.eligible_record()
    client = api(region.servant)
    for body in ({}, {"correction": "apologised"}, {"correction": "recover_loss", "extra": 1},
                 {"correction": "recover_loss", "evidence_ids": ["x"]}, {"correction": "recover_loss",
                                                                          "statement": "长" * 5000}):
        resp = client.post(f"/api/v1/records/{rec.id}/repairs", json=body)
        assert resp.status_code == 422, (body, resp.get_json())
    assert client.post(f"/api/v1/records/{rec.id}/repairs", data="nope",
                       content_type="application/json").status_code == 400


def test_only_the_person_applies(region, repair, api):
    rec = repair.eligible_record()
    assert api(region.hr).post(f"/api/v1/records/{rec.id}/repairs",
                               json={"correction": "recover_loss"}).status_code == 403
    assert api(region.hr_hekou).post(f"/api/v1/records/{rec.id}/repairs",
                                     json={"correction": "recover_loss"}).status_code == 404
    assert api(region.servant).post("/api/v1/records/987654/repairs",
                                    json={"correction": "recover_loss"}).status_code == 404


def test_list_is_hr_only_and_paged(region, repair, api):
    assert api(region.servant).get("/api/v1/repairs").status_code == 403
    resp = api(region.hr).get("/api/v1/repairs?per_page=501")
    assert resp.status_code == 422
    assert api(region.hr).get("/api/v1/repairs?status=nope").status_code == 422
    assert db is not None


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/records/{record_id}/repair-eligibility", "/api/v1/records/{record_id}/repairs",
                 "/api/v1/repairs/{application_id}/decision", "/api/v1/repairs", "/api/v1/attachments"):
        assert path in paths
