"""践诺 (docs/rules.md §5): HR records kept / not kept per period; not kept creates a draft 承诺未履行 record."""
import sqlalchemy as sa

from archive.enums import Category, RecordStatus
from archive.pledges.models import PledgeFulfilment
from core.extensions import db
from tests.archive.pledges.conftest import sign

URL = "/api/v1/pledges/{}/fulfilment"


def records():
    from archive.file.models import Record
    return db.session.execute(sa.select(Record)).scalars().all()


def fulfilments():
    return db.session.execute(sa.select(PledgeFulfilment)).scalars().all()


def test_kept_is_recorded_without_a_record(api, region, pledge):
    sign(pledge, region.servant)
    db.session.commit()
    resp = api(region.hr).post(URL.format(pledge.id), json={"period": "2026", "kept": True})
    assert resp.status_code == 201
    assert resp.get_json()["kept"] is True and resp.get_json()["record_id"] is None
    assert records() == []


def test_not_kept_creates_a_draft_pledge_breach_record(api, region, pledge):
    sign(pledge, region.servant)
    db.session.commit()
    resp = api(region.hr).post(URL.format(pledge.id), json={"period": "2026-上半年", "kept": False,
                                                           "facts": "未按承诺时限办结群众申请事项"})
    assert resp.status_code == 201, resp.get_json()
    [record] = records()
    assert resp.get_json()["record_id"] == record.id
    assert (record.category, record.status, record.person_id) == (Category.PLEDGE_BREACH, RecordStatus.DRAFT,
                                                                  region.person.id)
    assert "未按承诺时限办结" in record.facts and record.source == f"pledge:{pledge.id}"


def test_bad_inputs_and_states(api, region, pledge):
    client = api(region.hr)
    assert client.post(URL.format(pledge.id), json={"period": "2026", "kept": True}).status_code == 409  # unsigned
    sign(pledge, region.servant)
    db.session.commit()
    for body, field in [({"period": "去年", "kept": True}, "period"),
                        ({"period": "2026", "kept": False}, "facts"),
                        ({"period": "2026", "kept": "也许"}, "kept"),
                        ({"period": "2026"}, "kept")]:
        resp = client.post(URL.format(pledge.id), json=body)
        assert resp.status_code == 422, body
        assert field in resp.get_json()["error"]["fields"]
    assert fulfilments() == [] and records() == []
    assert client.post(URL.format(pledge.id), json={"period": "2026", "kept": True}).status_code == 201
    dup = client.post(URL.format(pledge.id), json={"period": "2026", "kept": True})
    assert dup.status_code == 409 and dup.get_json()["error"]["fields"]["period"]
    assert api(region.hr_hekou).post(URL.format(pledge.id), json={"period": "2025", "kept": True}).status_code == 404
    assert api(region.servant).post(URL.format(pledge.id), json={"period": "2025", "kept": True}).status_code == 403
    assert len(fulfilments()) == 1


def test_the_page_form(login_as, region, pledge):
    sign(pledge, region.servant)
    db.session.commit()
    client = login_as(region.hr)
    resp = client.post(f"/pledges/{pledge.id}/fulfilment", data={"f-period": "2026", "f-kept": "0", "f-facts": ""})
    assert resp.status_code == 422 and "未履行时须填写事实情况" in resp.get_data(as_text=True)
    resp = client.post(f"/pledges/{pledge.id}/fulfilment", data={"f-period": "2026", "f-kept": "0",
                                                                "f-facts": "承诺事项未兑现"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "已生成“承诺未履行”失信记录草稿" in html and "承诺事项未兑现" in html
