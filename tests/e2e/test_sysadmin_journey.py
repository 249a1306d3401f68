"""The system administrator (issue 12): create an HR account for a department (垦利区). A weak
password is refused with what was typed kept; the account is created with the role and the
department; the new HR officer's first login goes through the required 2FA enrolment and lands
on the worklist of 垦利区."""
from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.extensions import db
from tests.e2e.conftest import demo_password, login, shot

OWN_PASSWORD = "Kenli#Own2026pw"
NEW_PASSWORD = "Kenli#2026hr"


@pytest.fixture(scope="module")
def live_options():
    return {"demo": True, "TOTP_ENFORCE": True}


def test_sysadmin_creates_hr_account(page_for, live_app):
    from core.accounts.models import User
    from core.enums import Role
    from core.registry.models import Department
    kenli = db.session.execute(sa.select(Department).filter_by(name="垦利区")).scalar_one()
    page = page_for("desktop")

    login(page, "admin", demo_password(live_app), totp=True)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="账户").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("账户管理")
    shot(page, "sysadmin-01-users")
    page.get_by_role("link", name="新建账户").click()

    page.get_by_label("用户名").fill("hr_kenli")
    page.get_by_label("姓名").fill("刘晓东")
    roles = page.get_by_role("group", name="角色")                  # checkboxes, every role visible (issue 19.15)
    expect(roles.get_by_role("checkbox")).to_have_count(len(Role))
    roles.get_by_label("人事干部").check()
    page.get_by_label(re.compile("^管理单位")).select_option(value=str(kenli.id))
    page.get_by_label("初始密码").fill("123456")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.locator("#password-err")).to_be_visible()                         # said next to the field
    expect(page.get_by_label("用户名")).to_have_value("hr_kenli")                  # what was typed is kept
    expect(page.get_by_label(re.compile("^管理单位"))).to_have_value(str(kenli.id))
    expect(page.get_by_role("group", name="角色").get_by_label("人事干部")).to_be_checked()
    shot(page, "sysadmin-02-weak-password")
    assert db.session.execute(sa.select(User).filter_by(username="hr_kenli")).scalar_one_or_none() is None

    page.get_by_label("初始密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text("账户 hr_kenli 已创建")
    expect(page.get_by_role("alert").filter(has_text="安全管理员批准")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="hr_kenli")
    expect(row).not_to_contain_text("人事干部")            # 三员分立: the role waits for a security admin
    shot(page, "sysadmin-03-account-created")
    user = db.session.execute(sa.select(User).filter_by(username="hr_kenli")).scalar_one()
    assert user.roles == set() and user.must_change_password and user.is_enabled

    # ---- a security administrator (not the requester) approves the grant (issue 17.4) -------------
    sec_page = page_for("desktop")
    login(sec_page, "secadmin", demo_password(live_app), totp=True)
    sec_page.get_by_role("navigation", name="主导航").get_by_role("link", name="授权审批").click()
    grant = sec_page.get_by_role("row").filter(has_text="hr_kenli")
    expect(grant).to_contain_text("人事干部")
    expect(grant).to_contain_text("垦利区")
    expect(grant).to_contain_text("admin")                   # who asked
    shot(sec_page, "sysadmin-04-grant-approval")
    grant.get_by_role("button", name="批准").click()
    expect(sec_page.get_by_role("row").filter(has_text="hr_kenli").first).to_contain_text("已批准")
    page.reload()
    row = page.get_by_role("row").filter(has_text="hr_kenli")
    expect(row).to_contain_text("人事干部")
    expect(row).to_contain_text("垦利区")
    db.session.expire_all()
    user = db.session.execute(sa.select(User).filter_by(username="hr_kenli")).scalar_one()
    assert user.roles == {"hr"} and user.department_id == kenli.id

    # ---- the new HR officer: first login → required 2FA enrolment → the 垦利区 worklist -------------
    hr_page = page_for("desktop")
    login(hr_page, "hr_kenli", NEW_PASSWORD)
    expect(hr_page.get_by_role("heading", level=1)).to_have_text("启用两步验证")
    secret = hr_page.locator("[data-totp-secret]").inner_text().strip()
    hr_page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    hr_page.get_by_role("button", name="确认绑定").click()
    expect(hr_page.locator("main")).to_contain_text("恢复码")
    hr_page.goto("/")
    # the password the administrator chose is one-time: changed before anything else (issue 18.4)
    expect(hr_page).to_have_url(re.compile(r"/account/password$"))
    hr_page.get_by_label("当前密码").fill(NEW_PASSWORD)
    hr_page.get_by_label("新密码", exact=True).fill(OWN_PASSWORD)
    hr_page.get_by_label("再次输入新密码").fill(OWN_PASSWORD)
    hr_page.get_by_role("button", name=re.compile("修改密码|保存")).click()
    expect(hr_page.get_by_role("alert").first).to_contain_text("密码已修改")
    hr_page.goto("/")
    expect(hr_page.get_by_role("heading", level=1)).to_contain_text("垦利区")
    db.session.refresh(user)
    assert user.totp_enabled
