"""Requests (SECURITY.md "Requests"): CSRF on every state-changing form, the API ignores
cookies (so its CSRF exemption is safe), the client address behind a reverse proxy, and the
history of every registry change."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import url_for

from core.audit.models import AuditEvent
from core.extensions import db
from core.registry.models import PersonChange
from tests.security.access_matrix import prepare, resolve_any


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def _login(application, user):
    import time

    from tests.conftest import _session_identifier
    c = application.test_client()
    with c.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_id"] = _session_identifier(c)
        s["_fresh"] = True
        s["mfa"] = True
        s["login_at"] = s["last_seen"] = time.time()
    return c


def test_every_state_changing_form_needs_the_csrf_token(csrf_app, world):
    matrix = prepare(world)
    refused, checked = [], 0
    clients = {}
    for rule in csrf_app.url_map.iter_rules():
        if not rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            continue
        view = csrf_app.view_functions[rule.endpoint]
        if getattr(view, "__api_doc__", None) is not None:
            continue                                   # bearer-token API: no cookies, no CSRF
        values = {name: resolve_any(name, world, matrix, endpoint=rule.endpoint) for name in rule.arguments}
        with csrf_app.test_request_context():
            url = url_for(rule.endpoint, **values)
        for role in ("hr", "sysadmin"):
            client = clients.get(role) or clients.setdefault(role, _login(csrf_app, world.user(role)))
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                resp = client.open(url, method=method, data={"name": "x"})
                checked += 1
                if resp.status_code != 400:
                    refused.append(f"{method} {url} as {role}: {resp.status_code} without a CSRF token")
        db.session.rollback()
    assert checked > 20
    assert not refused, "\n".join(refused)


def test_with_the_token_the_form_works(csrf_app, world):
    c = _login(csrf_app, world.user("servant"))
    page = c.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert c.post("/logout", data={}).status_code == 400
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302


def test_login_form_needs_the_token_too(csrf_app):
    assert csrf_app.test_client().post("/login", data={"username": "a", "password": "b"}).status_code == 400


def test_api_ignores_the_session_cookie(app, world, session_login):
    c = session_login(world.user("hr"))
    assert c.get("/people").status_code == 200                       # the cookie is valid for pages
    resp = c.post("/api/v1/people", json={"name": "跨站", "id_number": "x", "department_id": 2,
                                          "entry_date": "2020-01-01"})
    assert resp.status_code == 401                                  # but not for the API
    assert c.get("/api/v1/people").status_code == 401


class TestProxy:
    def test_forwarded_address_ignored_without_trusted_proxies(self, app, world):
        app.test_client().post("/login", data={"username": "hr", "password": "x"},
                               headers={"X-Forwarded-For": "6.6.6.6"})
        ev = db.session.execute(sa.select(AuditEvent).filter_by(action="login_failed")).scalars().first()
        assert ev.ip == "127.0.0.1"

    def test_forwarded_address_used_behind_one_trusted_proxy(self, make_app, world):
        behind = make_app(TRUSTED_PROXIES=1)
        behind.test_client().post("/login", data={"username": "hr", "password": "x"},
                                  headers={"X-Forwarded-For": "6.6.6.6, 10.0.0.7"})
        ev = db.session.execute(sa.select(AuditEvent).filter_by(action="login_failed")).scalars().first()
        assert ev.ip == "10.0.0.7"          # only the hop added by the trusted proxy counts


def test_every_registry_change_keeps_the_previous_value(app, world, session_login):
    pid = world.id("people", "servant_own")
    headers = {"Authorization": f"Bearer {world.tokens['hr']}"}
    c = app.test_client()
    v = c.get(f"/api/v1/people/{pid}", headers=headers).get_json()["version"]
    c.patch(f"/api/v1/people/{pid}", json={"version": v, "post": "副科长"}, headers=headers)
    c.patch(f"/api/v1/people/{pid}", json={"version": v + 1, "post": "科长", "rank": "四级主任科员"},
            headers=headers)
    changes = db.session.execute(sa.select(PersonChange).filter_by(person_id=pid, action="update")
                                 .order_by(PersonChange.id)).scalars().all()
    assert [ch.changes["post"] for ch in changes] == [["科员", "副科长"], ["副科长", "科长"]]
    assert changes[1].changes["rank"] == ["一级科员", "四级主任科员"]
    page = session_login(world.user("hr")).get(f"/people/{pid}/registry").get_data(as_text=True)
    assert "副科长" in page and "科长" in page


def test_unstorable_text_is_a_400(app, world, session_login):
    """NUL and lone surrogates cannot be stored (PostgreSQL text, UTF-8): 400 before any view."""
    api = app.test_client()
    headers = {"Authorization": f"Bearer {world.tokens['hr']}", "Content-Type": "application/json"}
    body = '{"name": "张\\u0000伟", "id_number": "x", "department_id": 2, "entry_date": "2020-01-01"}'
    assert api.post("/api/v1/people", data=body, headers=headers).status_code == 400
    body = '{"name": "\\ud800", "id_number": "x", "department_id": 2, "entry_date": "2020-01-01"}'
    resp = api.post("/api/v1/people", data=body, headers=headers)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"
    assert api.get("/api/v1/people?q=a%00b", headers=headers).status_code == 400
    assert api.get("/api/v1/verify/%00", headers=headers).status_code == 400        # found by the fuzzer (PG)
    c = session_login(world.user("hr"))
    assert c.post("/people/new", data={"name": "a\x00b"}).status_code == 400
    assert c.post("/departments/new", data={"name": "正常的名字"}).status_code == 200    # ordinary text passes
    # an uploaded file's name is stored (import batch, audit summary): found by `make fuzz` (SQLite kept the NUL)
    upload = {"file": (io.BytesIO(b"PK\x03\x04"), "people\x00.xlsx")}
    resp = api.post("/api/v1/imports/people", data=upload, content_type="multipart/form-data",
                    headers={"Authorization": headers["Authorization"]})
    assert resp.status_code == 400
    assert c.post("/imports/people", data={"file": (io.BytesIO(b"PK\x03\x04"), "a\x00.xlsx")},
                  content_type="multipart/form-data").status_code == 400


def test_form_integers_beyond_the_column_are_inline_errors(world, session_login, db):
    """Found by `make fuzz` on PostgreSQL: POST /admin/users/new department_id=721213151192 was a 500."""
    from core.accounts.models import User
    c = session_login(world.user("sysadmin"))
    before = db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar()
    resp = c.post("/admin/users/new", data={"username": "big_id", "display_name": "大编号", "email": "",
                                            "roles": "hr", "department_id": "721213151192", "person_id": "",
                                            "password": "Str0ng-Passw0rd-2026"})
    assert resp.status_code == 200
    assert "数值超出范围" in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar() == before


def test_ids_beyond_the_integer_column_are_404_not_500(app, world, session_login):
    """An id no INTEGER column can hold names no row: 404, never PostgreSQL's "out of range" as a
    500. Found by `make fuzz` on PostgreSQL: POST /coverage/gaps/pledge/act department_id=8301199170."""
    c = session_login(world.user("hr"))
    resp = c.post("/coverage/gaps/pledge/act", data={"department_id": "8301199170", "q": "", "scope": "selected",
                                                      "template_id": "1", "due_on": "2096-12-28", "person_ids": "1"})
    assert resp.status_code == 404
    assert c.get("/coverage/gaps/pledge?department_id=99999999999999").status_code == 404
    with app.test_request_context():
        from flask_login import login_user

        from core.accounts.permissions import require_department, require_person
        from core.errors import NotFound
        login_user(world.user("hr"))
        for call in (lambda: require_department(2**31), lambda: require_department("x"),
                     lambda: require_person(2**40), lambda: require_person(-1)):
            with pytest.raises(NotFound):
                call()
