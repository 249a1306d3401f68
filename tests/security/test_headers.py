"""Headers on every response (errors included), CSP without inline script, no-store on
authenticated pages, clean error pages (SECURITY.md "Requests")."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import url_for

from core.extensions import db
from tests.security.access_matrix import prepare, resolve_any

CSP_MUST = ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'",
            "frame-ancestors 'none'", "img-src 'self' data:")


def assert_security_headers(resp, where=""):
    h = resp.headers
    csp = h.get("Content-Security-Policy", "")
    for part in CSP_MUST:
        assert part in csp, f"{where}: CSP lacks {part}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy"), where
    assert h.get("X-Frame-Options") == "DENY", where


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"""<[a-zA-Z][^>]*\sstyle\s*=""", re.I)
EVENT_ATTR = re.compile(r"""<[a-zA-Z][^>]*\son[a-z]+\s*=""", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_problems(html: str) -> list[str]:
    problems = []
    for name, rx in (("inline <script>", INLINE_SCRIPT), ("style= attribute", STYLE_ATTR),
                     ("on*= handler", EVENT_ATTR), ("javascript: URL", JS_URL)):
        m = rx.search(html)
        if m:
            problems.append(f"{name}: {html[max(0, m.start() - 40):m.end() + 40]!r}")
    return problems


class TestHeaders:
    @pytest.mark.parametrize("path, status", [
        ("/login", 200), ("/no/such/page", 404), ("/api/v1/no-such-endpoint", 404), ("/logout", 405),
        ("/static/js/app.js", 200), ("/healthz", 200), ("/api/v1/openapi.json", 200), ("/api/v1/people", 401),
    ])
    def test_every_kind_of_response_has_them(self, client, path, status):
        resp = client.get(path)
        assert resp.status_code == status
        assert_security_headers(resp, path)

    def test_413_has_them_and_a_chinese_message(self, app, client, config):
        config(MAX_CONTENT_LENGTH=1000)
        resp = client.post("/login", data={"username": "x" * 5000, "password": "y"})
        assert resp.status_code == 413
        assert_security_headers(resp, "413")
        assert "上传内容超过大小限制" in resp.get_data(as_text=True)

    def test_no_hsts_over_plain_http_in_development(self, client):
        assert "Strict-Transport-Security" not in client.get("/login").headers

    def test_authenticated_pages_are_no_store(self, world, session_login):
        c = session_login(world.user("hr"))
        for path in ("/people", f"/people/{world.id('people', 'servant_own')}/registry", "/account", "/"):
            resp = c.get(path)
            assert resp.headers.get("Cache-Control") == "no-store", path

    def test_api_answers_are_no_store(self, world, app):
        resp = app.test_client().get("/api/v1/people", headers={"Authorization": f"Bearer {world.tokens['hr']}"})
        assert resp.status_code == 200 and resp.headers.get("Cache-Control") == "no-store"

    def test_login_pages_are_no_store(self, client):
        assert client.get("/login").headers.get("Cache-Control") == "no-store"


class TestForced500:
    @pytest.fixture
    def boom_app(self, make_app):
        application = make_app()

        @application.route("/boom")
        def boom():
            db.session.execute(sa.text("SELECT secret_column FROM no_such_table_xyz WHERE id = 1"))
            return "unreachable"

        @application.route("/api/v1/boom")
        def api_boom():
            raise RuntimeError("/work/main/core/secret_path.py exploded with password=hunter2")

        boom.__public__ = api_boom.__public__ = True
        return application

    @pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
    def test_no_traceback_sql_or_path(self, boom_app, path):
        resp = boom_app.test_client().get(path)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 500
        for leak in ("Traceback", "no_such_table_xyz", "SELECT", "secret_column", "/work/", ".py", "hunter2",
                     "sqlalchemy", "OperationalError", "RuntimeError"):
            assert leak not in body, leak
        assert_security_headers(resp, path)
        if path.startswith("/api/"):
            assert resp.get_json()["error"]["code"] == "server_error"
            assert "服务器内部错误" in resp.get_json()["error"]["message"]
        else:
            assert "服务器内部错误" in body


# ---- every page, every role: no inline script, headers, no 500 --------------------------------------

WALK_ROLES = ("servant", "hr", "committee", "sysadmin", "auditor", "anonymous")


def _build(app, world, matrix, role, rule):
    actor = role if role in ("servant", "hr", "committee", "sysadmin", "auditor") else "hr"
    values = {name: resolve_any(name, world, matrix, actor, "own", rule.endpoint) for name in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


# Tables a GET may add rows to, and why (everything else must stay as it was):
GET_MAY_WRITE = {
    "audit_events": "every view, print and export is audited",
    "audit_checkpoints": "written every AUDIT_CHECKPOINT_EVERY events",
    "printed_documents": "a printed PDF registers its serial and hash (API.md: GET …/file.pdf)",
    "credit_exports": "the credit-platform export log (API.md: GET /exports/credit-platform)",
    "credit_export_items": "the same export log, per record",
    "coverage_refreshes": "a cache of the coverage figures, recomputed when stale",
    "file_documents": "the cached file document (archive/file/cache.py), built on the first view",
    "file_stamps": "the stamps that tell a cached file document is stale (archive/file/cache.py)",
}


def _table_state() -> dict:
    """Row counts (and version sums) of every table but GET_MAY_WRITE: GET must not change them."""
    state = {}
    for name, table in db.metadata.tables.items():
        if name in GET_MAY_WRITE:
            continue
        q = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.version), 0)
                      if "version" in table.c else sa.literal(0)).select_from(table)
        state[name] = tuple(db.session.execute(q).one())
    return state


def test_every_page_for_every_role_has_headers_and_no_inline_script(app, world, session_login):
    """Also: no GET changes the database (row counts and versions stay; audit events may be added)."""
    matrix = prepare(world)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    before = _table_state()
    problems, errors, checked = [], [], 0
    # pages the matrix says a role cannot open answer the same error page: walk one per role
    gets = {(r.endpoint, r.role) for r in matrix.rows if r.method == "GET"}
    opens = {(r.endpoint, r.role) for r in matrix.rows if r.method == "GET" and any(200 <= x < 300 for x in r.expect)}
    for role in WALK_ROLES:
        client = None
        refused_seen = 0
        for rule in rules:
            if (rule.endpoint, role) in gets and (rule.endpoint, role) not in opens:
                refused_seen += 1
                if refused_seen > 3:
                    continue
            url = _build(app, world, matrix, role, rule)
            if role == "anonymous":
                client = app.test_client()
            elif client is None or not client.get_cookie("session"):
                client = session_login(world.user(role))
            if rule.endpoint.endswith("_api") or ".api" in rule.endpoint or url.startswith("/api/"):
                headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
                resp = client.get(url, headers=headers)
            else:
                resp = client.get(url)
            db.session.rollback()
            checked += 1
            if resp.status_code >= 500:
                errors.append(f"{role:9} GET {url} -> {resp.status_code}")
            try:
                assert_security_headers(resp, url)
            except AssertionError as exc:
                problems.append(f"{role:9} GET {url}: {exc}")
            if (role != "anonymous" and 200 <= resp.status_code < 300 and not url.startswith("/static/")
                    and not getattr(app.view_functions[rule.endpoint], "__public__", False)
                    and resp.headers.get("Cache-Control") != "no-store"):
                problems.append(f"{role:9} GET {url}: authenticated page without Cache-Control: no-store")
            if resp.mimetype == "text/html":
                for p in inline_problems(resp.get_data(as_text=True)):
                    problems.append(f"{role:9} GET {url}: {p}")
    assert checked > 40
    after = _table_state()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"GET requests changed tables (count, version sum): {changed}"
    assert not errors, "GET pages answering 5xx:\n  " + "\n  ".join(errors)
    assert not problems, "\n  ".join(problems)


def test_the_checker_catches_inline_markup():
    assert inline_problems('<script>alert(1)</script>')
    assert inline_problems('<div style="color:red">')
    assert inline_problems('<img src=x onerror=alert(1)>')
    assert inline_problems('<a href="javascript:alert(1)">')
    assert not inline_problems('<script src="/static/js/app.js"></script><div class="x" data-confirm="on=1">')
