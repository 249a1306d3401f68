"""Authentication and sessions (SECURITY.md "Authentication and sessions").

Logins here go through the real login form (POST /login), not the login_as shortcut.
"""
from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from core import clock
from core.accounts import totp
from core.accounts.models import User
from core.accounts.passwords import hash_password, policy_problems, verify_password
from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f

PW = f.PASSWORD


def login(client, username, password=PW, **kw):
    return client.post("/login", data={"username": username, "password": password}, **kw)


def is_in(client) -> bool:
    """Does this client's cookie still open an authenticated page?"""
    return client.get("/account").status_code == 200


def refetch(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def enrol(user) -> str:
    """Give ``user`` two-factor authentication directly; returns the secret."""
    user = refetch(user)
    user.totp_secret = totp.new_secret()
    user.totp_enabled = True
    totp.new_recovery_codes(user)
    db.session.commit()
    return user.totp_secret


# ---- passwords ---------------------------------------------------------------------------------

class TestPasswords:
    def test_hashes_are_argon2id(self, app):
        assert hash_password("Correct-Horse-9").startswith("$argon2id$")

    def test_min_length_default_8_and_configurable(self, app, config):
        assert policy_problems("Ab1!xyz") and not policy_problems("Ab1!xyzw")
        config(PASSWORD_MIN_LENGTH=12)
        assert any("12" in p for p in policy_problems("Ab1!xyzw"))
        assert not policy_problems("Ab1!xyzwvuts")

    def test_long_and_chinese_passwords_accepted_and_not_truncated(self, app, db):
        long_pw = "诚信档案" + "Ab1!" * 24                          # 100 characters
        assert len(long_pw) == 100 and not policy_problems(long_pw)
        h = hash_password(long_pw)
        assert verify_password(h, long_pw)
        assert not verify_password(h, long_pw[:-1] + "?")        # differs only in the 100th character
        assert not verify_password(h, long_pw[:72])               # no bcrypt-style 72-byte cut
        assert not policy_problems("我的密码是诚信档案Integrity2026")  # Chinese counts as a symbol class
        user = f.user("longpw", password=long_pw)
        db.session.commit()
        c = __import__("flask").current_app.test_client()
        assert login(c, "longpw", long_pw[:-1] + "?").status_code == 200     # refused: form again
        assert login(c, "longpw", long_pw).status_code == 302
        assert user.id

    @pytest.mark.parametrize("pw", ["P@ssw0rd", "Admin@123", "Password2026!", "Woaini@520", "Qwerty!2026"])
    def test_common_passwords_refused(self, app, pw):
        assert any("常见" in p for p in policy_problems(pw))

    def test_complexity_three_of_four_classes_configurable(self, app, config):
        assert any("3 类" in p for p in policy_problems("abcdefgh12"))     # two classes
        assert not policy_problems("abcdefgh12A")
        config(PASSWORD_REQUIRE_CLASSES=0)                                  # the ASVS choice
        assert not policy_problems("abcdefgh12")

    def test_password_contains_username_refused(self, app):
        assert any("用户名" in p for p in policy_problems("zhangwei@2026A", "zhangwei"))

    def test_expired_password_forces_the_change_page(self, app, db, config):
        config(PASSWORD_MAX_AGE_DAYS=90)
        region_user = f.user("old", roles=("servant",), person=f.person("老王"))
        region_user.password_changed_at = clock.utcnow() - timedelta(days=91)
        db.session.commit()
        c = app.test_client()
        resp = login(c, "old")
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password")
        for path in ("/", "/notifications/", "/account"):
            r = c.get(path)
            assert r.status_code == 302 and r.headers["Location"].endswith("/account/password"), path
        page = c.get("/account/password").get_data(as_text=True)
        assert "有效期" in page
        r = c.post("/account/password", data={"current": PW, "new": "Neu-Passw0rt-2026", "confirm": "Neu-Passw0rt-2026"})
        assert r.status_code == 302
        assert c.get("/account").status_code == 200

    def test_expiry_off_when_zero(self, app, db, config):
        config(PASSWORD_MAX_AGE_DAYS=0)
        u = f.user("old2", roles=("servant",), person=f.person("老李"))
        u.password_changed_at = clock.utcnow() - timedelta(days=400)
        db.session.commit()
        c = app.test_client()
        assert login(c, "old2").headers["Location"].endswith("/")


# ---- lockout and rate limits -------------------------------------------------------------------

def _normalised(resp, username):
    return resp.status_code, resp.get_data(as_text=True).replace(username, "USERNAME")


class TestLockout:
    def test_five_failures_lock_for_15_minutes_across_two_workers(self, app, db, make_app):
        user = f.user("target", roles=("servant",), person=f.person("靶子"))
        db.session.commit()
        worker_a, worker_b = app.test_client(), make_app().test_client()
        for client in (worker_a, worker_b, worker_a, worker_b):
            assert login(client, "target", "wrong-password").status_code == 200
        assert refetch(user).failed_logins == 4
        login(worker_b, "target", "wrong-password")          # the fifth, on the other worker
        locked = refetch(user)
        assert locked.locked_until is not None
        assert timedelta(minutes=14) < locked.locked_until - clock.utcnow() <= timedelta(minutes=15)
        # the right password is refused while locked, with the same answer as a wrong one
        right = login(worker_a, "target", PW)
        wrong = login(worker_a, "target", "wrong-password")
        assert right.status_code == 200 and _normalised(right, "target") == _normalised(wrong, "target")
        assert not is_in(worker_a)
        # after 15 minutes the account opens again
        db.session.execute(sa.text("UPDATE users SET locked_until = :t WHERE id = :id"),
                           {"t": clock.utcnow() - timedelta(seconds=1), "id": user.id})
        db.session.commit()
        assert login(worker_a, "target", PW).status_code == 302
        assert refetch(user).failed_logins == 0

    def test_unknown_user_and_wrong_password_answer_identically(self, app, db):
        f.user("realuser", roles=("servant",), person=f.person("真人"))
        db.session.commit()
        c = app.test_client()
        unknown = login(c, "ghostuser", "Wrong-Passw0rd")
        wrong = login(c, "realuser", "Wrong-Passw0rd")
        assert unknown.status_code == wrong.status_code == 200
        assert _normalised(unknown, "ghostuser") == _normalised(wrong, "realuser")
        assert "用户名或密码错误" in unknown.get_data(as_text=True)
        events = db.session.execute(sa.select(AuditEvent.summary).where(AuditEvent.action == "login_failed")
                                    ).scalars().all()
        assert len(events) == 2

    def test_disabled_account_answers_like_a_wrong_password(self, app, db):
        u = f.user("gone", roles=("servant",), person=f.person("离职"))
        u.is_enabled = False
        db.session.commit()
        c = app.test_client()
        assert _normalised(login(c, "gone", PW), "gone") == _normalised(login(c, "gone", "Wrong-1a!"), "gone")

    def test_no_user_enumeration_through_the_lock(self, app, db):
        """Five failures on an unknown name answer exactly like five on a real one."""
        f.user("exists", roles=("servant",), person=f.person("存在"))
        db.session.commit()
        c = app.test_client()
        answers = {name: [_normalised(login(c, name, "Wrong-1a!"), name) for _ in range(6)]
                   for name in ("exists", "nobody")}
        assert answers["exists"] == answers["nobody"]


@pytest.fixture
def limited_app(make_app, tmp_path):
    """An app with rate limits on (the Test config turns them off), on its own SQLite file."""
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'limits.db'}", RATELIMIT_ENABLED=True,
                           RATELIMIT_LOGIN="3 per minute", RATELIMIT_API="4 per minute",
                           RATELIMIT_STORAGE_URI="memory://")
    with application.app_context():
        db.create_all()
    from core.extensions import limiter
    limiter.reset()
    return application


class TestRateLimits:
    def test_login_per_ip_429_in_chinese(self, limited_app):
        c = limited_app.test_client()
        for _ in range(3):
            assert login(c, "nobody", "x").status_code == 200
        resp = login(c, "nobody", "x")
        assert resp.status_code == 429
        assert "请求过于频繁" in resp.get_data(as_text=True)
        assert "Content-Security-Policy" in resp.headers
        other_ip = limited_app.test_client()
        assert login(other_ip, "nobody", "x", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200

    def test_second_step_is_rate_limited_too(self, limited_app):
        c = limited_app.test_client()
        statuses = [c.post("/login/2fa", data={"code": "123456"}).status_code for _ in range(4)]
        assert statuses[-1] == 429

    def test_api_limit_answers_the_json_error_shape(self, limited_app):
        c = limited_app.test_client()
        for _ in range(4):
            assert c.get("/api/v1/people").status_code == 401
        resp = c.get("/api/v1/people")
        assert resp.status_code == 429
        assert resp.get_json()["error"]["code"] == "rate_limited"
        assert set(resp.get_json()["error"]) >= {"code", "message", "fields"}

    def test_the_test_app_is_not_limited_meanwhile(self, app, db, limited_app):
        """Flask-Limiter has one switch per process: the suite's own app must stay unlimited."""
        f.user("many", roles=("servant",), person=f.person("多次"))
        db.session.commit()
        c = app.test_client()
        assert all(c.get("/api/v1/people").status_code == 401 for _ in range(10))
        assert all(login(c, "many", "x").status_code == 200 for _ in range(5))


# ---- two-factor authentication -------------------------------------------------------------------

class TestTwoFactor:
    def test_enrolment_with_qr_confirm_and_ten_recovery_codes(self, app, db, session_login):
        user = f.user("zw", roles=("servant",), person=f.person("张三"))
        db.session.commit()
        c = session_login(user)
        page = c.get("/account/2fa")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'src="data:image/png;base64,' in html
        secret = refetch(user).totp_pending_secret      # kept on the server, not in the cookie (item 8)
        with c.session_transaction() as s:
            assert secret not in str(dict(s))
        assert secret in html
        assert c.post("/account/2fa", data={"code": "000000"}).status_code == 200
        assert not refetch(user).totp_enabled
        resp = c.post("/account/2fa", data={"code": pyotp.TOTP(secret).now()})
        codes = [x for x in resp.get_data(as_text=True).split("<code>")[1:]]
        codes = [x.split("</code>")[0] for x in codes]
        assert resp.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
        stored = refetch(user)
        assert stored.totp_enabled and stored.totp_secret == secret
        hashes = stored.recovery_codes.splitlines()
        assert len(hashes) == 10 and not any(code in stored.recovery_codes for code in codes)
        assert db.session.execute(sa.select(AuditEvent).filter_by(action="totp_enable")).first()

    def test_login_asks_the_second_step_and_refuses_a_replayed_code(self, app, db):
        user = f.user("two", roles=("servant",), person=f.person("双因"))
        db.session.commit()
        secret = enrol(user)
        c = app.test_client()
        resp = login(c, "two")
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/2fa")
        assert not is_in(c)                               # the password alone does not log in
        code = pyotp.TOTP(secret).now()
        assert c.post("/login/2fa", data={"code": "123456" if code != "123456" else "654321"}).status_code == 200
        resp = c.post("/login/2fa", data={"code": code})
        assert resp.status_code == 302 and is_in(c)
        c.post("/logout")
        # the same code again (same time step): refused
        c2 = app.test_client()
        login(c2, "two")
        resp = c2.post("/login/2fa", data={"code": code})
        assert resp.status_code == 200 and "验证码不正确或已使用" in resp.get_data(as_text=True)
        assert not is_in(c2)

    def test_replay_refused_at_the_unit_level(self, app, db):
        user = f.user("unit", roles=("servant",))
        user.totp_secret = secret = totp.new_secret()
        now = time.time()
        code = pyotp.TOTP(secret).at(now)
        assert totp.verify_code(user, code, now=now)
        assert not totp.verify_code(user, code, now=now)
        assert not totp.verify_code(user, pyotp.TOTP(secret).at(now - 30), now=now)   # older step
        assert totp.verify_code(user, pyotp.TOTP(secret).at(now + 30), now=now)       # next step, once
        assert not totp.verify_code(user, pyotp.TOTP(secret).at(now - 120), now=now)  # out of window

    def test_recovery_code_works_once(self, app, db):
        user = f.user("rec", roles=("servant",), person=f.person("恢复"))
        db.session.commit()
        enrol(user)
        stored = refetch(user)
        codes = totp.new_recovery_codes(stored)
        db.session.commit()
        c = app.test_client()
        login(c, "rec")
        assert c.post("/login/2fa", data={"code": codes[0]}).status_code == 302
        assert totp.recovery_codes_left(refetch(user)) == 9
        c.post("/logout")
        login(c, "rec")
        assert c.post("/login/2fa", data={"code": codes[0]}).status_code == 200
        assert not is_in(c)

    def test_wrong_codes_count_towards_the_lockout(self, app, db):
        user = f.user("brute", roles=("servant",), person=f.person("暴力"))
        db.session.commit()
        secret = enrol(user)
        c = app.test_client()
        login(c, "brute")
        for _ in range(5):
            c.post("/login/2fa", data={"code": "000001"})
        assert refetch(user).locked_until is not None
        assert c.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
        assert not is_in(c)

    def test_pending_second_step_expires(self, app, db):
        user = f.user("slow", roles=("servant",), person=f.person("慢慢"))
        db.session.commit()
        secret = enrol(user)
        c = app.test_client()
        login(c, "slow")
        with c.session_transaction() as s:
            s["mfa_pending"]["at"] = time.time() - 301
            s.modified = True
        resp = c.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})
        assert resp.status_code == 302 and "/login" in resp.headers["Location"] and not is_in(c)

    @pytest.mark.parametrize("role", ["hr", "sysadmin", "auditor", "secadmin"])
    def test_required_roles_must_enrol_before_anything_else(self, app, db, role):
        dept = f.department("东营区", kind="county")
        f.user("must", roles=(role,), department=dept if role == "hr" else None)
        db.session.commit()
        c = app.test_client()
        resp = login(c, "must")
        assert resp.headers["Location"].endswith("/account/2fa")
        for path in ("/", "/people", "/departments", "/admin/users", "/audit/", "/account", "/notifications/"):
            r = c.get(path)
            assert r.status_code == 302 and r.headers["Location"].endswith("/account/2fa"), path
        assert c.post("/account/tokens", data={"name": "x"}).headers["Location"].endswith("/account/2fa")
        c.get("/account/2fa")
        secret = db.session.execute(sa.select(User.totp_pending_secret).filter_by(username="must")).scalar_one()
        assert c.post("/account/2fa", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
        home = {"hr": "/people", "sysadmin": "/admin/users", "auditor": "/audit/", "secadmin": "/admin/role-grants"}[role]
        assert c.get(home).status_code == 200

    def test_enforcement_can_be_switched_off(self, app, db, config):
        config(TOTP_ENFORCE=False)
        dept = f.department("东营区", kind="county")
        f.user("free", roles=("hr",), department=dept)
        db.session.commit()
        c = app.test_client()
        assert login(c, "free").headers["Location"].endswith("/")
        assert c.get("/people").status_code == 200

    def test_disabling_needs_a_fresh_login_and_is_refused_for_required_roles(self, app, db, session_login):
        servant = f.user("sv", roles=("servant",), person=f.person("自愿"))
        dept = f.department("东营区", kind="county")
        hr = f.user("hrx", roles=("hr",), department=dept)
        db.session.commit()
        enrol(servant)
        enrol(hr)
        c = session_login(refetch(servant))
        with c.session_transaction() as s:
            s["fresh_at"] = time.time() - 16 * 60           # older than FRESH_LOGIN_MINUTES
        resp = c.post("/account/2fa/disable")
        assert resp.status_code == 302 and "/reauth" in resp.headers["Location"]
        assert refetch(servant).totp_enabled
        assert c.post("/reauth", data={"password": PW}).status_code == 302
        assert c.post("/account/2fa/disable").status_code == 302
        assert not refetch(servant).totp_enabled
        h = session_login(refetch(hr))
        h.post("/account/2fa/disable")
        assert refetch(hr).totp_enabled

    def test_admin_reset_makes_the_user_enrol_again_and_ends_their_sessions(self, app, db, session_login):
        dept = f.department("东营区", kind="county")
        hr = f.user("hry", roles=("hr",), department=dept)
        admin = f.user("adm", roles=("sysadmin",))
        db.session.commit()
        enrol(hr)
        victim = session_login(refetch(hr))
        assert victim.get("/people").status_code == 200
        assert session_login(refetch(admin)).post(f"/admin/users/{hr.id}/2fa/reset").status_code == 302
        assert not refetch(hr).totp_enabled
        assert victim.get("/people").status_code == 302

    def test_demo_accounts_are_pre_enrolled_and_printed(self, app, db):
        import random

        from core.demo import DemoContext
        from core.demo.accounts import _build_accounts, accounts_text
        ctx = DemoContext(seed=1, people=0, today=clock.today(), rng=random.Random(1))
        city = f.department("东营市", kind="city")
        ctx.city_id = city.id
        for name in ("东营区", "河口区"):
            ctx.county_ids[name] = f.department(name, parent=city, kind="county").id
        ctx.department_paths = {d: f"/{city.id}/" if d == city.id else f"/{city.id}/{d}/"
                                for d in (city.id, *ctx.county_ids.values())}
        _build_accounts(ctx, app.config["DEMO_PASSWORD"])
        db.session.commit()
        text = accounts_text(app.config["DEMO_PASSWORD"])
        for name in ("hr", "admin", "auditor"):
            u = db.session.execute(sa.select(User).filter_by(username=name)).scalar_one()
            assert u.totp_enabled and u.totp_secret in text
        servant = db.session.execute(sa.select(User).filter_by(username="servant")).scalar_one()
        assert not servant.totp_enabled
        # someone running `make run` can log in as the demo hr with the printed secret
        secret = db.session.execute(sa.select(User.totp_secret).filter_by(username="hr")).scalar_one()
        c = app.test_client()
        assert login(c, "hr", app.config["DEMO_PASSWORD"]).headers["Location"].endswith("/login/2fa")
        assert c.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
        assert is_in(c)


# ---- sessions end on the server ------------------------------------------------------------------

def copy_cookie(src, dst):
    cookie = src.get_cookie("session")
    assert cookie is not None
    dst.set_cookie("session", cookie.value)
    return dst


@pytest.fixture
def pair(app, db):
    """A servant logged in through the form (client a) and a thief with a copy of the cookie (b)."""
    user = f.user("victim", roles=("servant",), person=f.person("受害"))
    admin = f.user("root", roles=("sysadmin",))
    db.session.commit()
    a = app.test_client()
    assert login(a, "victim").status_code == 302
    b = copy_cookie(a, app.test_client())
    assert is_in(b)
    return type("Pair", (), {"a": a, "b": b, "user": user, "admin": admin})


class TestSessions:
    def test_copied_cookie_dies_at_logout(self, pair):
        pair.a.post("/logout")
        assert not is_in(pair.a) and not is_in(pair.b)

    def test_copied_cookie_dies_at_password_change(self, pair):
        new = "Neu-Passw0rt-2026"
        assert pair.a.post("/account/password", data={"current": PW, "new": new, "confirm": new}).status_code == 302
        assert is_in(pair.a) and not is_in(pair.b)

    def test_copied_cookie_dies_when_the_account_is_disabled(self, pair, session_login):
        admin = session_login(refetch(pair.admin))
        resp = admin.post(f"/admin/users/{pair.user.id}", data={
            "display_name": "受害", "roles": "servant", "department_id": "0", "person_id": str(pair.user.person_id),
            "email": "", "version": str(refetch(pair.user).version)})       # is_enabled unchecked
        assert resp.status_code == 302
        assert not refetch(pair.user).is_enabled
        assert not is_in(pair.a) and not is_in(pair.b)

    def test_copied_cookie_dies_when_roles_change(self, pair, session_login, db):
        dept = f.department("东营区", kind="county")
        db.session.commit()
        admin = session_login(refetch(pair.admin))
        resp = admin.post(f"/admin/users/{pair.user.id}", data={
            "display_name": "受害", "roles": ["servant", "hr"], "department_id": str(dept.id),
            "person_id": str(pair.user.person_id), "email": "", "is_enabled": "y",
            "version": str(refetch(pair.user).version)})
        assert resp.status_code == 302
        assert refetch(pair.user).roles == {"servant"}          # hr waits for a security administrator
        from core.accounts.models import RoleGrant
        grant = db.session.execute(sa.select(RoleGrant).filter_by(user_id=pair.user.id)).scalar_one()
        sec = f.user("sec", roles=("secadmin",))
        db.session.commit()
        assert session_login(sec).post(f"/admin/role-grants/{grant.id}/decision",
                                       data={"decision": "approve"}).status_code == 302
        assert refetch(pair.user).roles == {"servant", "hr"}
        assert not is_in(pair.b)

    def test_idle_timeout_30_minutes(self, pair):
        with pair.a.session_transaction() as s:
            s["last_seen"] = time.time() - 31 * 60
        resp = pair.a.get("/account")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
        assert "长时间未操作" in pair.a.get("/login").get_data(as_text=True)
        assert not is_in(pair.b)                        # ended on the server: the copy dies too

    def test_not_yet_idle_at_29_minutes(self, pair):
        with pair.a.session_transaction() as s:
            s["last_seen"] = time.time() - 29 * 60
        assert is_in(pair.a)

    def test_absolute_timeout_12_hours(self, pair):
        with pair.a.session_transaction() as s:
            s["login_at"] = time.time() - 12 * 3600 - 5
        assert not is_in(pair.a)

    def test_new_session_on_login(self, app, db):
        f.user("fresh", roles=("servant",), person=f.person("新人"))
        db.session.commit()
        c = app.test_client()
        with c.session_transaction() as s:
            s["planted"] = "attacker-chosen"
        before = c.get_cookie("session").value
        login(c, "fresh")
        with c.session_transaction() as s:
            assert "planted" not in s and s["_user_id"]
        assert c.get_cookie("session").value != before

    def test_cookie_flags_and_no_remember_me(self, app, db):
        f.user("flags", roles=("servant",), person=f.person("标志"))
        db.session.commit()
        c = app.test_client()
        resp = login(c, "flags")
        cookies = resp.headers.getlist("Set-Cookie")
        session_cookie = [x for x in cookies if x.startswith("session=")][0]
        assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
        assert "Expires" not in session_cookie                 # a browser-session cookie
        assert not any(x.startswith("remember_token") for x in cookies)
        assert c.get_cookie("remember_token") is None

    def test_production_config_secure_cookies_and_required_keys(self, monkeypatch, tmp_path):
        from config import ProductionConfig
        env = {"SECRET_KEY": "s" * 40, "ID_ENCRYPTION_KEYS": "k", "ID_HASH_KEY": "h" * 32,
               "AUDIT_CHECKPOINT_KEY": "c" * 32, "DATABASE_URL": "postgresql://u@db/x",
               "PUBLIC_BASE_URL": "https://integrity.example.gov.cn"}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        values = ProductionConfig.load()
        assert values["SESSION_COOKIE_SECURE"] is True and values["SESSION_COOKIE_HTTPONLY"] is True
        assert values["SESSION_COOKIE_SAMESITE"] == "Lax" and values["REMEMBER_COOKIE_DURATION"] == 0
        for missing in ("SECRET_KEY", "ID_ENCRYPTION_KEYS", "ID_HASH_KEY", "AUDIT_CHECKPOINT_KEY", "DATABASE_URL",
                        "PUBLIC_BASE_URL"):
            monkeypatch.delenv(missing)
            with pytest.raises(RuntimeError, match=missing):
                ProductionConfig.load()
            monkeypatch.setenv(missing, env[missing])
        monkeypatch.setenv("SECRET_KEY", "dev-secret-not-for-production")
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            ProductionConfig.load()

    def test_production_app_sends_secure_cookie_and_hsts(self, monkeypatch, tmp_path):
        from cryptography.fernet import Fernet

        from core.app import create_app
        env = {"SECRET_KEY": "s" * 40, "ID_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "ID_HASH_KEY": "h" * 32,
               "AUDIT_CHECKPOINT_KEY": "c" * 32, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
               "INTEGRITY_INSTANCE_DIR": str(tmp_path), "PUBLIC_BASE_URL": "https://intranet.example"}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        prod = create_app("production")
        c = prod.test_client()
        resp = c.get("/lang/en", base_url="https://intranet.example")
        assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
        with prod.app_context():
            db.engine.dispose()


# ---- fresh login before sensitive acts ------------------------------------------------------------

class TestFreshLogin:
    @pytest.mark.parametrize("method, path, role", [
        ("GET", "/account/password", "servant"),
        ("POST", "/account/tokens", "servant"),
        ("GET", "/account/2fa", "servant"),
        ("POST", "/account/2fa/disable", "servant"),
        ("POST", "/account/2fa/recovery-codes", "servant"),
        ("GET", "/admin/users/new", "sysadmin"),
        ("POST", "/admin/users/{uid}", "sysadmin"),          # role grants
    ])
    def test_stale_login_is_sent_to_reauth(self, app, db, session_login, method, path, role):
        user = f.user("u1", roles=(role,), person=f.person("某人") if role == "servant" else None)
        db.session.commit()
        c = session_login(user)
        with c.session_transaction() as s:
            s["fresh_at"] = time.time() - 16 * 60
        resp = c.open(path.format(uid=user.id), method=method, data={})
        assert resp.status_code == 302 and "/reauth" in resp.headers["Location"]
        c.post("/reauth", data={"password": PW})
        resp = c.open(path.format(uid=user.id), method=method, data={})
        assert "/reauth" not in resp.headers.get("Location", "")

    def test_reauth_with_a_wrong_password_stays_stale_and_is_audited(self, app, db, session_login):
        user = f.user("u2", roles=("servant",), person=f.person("某某"))
        db.session.commit()
        c = session_login(user)
        with c.session_transaction() as s:
            s["fresh_at"] = time.time() - 16 * 60
        c.get("/account")
        assert c.post("/reauth", data={"password": "nope"}).status_code == 200
        assert c.get("/account/password").status_code == 302
        assert db.session.execute(sa.select(AuditEvent).filter_by(action="reauth_failed")).first()

    @pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/\x01x"])
    def test_next_parameter_stays_on_this_site(self, app, db, target):
        f.user("nx", roles=("servant",), person=f.person("下一"))
        db.session.commit()
        c = app.test_client()
        resp = c.post("/login", query_string={"next": target}, data={"username": "nx", "password": PW})
        assert resp.status_code == 302 and resp.headers["Location"] in ("/", "http://localhost/")


class TestUserEmail:
    """The account form validates e-mail addresses (WTForms Email, which needs email-validator)."""

    @pytest.mark.parametrize("email, ok", [
        ("zhang.san@dongying.gov.cn", True),
        ("", True),
        ("不是邮箱", False),
        ("a@b", False),
        ("two@@signs.cn", False),
    ])
    def test_email_is_checked_and_bad_ones_are_not_stored(self, pair, session_login, email, ok):
        admin = session_login(refetch(pair.admin))
        before = refetch(pair.user).email
        resp = admin.post(f"/admin/users/{pair.user.id}", data={
            "display_name": "受害", "roles": "servant", "department_id": "0", "person_id": str(pair.user.person_id),
            "email": email, "is_enabled": "y", "version": str(refetch(pair.user).version)})
        if ok:
            assert resp.status_code == 302
            assert (refetch(pair.user).email or "") == email
        else:
            assert resp.status_code == 200                  # the form again, with what was typed
            page = resp.get_data(as_text=True)
            assert "邮箱格式不正确" in page and "is-invalid" in page
            assert refetch(pair.user).email == before
