"""The public pledge page (承诺公示): no login; name, department, post, title, date; never an id number."""
from archive.pledges import services
from core import crypto
from core.extensions import db
from tests import factories as f
from tests.archive.pledges.conftest import sign


def test_published_signed_pledges_without_any_id_number(client, region, pledge):
    sign(pledge, region.servant)
    services.publish_pledge(pledge)
    db.session.commit()
    resp = client.get("/public/pledges")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    person = region.person
    assert "张伟" in html and "文汇街道" in html and "任职前信用承诺书" in html and "科员" in html
    full = crypto.decrypt(person.id_cipher)
    for secret in (full, person.id_masked, full[:6] + "********", full[-4:] + "<", person.phone, pledge.ip,
                   pledge.sha256):
        assert secret not in html
    assert "/pledges/" + str(pledge.id) not in html


def test_unpublished_unsigned_and_inactive_are_not_shown(client, region, pledge):
    html = client.get("/public/pledges").get_data(as_text=True)
    assert "张伟" not in html and "暂无公示的承诺" in html
    sign(pledge, region.servant)
    db.session.commit()
    assert "张伟" not in client.get("/public/pledges").get_data(as_text=True)
    services.publish_pledge(pledge)
    from core.registry import services as registry
    registry.change_status(region.person, "retired")
    db.session.commit()
    assert "张伟" not in client.get("/public/pledges").get_data(as_text=True)


def test_search_and_paging(client, region, pre_tpl):
    people = [f.person(f"公示{i:02d}", department=region.shikou) for i in range(35)]
    db.session.commit()
    for p in people:
        user = f.user(person=p)
        pledge = db.session.execute(db.select(services.Pledge).filter_by(person_id=p.id)).scalar_one()
        sign(pledge, user)
        services.publish_pledge(pledge)
    db.session.commit()
    first = client.get("/public/pledges").get_data(as_text=True)
    assert "共 35 条" in first and "下一页" in first
    assert client.get("/public/pledges?page=2").status_code == 200
    html = client.get("/public/pledges?q=公示07").get_data(as_text=True)
    assert "公示07" in html and "公示08" not in html
