"""Re-authentication at the identity provider before signing a pledge (SSO sessions): the
button on the sign page, a fresh login at the REAL provider (prompt=login, max_age=0), the
checks of the callback (same person, fresh auth_time, no replay) and the marker's lifetime.
A password session still signs with its password."""
from __future__ import annotations

import html as htmllib
import re
import time
from urllib.parse import parse_qs, urlsplit

import requests

from archive.pledges import services
from archive.pledges.models import Pledge, PledgeStatus
from core.accounts.models import User
from core.extensions import db
from tests import factories as f
from tests.accounts import oidc
from tests.accounts import test_sso as base
from tests.archive.pledges.conftest import make_template

provider, sso, people = base.provider, base.sso, base.people       # the fixtures of the SSO tests
_events, sign_in = base._events, base.sign_in


def _pledge(people) -> Pledge:
    tpl = make_template(by=people.hr)
    db.session.commit()
    assert services.assign(tpl, [people.zhang], assigned_by=people.hr).assigned == 1
    db.session.commit()
    return db.session.execute(db.select(Pledge).filter_by(person_id=people.zhang.id)).scalar_one()


def _button(client, p) -> str:
    page = client.get(f"/my/pledges/{p.id}/sign")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "通过统一身份认证确认身份" in text and 'name="password"' not in text
    return htmllib.unescape(re.search(r'id="sso-reauth"\s+href="([^"]+)"', text).group(1))


def _reauth(client, p, browser, login="zhangwei"):
    """Button → provider (login again) → back; returns (callback response, callback URL)."""
    start = client.get(_button(client, p))
    assert start.status_code == 302
    back = oidc.walk_to_callback(browser, start.headers["Location"], login)
    return client.get(oidc.local(back)), back


def _post(client, p):
    return client.post(f"/my/pledges/{p.id}/sign", data={"typed_name": "张伟", "agree": "y"})


def _signed_in(client, browser):
    resp, _ = sign_in(client, browser=browser)
    assert resp.status_code == 302


def test_sso_user_confirms_at_the_provider_then_signs(sso, people, client):
    browser = requests.Session()
    _signed_in(client, browser)
    p = _pledge(people)
    start = client.get(_button(client, p))
    q = parse_qs(urlsplit(start.headers["Location"]).query)
    assert q["prompt"] == ["login"] and q["max_age"] == ["0"]
    assert q["code_challenge_method"] == ["S256"] and q["state"][0] and q["nonce"][0]
    # the provider asks for the password again although its session is alive
    assert 'name="password"' in browser.get(start.headers["Location"], timeout=10).text
    back = oidc.walk_to_callback(browser, start.headers["Location"], "zhangwei")
    done = client.get(oidc.local(back))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/my/pledges/{p.id}/sign")
    assert _events("sso_reauth")
    page = client.get(f"/my/pledges/{p.id}/sign").get_data(as_text=True)
    assert 'id="reauth-ok"' in page and 'id="sso-reauth"' not in page
    signed = _post(client, p)
    assert signed.status_code == 302, signed.get_data(as_text=True)
    db.session.refresh(p)
    assert p.status is PledgeStatus.SIGNED and p.typed_name == "张伟"
    assert "统一身份认证重新验证" in _events("pledge_sign")[-1].summary
    with client.session_transaction() as sess:       # the marker is used up
        assert "reauth_at" not in sess


def test_without_a_marker_or_with_a_stale_one_signing_is_refused(sso, people, client):
    _signed_in(client, requests.Session())
    p = _pledge(people)
    refused = _post(client, p)
    assert refused.status_code == 200 and "通过统一身份认证确认身份" in refused.get_data(as_text=True)
    user = db.session.execute(db.select(User).filter_by(person_id=people.zhang.id)).scalar_one()
    with client.session_transaction() as sess:
        sess["reauth_at"], sess["reauth_uid"] = time.time() - 601, user.id
    assert _post(client, p).status_code == 200
    with client.session_transaction() as sess:       # a marker of someone else
        sess["reauth_at"], sess["reauth_uid"] = time.time(), user.id + 1000
    assert _post(client, p).status_code == 200
    db.session.refresh(p)
    assert p.status is PledgeStatus.ASSIGNED


def test_another_person_at_the_provider_gives_no_marker(sso, people, client):
    browser = requests.Session()
    _signed_in(client, browser)
    p = _pledge(people)
    resp, _ = _reauth(client, p, requests.Session(), login="stranger")   # someone else at the provider
    assert resp.status_code == 403 and "不是同一人" in resp.get_data(as_text=True)
    assert _events("sso_reauth_failed")[-1].outcome == "failure"
    with client.session_transaction() as sess:
        assert "reauth_at" not in sess
    assert _post(client, p).status_code == 200
    assert client.get("/account").status_code == 200            # still signed in as themselves


def test_an_auth_time_before_the_request_is_stale(sso, people, client):
    browser = requests.Session()
    _signed_in(client, browser)
    p = _pledge(people)
    start = client.get(_button(client, p))
    with client.session_transaction() as sess:       # the request "was made" after the provider's login
        pending = sess["sso_reauth"]
        pending["at"] = time.time() + 3600
        sess["sso_reauth"] = pending
    back = oidc.walk_to_callback(browser, start.headers["Location"], "zhangwei")
    resp = client.get(oidc.local(back))
    assert resp.status_code == 403 and "认证时间无效" in resp.get_data(as_text=True)
    assert "auth_time" in _events("sso_reauth_failed")[-1].summary
    with client.session_transaction() as sess:
        assert "reauth_at" not in sess


def test_a_replayed_callback_is_refused(sso, people, client):
    browser = requests.Session()
    _signed_in(client, browser)
    p = _pledge(people)
    resp, back = _reauth(client, p, browser)
    assert resp.status_code == 302
    with client.session_transaction() as sess:
        sess.pop("reauth_at")
    replay = client.get(oidc.local(back))
    assert replay.status_code == 400 and "身份确认未完成" in replay.get_data(as_text=True)
    assert _events("sso_reauth_failed")
    with client.session_transaction() as sess:
        assert "reauth_at" not in sess


def test_password_sessions_are_unaffected(sso, people, client, login_as):
    user = f.user("zhang_pw", person=people.zhang)
    db.session.commit()
    p = _pledge(people)
    login_as(user)
    page = client.get(f"/my/pledges/{p.id}/sign").get_data(as_text=True)
    assert 'name="password"' in page and 'id="sso-reauth"' not in page
    assert client.get(f"/login/sso/reauth?next=/my/pledges/{p.id}/sign").status_code == 404
    with client.session_transaction() as sess:       # a marker without an SSO session counts for nothing
        sess["reauth_at"], sess["reauth_uid"] = time.time(), user.id
    assert _post(client, p).status_code == 200
    ok = client.post(f"/my/pledges/{p.id}/sign", data={"typed_name": "张伟", "agree": "y", "password": f.PASSWORD})
    assert ok.status_code == 302
    assert "（身份确认：密码）" in _events("pledge_sign")[-1].summary
