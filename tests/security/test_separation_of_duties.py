"""三员分立 for accounts (issue 17 item 4; ASVS 8.2.3 / 等保 8.1.4.2 e, 8.1.4.4 "三员") and
one-time passwords (issue 18 item 4; ASVS 6.4.3 / 等保 8.1.4.2 a).

- The system administrator creates accounts without privileges: a privileged role he
  asks for waits for a security administrator (安全管理员, ``secadmin``) other than the
  requester; the audit log names both.
- Every password someone else set (new account, reset) is one-time: until it is changed
  the account reaches only the change-password page (and logout); the API refuses it.
- The command line (``users create``) is the operator's bootstrap: roles at once.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import ApiToken, RoleGrant, User
from core.accounts.tokens import create_token
from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f

NEW_PW = "Zhang-Wei-2026!"


def refetch(user_or_id) -> User:
    db.session.expire_all()
    return db.session.get(User, getattr(user_or_id, "id", user_or_id))


def by_name(name: str) -> User:
    db.session.expire_all()
    return db.session.execute(sa.select(User).filter_by(username=name)).scalar_one()


def events(action: str) -> list[AuditEvent]:
    return db.session.execute(sa.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars().all()


def create_hr_by_sysadmin(client, region) -> User:
    resp = client.post("/admin/users/new", data={
        "username": "newhr", "display_name": "新人事", "roles": ["hr"], "department_id": region.dongying.id,
        "password": "Temp-Pass-2026!", "is_enabled": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return by_name("newhr")


class TestTwoPersonGrants:
    def test_sysadmin_creates_an_account_without_privileges(self, app, region, session_login):
        admin = session_login(region.sysadmin)
        user = create_hr_by_sysadmin(admin, region)
        assert user.roles == set() and user.department_id is None          # nothing yet
        assert user.must_change_password
        grant = db.session.execute(sa.select(RoleGrant).filter_by(user_id=user.id)).scalar_one()
        assert grant.state == "pending" and grant.roles == "hr" and grant.requested_by_id == region.sysadmin.id
        # the sysadmin cannot approve his own request (not a security administrator)
        assert admin.post(f"/admin/role-grants/{grant.id}/decision", data={"decision": "approve"}).status_code == 403
        assert refetch(user).roles == set()

    def test_a_security_administrator_approves_and_the_audit_names_both(self, app, region, session_login):
        sec = f.user("sec1", roles=("secadmin",))
        db.session.commit()
        user = create_hr_by_sysadmin(session_login(region.sysadmin), region)
        grant = db.session.execute(sa.select(RoleGrant).filter_by(user_id=user.id)).scalar_one()
        c = session_login(sec)
        page = c.get("/admin/role-grants").get_data(as_text=True)
        assert "newhr" in page and f'data-grant="{grant.id}"' in page
        assert c.post(f"/admin/role-grants/{grant.id}/decision", data={"decision": "approve"}).status_code == 302
        user = refetch(user)
        assert user.roles == {"hr"} and user.department_id == region.dongying.id
        approved = events("role_grant_approve")[-1]
        assert "申请人 admin" in approved.summary and "批准人 sec1" in approved.summary
        assert approved.actor_id == sec.id
        assert events("role_grant_request")[-1].actor_id == region.sysadmin.id

    def test_requester_and_approver_must_be_two_people(self, app, region, session_login):
        sec1, sec2 = f.user("sec1", roles=("secadmin",)), f.user("sec2", roles=("secadmin",))
        target = f.user("clerk", roles=("servant",), person=f.person("王五", department=region.shikou))
        db.session.commit()
        c1 = session_login(sec1)
        resp = c1.post(f"/admin/users/{target.id}/roles", data={"roles": ["servant", "committee"],
                                                                "department_id": region.city.id})
        assert resp.status_code == 302
        grant = db.session.execute(sa.select(RoleGrant).filter_by(user_id=target.id)).scalar_one()
        resp = c1.post(f"/admin/role-grants/{grant.id}/decision", data={"decision": "approve"})
        assert resp.status_code == 403
        assert refetch(target).roles == {"servant"}
        c2 = session_login(sec2)
        assert c2.post(f"/admin/role-grants/{grant.id}/decision", data={"decision": "approve"}).status_code == 302
        assert refetch(target).roles == {"servant", "committee"}
        # decided once only
        assert c2.post(f"/admin/role-grants/{grant.id}/decision", data={"decision": "reject"}).status_code == 303

    def test_no_one_approves_a_grant_for_himself(self, app, region, session_login):
        sec1, sec2 = f.user("sec1", roles=("secadmin",)), f.user("sec2", roles=("secadmin",))
        db.session.commit()
        grant = RoleGrant(user_id=sec2.id, roles="hr", department_id=region.dongying.id, requested_by_id=sec1.id)
        db.session.add(grant)
        db.session.commit()
        resp = session_login(refetch(sec2)).post(f"/admin/role-grants/{grant.id}/decision",
                                                 data={"decision": "approve"})
        assert resp.status_code == 403

    def test_removing_a_role_takes_effect_at_once_and_ends_tokens(self, app, region, session_login, api):
        sec = f.user("sec1", roles=("secadmin",))
        db.session.commit()
        client = api(region.hr)
        assert client.get("/api/v1/people").status_code == 200
        resp = session_login(sec).post(f"/admin/users/{region.hr.id}/roles", data={"roles": [], "department_id": 0})
        assert resp.status_code == 302
        assert refetch(region.hr).roles == set()
        assert client.get("/api/v1/people").status_code == 401

    def test_secadmin_cannot_hold_other_duties(self, app, region):
        from core.accounts.services import validate_roles
        for roles in (("secadmin", "sysadmin"), ("secadmin", "auditor"), ("secadmin", "hr")):
            assert "roles" in validate_roles(roles, region.dongying.id, None), roles

    def test_the_command_line_is_the_operators_bootstrap(self, app, region):
        runner = app.test_cli_runner()
        result = runner.invoke(args=["users", "create", "boot", "--role", "secadmin", "--password-stdin"],
                               input="Op-Key-2026-x!\n")
        assert result.exit_code == 0, result.output
        boot = by_name("boot")
        assert boot.roles == {"secadmin"} and not boot.must_change_password
        result = runner.invoke(args=["users", "create", "hr9", "--role", "hr", "--department", str(region.dongying.id),
                                     "--one-time", "--password-stdin"], input="Op-Key-2026-x!\n")
        assert result.exit_code == 0, result.output
        hr9 = by_name("hr9")
        assert hr9.roles == {"hr"} and hr9.must_change_password
        assert "操作员命令行" in events("user_create")[-1].summary

    def test_demo_has_a_security_administrator(self):
        from core.demo.accounts import DEMO_ACCOUNTS
        assert ("secadmin", ("secadmin",)) in [(a[0], a[1]) for a in DEMO_ACCOUNTS]


class TestOneTimePasswords:
    def _login(self, app, username, password):
        c = app.test_client()
        resp = c.post("/login", data={"username": username, "password": password})
        return c, resp

    def test_a_new_account_changes_its_password_at_the_first_login(self, app, region, session_login):
        person = f.person("赵六", department=region.shikou)
        db.session.commit()
        admin = session_login(region.sysadmin)
        resp = admin.post("/admin/users/new", data={"username": "zhao", "display_name": "赵六", "roles": ["servant"],
                                                    "person_id": str(person.id), "password": "Temp-Pass-2026!",
                                                    "department_id": 0, "is_enabled": "y"})
        assert resp.status_code == 302
        assert by_name("zhao").roles == {"servant"}      # no privilege: at once
        c, resp = self._login(app, "zhao", "Temp-Pass-2026!")
        assert resp.headers["Location"].endswith("/account/password")
        for path in ("/", "/my/file", "/my/pledges", "/account", "/notifications/"):
            r = c.get(path)
            assert r.status_code == 302 and r.headers["Location"].endswith("/account/password"), path
        page = c.get("/account/password").get_data(as_text=True)
        assert "data-one-time" in page
        resp = c.post("/account/password", data={"current": "Temp-Pass-2026!", "new": NEW_PW, "confirm": NEW_PW})
        assert resp.status_code == 302
        assert not by_name("zhao").must_change_password
        assert c.get("/my/file").status_code == 200

    def test_logout_stays_open_and_the_api_refuses_a_one_time_password(self, app, region, api):
        user = f.user("tmp", roles=("servant",), person=f.person("钱七", department=region.shikou))
        user.must_change_password = True
        db.session.commit()
        c, _resp = self._login(app, "tmp", f.PASSWORD)
        assert c.post("/logout").status_code == 302
        resp = api(refetch(user)).get("/api/v1/people")
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "password_change_required"

    def test_an_admin_reset_is_one_time_shown_once_and_ends_sessions_and_tokens(self, app, region, session_login):
        victim = session_login(region.servant)
        token = create_token(region.servant, "x")
        db.session.commit()
        admin = session_login(region.sysadmin)
        resp = admin.post(f"/admin/users/{region.servant.id}/password-reset")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        temporary = html.split("data-temporary-password>")[1].split("<")[0]
        with admin.session_transaction() as s:
            assert temporary not in str(dict(s))
        user = refetch(region.servant)
        assert user.must_change_password
        assert victim.get("/my/file").status_code == 302
        row = db.session.execute(sa.select(ApiToken).filter_by(prefix=token[:10])).scalar_one()
        assert row.revoked_at is not None
        c, resp = self._login(app, "servant", temporary)
        assert resp.headers["Location"].endswith("/account/password")
        assert events("password_reset")[-1].actor_id == region.sysadmin.id
        # never one's own
        assert admin.post(f"/admin/users/{region.sysadmin.id}/password-reset").status_code == 403
