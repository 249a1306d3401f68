"""API.md "Registry": scope, validation and the error shape."""
from core.extensions import db
from core.registry.models import Person
from tests import factories as f


def test_no_token_is_401_with_error_shape(client):
    resp = client.get("/api/v1/people")
    assert resp.status_code == 401
    assert set(resp.get_json()["error"]) == {"code", "message", "fields"}


def test_list_is_scoped_and_masked(region, api):
    body = api(region.hr).get("/api/v1/people").get_json()
    ids = {p["id"] for p in body["items"]}
    assert ids == {region.person.id}
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 50
    assert "*" in body["items"][0]["id_number"]


def test_search_by_full_id_number(region, api):
    from core import crypto
    full = crypto.decrypt(region.person.id_cipher)
    body = api(region.hr_city).get(f"/api/v1/people?q={full}").get_json()
    assert [p["id"] for p in body["items"]] == [region.person.id]


def test_other_county_is_404(region, api):
    assert api(region.hr_hekou).get(f"/api/v1/people/{region.person.id}").status_code == 404
    assert api(region.hr_hekou).patch(f"/api/v1/people/{region.person.id}",
                                      json={"version": 1, "post": "x"}).status_code == 404


def test_create_validates_and_writes_nothing_on_error(region, api):
    client = api(region.hr)
    resp = client.post("/api/v1/people", json={"name": "", "id_number": "123", "department_id": region.wenhui.id,
                                               "entry_date": "2020-13-01"})
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert "entry_date" in fields and "name" in fields
    resp = client.post("/api/v1/people", json={"name": "赵六", "id_number": "110105194912310021",
                                               "department_id": region.wenhui.id, "entry_date": "2020-01-01"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"]["id_number"] == "公民身份号码校验位错误"
    assert db.session.execute(db.select(Person).filter_by(name="赵六")).first() is None


def test_create_then_duplicate_is_409(region, api):
    client = api(region.hr)
    payload = {"name": "赵六", "id_number": f.id_number(), "department_id": region.wenhui.id,
               "entry_date": "2020-01-01", "leading": True}
    resp = client.post("/api/v1/people", json=payload)
    assert resp.status_code == 201
    assert resp.get_json()["leading"] is True
    assert client.post("/api/v1/people", json=payload).status_code == 409


def test_malformed_json_is_400(region, api):
    resp = api(region.hr).post("/api/v1/people", data="{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_request"


def test_stale_version_is_409_and_overwrites_nothing(region, api):
    client = api(region.hr)
    url = f"/api/v1/people/{region.person.id}"
    v = client.get(url).get_json()["version"]
    assert client.patch(url, json={"version": v, "post": "副科长"}).status_code == 200
    resp = client.patch(url, json={"version": v, "post": "科长"})
    assert resp.status_code == 409
    assert client.get(url).get_json()["post"] == "副科长"


def test_departments_create_under_scope(region, api):
    client = api(region.hr)
    resp = client.post("/api/v1/departments", json={"name": "新街道", "parent_id": region.dongying.id, "kind": "town"})
    assert resp.status_code == 201
    assert resp.get_json()["path"].startswith(region.dongying.path)
    assert client.post("/api/v1/departments", json={"name": "越权", "parent_id": region.hekou.id}).status_code == 404
    resp = client.post("/api/v1/departments", json={"name": "码错", "parent_id": region.dongying.id,
                                                    "code": "91350100M000100Y44"})
    assert resp.status_code == 422 and "校验位" in resp.get_json()["error"]["fields"]["code"]
