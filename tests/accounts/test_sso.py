"""Single sign-on against a REAL OpenID provider (oidc-provider from npm, started here on a
loopback port): redirect, login and consent at the provider, callback, account creation,
the TOTP rule, logout at both ends, and the attacks: a tampered ID token, a token for
another audience, a replayed or foreign state."""
from __future__ import annotations

import base64
import json
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests

from core.accounts import totp
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.enums import PersonStatus
from core.extensions import db
from core.registry import services as registry
from tests import factories as f
from tests.accounts import oidc
from tests.accounts.conftest import free_port

ZHANG = f.id_number(born=date(1985, 5, 5))
STRANGER = f.id_number(born=date(1979, 3, 3))
RETIREE = f.id_number(born=date(1960, 2, 2))
BOSS = f.id_number(born=date(1975, 7, 7))
USERS = {
    "zhangwei": {"password": "pw", "claims": {"name": "张伟", "id_number": ZHANG}},
    "stranger": {"password": "pw", "claims": {"name": "路人", "id_number": STRANGER}},
    "noclaim": {"password": "pw", "claims": {"name": "无号"}},
    "retiree": {"password": "pw", "claims": {"name": "老周", "id_number": RETIREE}},
    "boss": {"password": "pw", "claims": {"name": "刘主任", "id_number": BOSS}},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    oidc.ensure_installed()
    p = oidc.Provider(free_port(), USERS, tmp_path_factory.mktemp("oidc"))
    yield p
    p.stop()


@pytest.fixture
def sso(app, provider):
    """SSO configured for this test (the Authlib client is rebuilt when the configuration changes)."""
    keys = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_DISCOVERY_URL", "OIDC_TOKEN_AUTH",
            "OIDC_TRUST_PROVIDER_MFA", "OIDC_MFA_ACR", "PUBLIC_BASE_URL")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID="integrity", OIDC_CLIENT_SECRET=oidc.SECRET,
                      OIDC_DISCOVERY_URL=None, OIDC_TOKEN_AUTH="client_secret_basic", PUBLIC_BASE_URL=oidc.PUBLIC)
    yield provider
    app.config.update(saved)


@pytest.fixture
def people(region):
    r = region
    r.zhang = f.person("张伟", department=r.shikou, id_number=ZHANG)
    r.retiree = f.person("老周", department=r.shikou, id_number=RETIREE)
    registry.change_status(r.retiree, PersonStatus.RETIRED)
    db.session.commit()
    return r


def start(client) -> str:
    resp = client.get("/login/sso")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"]


def sign_in(client, login="zhangwei", mfa=False, browser=None):
    """The whole browser trip; returns the callback response of the application."""
    browser = browser or requests.Session()
    back = oidc.walk_to_callback(browser, start(client), login, mfa=mfa)
    return client.get(oidc.local(back)), back


def _events(action):
    return db.session.execute(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars().all()


def test_login_page_offers_sso_when_configured(sso, client):
    html = client.get("/login").get_data(as_text=True)
    assert "统一身份认证登录" in html and 'href="/login/sso"' in html


def test_the_redirect_carries_pkce_state_nonce_and_our_callback(sso, client):
    q = parse_qs(urlsplit(start(client)).query)
    assert q["client_id"] == ["integrity"] and q["redirect_uri"] == [oidc.CALLBACK]
    assert q["code_challenge_method"] == ["S256"] and len(q["code_challenge"][0]) >= 43
    assert q["state"][0] and q["nonce"][0] and q["response_type"] == ["code"]
    assert set(q["scope"][0].split()) == {"openid", "profile"}


def test_first_login_creates_a_servant_account_and_lands_on_the_file(sso, people, client):
    resp, _ = sign_in(client)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    user = db.session.execute(db.select(User).filter_by(person_id=people.zhang.id)).scalar_one()
    assert user.roles == {"servant"} and user.username == "zhangwei" and user.is_enabled
    home = client.get("/", follow_redirects=False)
    assert home.status_code in (200, 302)
    assert client.get("/account").status_code == 200             # signed in
    assert _events("user_create") and "统一身份认证" in _events("login")[-1].summary
    # the second login uses the same account
    client.post("/logout")
    client2 = client.application.test_client()
    resp2, _ = sign_in(client2)
    assert resp2.status_code == 302
    assert db.session.execute(db.select(db.func.count()).select_from(User).filter_by(person_id=people.zhang.id)
                              ).scalar() == 1


def test_client_secret_post_works_too(sso, people, client, app):
    app.config.update(OIDC_CLIENT_ID="integrity-post", OIDC_TOKEN_AUTH="client_secret_post")
    resp, _ = sign_in(client)
    assert resp.status_code == 302 and client.get("/account").status_code == 200


@pytest.mark.parametrize("login, title, who", [
    ("stranger", "未找到您的人员信息", None),
    ("noclaim", "统一身份认证未提供身份证号码", None),
    ("retiree", "您已不在册", "retiree"),
])
def test_refusals_get_a_chinese_page_and_an_audit_event(sso, people, client, login, title, who):
    resp, _ = sign_in(client, login)
    assert resp.status_code == 403 and title in resp.get_data(as_text=True)
    assert client.get("/account").status_code == 302             # not signed in
    event = _events("sso_login_failed")[-1]
    assert event.outcome == "failure"
    if who:
        assert event.person_id == getattr(people, who).id
    assert db.session.execute(db.select(User).where(User.person_id.is_not(None),
                                                    User.username.in_(["stranger", "noclaim", "retiree"]))
                              ).first() is None


def test_a_disabled_account_is_refused(sso, people, client):
    user = f.user("zhang_off", person=people.zhang)
    user.is_enabled = False
    db.session.commit()
    resp, _ = sign_in(client)
    assert resp.status_code == 403 and "账户已停用" in resp.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def _hr_with_totp(people):
    boss = f.person("刘主任", department=people.dongying, id_number=BOSS)
    user = f.user("boss", roles=("hr",), department=people.dongying, person=boss)
    secret = totp.new_secret()
    user.totp_secret, user.totp_enabled = secret, True
    db.session.commit()
    return user, secret


def test_hr_keeps_their_own_totp_without_provider_mfa(sso, people, client):
    user, secret = _hr_with_totp(people)
    resp, _ = sign_in(client, "boss")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/2fa")
    assert client.get("/account").status_code == 302             # not in before the second step
    done = client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and client.get("/account").status_code == 200
    db.session.refresh(user)
    assert user.roles == {"hr"}                                 # SSO changed no role


def test_provider_mfa_replaces_the_totp_step_unless_turned_off(sso, people, client, app):
    _hr_with_totp(people)
    resp, _ = sign_in(client, "boss", mfa=True)
    assert resp.status_code == 302 and not resp.headers["Location"].endswith("/login/2fa")
    assert client.get("/account").status_code == 200
    app.config.update(OIDC_TRUST_PROVIDER_MFA=False)
    c2 = app.test_client()
    resp2, _ = sign_in(c2, "boss", mfa=True)
    assert resp2.headers["Location"].endswith("/login/2fa")


def test_logout_ends_the_local_and_the_provider_session(sso, people, client):
    browser = requests.Session()
    sign_in(client, browser=browser)
    page = client.post("/logout")
    assert page.status_code == 200
    assert client.get("/account").status_code == 302             # the local session is over
    url = re.search(r'id="sso-logout" href="([^"]+)"', page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    q = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{sso.issuer}/session/end") and q["id_token_hint"] and q["client_id"] == ["integrity"]
    confirm = browser.get(url, timeout=10)
    assert confirm.status_code == 200
    form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', confirm.text))
    action = re.search(r'<form[^>]*action="([^"]+)"', confirm.text).group(1)
    done = browser.post(requests.compat.urljoin(url, action), data={**form, "logout": "yes"}, allow_redirects=False,
                        timeout=10)
    assert done.is_redirect and done.headers["Location"].startswith(f"{oidc.PUBLIC}/login")
    # the provider asks for the password again: its session is gone
    again = browser.get(start(client), allow_redirects=True, timeout=10)
    assert 'name="password"' in again.text


def _flip_claim(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "stranger"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.fixture
def proxy(sso, app):
    p = oidc.TamperingProxy(sso)
    app.config.update(OIDC_DISCOVERY_URL=f"{p.url}/.well-known/openid-configuration")
    yield p
    p.stop()


def test_a_tampered_id_token_is_refused(proxy, people, client):
    proxy.tamper = lambda body: {**body, "id_token": _flip_claim(body["id_token"])}
    resp, _ = sign_in(client)
    assert resp.status_code == 400 and "统一身份认证未完成" in resp.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert "Signature" in _events("sso_login_failed")[-1].summary
    assert db.session.execute(db.select(User).filter_by(person_id=people.zhang.id)).first() is None


def test_an_id_token_for_another_audience_is_refused(proxy, sso, people, client):
    url = start(client)
    nonce = parse_qs(urlsplit(url).query)["nonce"][0]
    foreign = oidc.id_token_for(sso, "intruder", nonce, "zhangwei")     # genuine, signed, same nonce
    proxy.tamper = lambda body: {**body, "id_token": foreign}
    resp = client.get(oidc.local(oidc.walk_to_callback(requests.Session(), url, "zhangwei")))
    assert resp.status_code == 400
    assert "aud" in _events("sso_login_failed")[-1].summary
    assert client.get("/account").status_code == 302


def test_the_proxy_passes_honest_tokens(proxy, people, client):
    resp, _ = sign_in(client)
    assert resp.status_code == 302 and client.get("/account").status_code == 200


def test_a_replayed_or_foreign_state_is_refused(sso, people, client, app):
    resp, back = sign_in(client)
    assert resp.status_code == 302
    client.post("/logout")
    replay = client.get(oidc.local(back))
    assert replay.status_code == 400 and "统一身份认证未完成" in replay.get_data(as_text=True)
    other_browser = app.test_client()
    stolen = other_browser.get(oidc.local(back))
    assert stolen.status_code == 400
    forged = client.get("/login/sso/callback?code=x&state=made-up")
    assert forged.status_code == 400
    assert client.get("/account").status_code == 302


def test_an_unreachable_provider_is_a_page_not_a_500(app, client):
    saved = {k: app.config.get(k) for k in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")}
    app.config.update(OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", OIDC_CLIENT_ID="x", OIDC_CLIENT_SECRET="y")
    try:
        resp = client.get("/login/sso")
        assert resp.status_code == 503 and "统一身份认证暂不可用" in resp.get_data(as_text=True)
    finally:
        app.config.update(saved)


def test_sso_routes_are_404_when_not_configured(client):
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
