"""Signing (docs/rules.md §5): only the person, password re-entered, full name typed, agreement; the
evidence stored; a signed pledge never changes."""
import hashlib

import pytest

from archive.pledges import services
from archive.pledges.models import ImmutableError, Pledge, PledgeStatus, PledgeText
from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f
from tests.archive.pledges.conftest import sign

URL = "/api/v1/pledges/{}/sign"


def body(**kw):
    data = {"password": f.PASSWORD, "typed_name": "张伟", "agree": True}
    data.update(kw)
    return data


def reload(p):
    db.session.expire_all()
    return db.session.get(Pledge, p.id)


def assert_unsigned(p):
    p = reload(p)
    assert p.status is PledgeStatus.ASSIGNED
    assert p.signed_at is None and p.sha256 is None and p.typed_name is None and p.ip is None


class TestSigningThroughTheApi:
    def test_signs_and_stores_the_evidence(self, api, region, pledge):
        resp = api(region.servant).post(URL.format(pledge.id), json=body(),
                                        headers={"User-Agent": "Mozilla/5.0 (iPhone) 测试"})
        assert resp.status_code == 200, resp.get_json()
        data = resp.get_json()
        text = pledge.template.text
        assert data["sha256"] == hashlib.sha256(text.encode()).hexdigest()
        assert data["signed_at"] and data["status"] == "signed"
        p = reload(pledge)
        assert p.signed_text == text
        assert p.typed_name == "张伟" and p.ip == "127.0.0.1" and "iPhone" in p.user_agent
        assert p.signed_on is not None
        assert db.session.execute(db.select(AuditEvent).filter_by(action="pledge_sign")).scalar_one().person_id \
            == region.person.id

    def test_wrong_password_is_422_on_the_password_field_and_nothing_is_signed(self, api, region, pledge):
        resp = api(region.servant).post(URL.format(pledge.id), json=body(password="Wrong@Pass2026"))
        assert resp.status_code == 422
        err = resp.get_json()["error"]
        assert err["fields"] == {"password": "密码不正确"}
        assert_unsigned(pledge)
        assert db.session.get(type(region.servant), region.servant.id).failed_logins == 1

    def test_wrong_name_is_422_on_the_typed_name_field(self, api, region, pledge):
        for name in ("张 伟", "张伟伟", "李娜", ""):
            resp = api(region.servant).post(URL.format(pledge.id), json=body(typed_name=name))
            assert resp.status_code == 422
            assert set(resp.get_json()["error"]["fields"]) == {"typed_name"}
        assert_unsigned(pledge)

    def test_agreement_is_required(self, api, region, pledge):
        resp = api(region.servant).post(URL.format(pledge.id), json=body(agree=False))
        assert resp.status_code == 422
        assert "agree" in resp.get_json()["error"]["fields"]
        resp = api(region.servant).post(URL.format(pledge.id), json={"password": f.PASSWORD, "typed_name": "张伟"})
        assert resp.status_code == 422
        assert resp.get_json()["error"]["fields"]["agree"] == "必填"
        assert_unsigned(pledge)

    def test_every_problem_is_reported_at_once_in_chinese(self, api, region, pledge):
        resp = api(region.servant).post(URL.format(pledge.id), json=body(password="", typed_name="王", agree=False))
        fields = resp.get_json()["error"]["fields"]
        assert fields == {"password": "请输入登录密码", "typed_name": "签名须与您登记的姓名完全一致",
                          "agree": "请勾选“我已阅读并承诺遵守”"}

    @pytest.mark.parametrize("who", ["hr", "other_servant", "hr_city"])
    def test_someone_else_gets_404(self, api, region, pledge, who):
        if who == "other_servant":
            user = f.user("lina", roles=("servant",), person=region.other)
        else:
            user = getattr(region, who)
        resp = api(user).post(URL.format(pledge.id), json=body(typed_name=user.display_name))
        assert resp.status_code == 404
        assert_unsigned(pledge)

    def test_unknown_pledge_is_404(self, api, region, pledge):
        assert api(region.servant).post(URL.format(pledge.id + 999), json=body()).status_code == 404

    def test_signing_twice_is_409(self, api, region, pledge):
        client = api(region.servant)
        first = client.post(URL.format(pledge.id), json=body())
        assert first.status_code == 200
        again = client.post(URL.format(pledge.id), json=body())
        assert again.status_code == 409
        assert again.get_json()["error"]["code"] == "already_signed"
        assert reload(pledge).signed_at.isoformat() == first.get_json()["signed_at"]

    def test_a_text_other_than_the_one_read_is_refused(self, api, region, pledge):
        resp = api(region.servant).post(URL.format(pledge.id), json=body(text_sha256="0" * 64))
        assert resp.status_code == 409
        assert_unsigned(pledge)

    def test_malformed_bodies_are_refused_in_chinese(self, api, region, pledge):
        client = api(region.servant)
        assert client.post(URL.format(pledge.id), data="x", content_type="application/json").status_code == 400
        resp = client.post(URL.format(pledge.id), json=body(extra=1))
        assert resp.status_code == 422 and resp.get_json()["error"]["fields"]["extra"] == "不支持的字段"
        assert_unsigned(pledge)

    def test_cancelled_pledge_cannot_be_signed(self, api, region, pledge):
        services.cancel_pledge(pledge, "分配有误")
        db.session.commit()
        assert api(region.servant).post(URL.format(pledge.id), json=body()).status_code == 409


class TestImmutability:
    def test_the_evidence_of_a_signed_pledge_never_changes(self, region, pledge):
        sign(pledge, region.servant)
        db.session.commit()
        for attr, value in [("sha256", "0" * 64), ("ip", "1.1.1.1"), ("typed_name", "李娜"),
                            ("status", PledgeStatus.ASSIGNED), ("due_on", pledge.due_on.replace(year=2099)),
                            ("user_agent", "forged")]:
            p = reload(pledge)
            setattr(p, attr, value)
            with pytest.raises(ImmutableError):
                db.session.flush()
            db.session.rollback()
        p = reload(pledge)
        assert p.sha256 == hashlib.sha256(p.template.text.encode()).hexdigest() and p.ip == "10.1.2.3"

    def test_the_signed_text_is_kept_once_by_its_hash(self, region, pledge):
        sign(pledge, region.servant)
        db.session.commit()
        row = db.session.get(PledgeText, pledge.sha256)
        assert row.text == pledge.template.text
        assert hashlib.sha256(row.text.encode()).hexdigest() == pledge.sha256

    def test_publicity_may_still_change(self, region, pledge):
        sign(pledge, region.servant)
        services.publish_pledge(pledge)
        db.session.commit()
        services.unpublish_pledge(reload(pledge))
        db.session.commit()
        assert reload(pledge).published is False

    def test_no_hard_delete(self, region, pledge):
        from core.guards import BulkWriteRefused
        db.session.delete(reload(pledge))
        with pytest.raises(BulkWriteRefused):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(BulkWriteRefused):
            db.session.execute(db.update(Pledge).values(ip="x"))
