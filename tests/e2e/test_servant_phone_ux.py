"""Issue 19 items 8-10 on a phone (390×844), on the demo region: my file opens with the to-do block
(签署 goes straight to the pledge), a refused signature comes back scrolled to and focused on the
first error, the pledge reads as one column without a hash, and the repair form's submit waits
for its conditions with the fix links beside it."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.extensions import db
from tests.e2e.conftest import demo_password, login, shot


@pytest.fixture(scope="module")
def live_options():
    return {"demo": True}


def test_phone_to_do_sign_error_focus_and_repair_gate(page_for, live_app):
    from archive.file.models import Record
    from archive.pledges.models import Pledge
    from core.accounts.models import User
    user = db.session.execute(sa.select(User).filter_by(username="servant")).scalar_one()
    pledge = db.session.execute(sa.select(Pledge).filter_by(person_id=user.person_id, kind="pre_appointment")
                                ).scalar_one()
    # the servant's credit record (a 行政处罚: statutory sanctions such as a 记过 are never repaired)
    penalty = db.session.execute(sa.select(Record).filter_by(person_id=user.person_id, category="admin_penalty")
                                 ).scalars().first()
    page = page_for("phone")
    login(page, "servant", demo_password(live_app))

    # ---- item 8: the to-do block comes first, its 签署 opens that pledge --------------------------
    todo = page.locator("#todo")
    expect(todo).to_be_visible()
    expect(page.locator("#todo h2")).to_be_in_viewport(ratio=1)     # waits for the page to settle
    item = todo.locator(f'[data-todo-item="pledge-{pledge.id}"]')
    expect(item).to_contain_text("任职前信用承诺书")
    shot(page, "servant-phone-01-todo")
    item.get_by_role("link", name="签署").click()
    expect(page).to_have_url(re.compile(rf"/my/pledges/{pledge.id}/sign$"))

    # ---- item 9: one column, no hash; a wrong name comes back focused on the error ----------------
    expect(page.get_by_text("SHA-256")).to_have_count(0)
    text_box = page.locator("#pledge-text")
    assert text_box.evaluate("el => el.scrollHeight <= el.clientHeight + 2")     # not a scroll box
    sign = page.get_by_role("button", name="确认签署")
    expect(sign).to_be_disabled()
    page.locator("[data-read-end]").scroll_into_view_if_needed()
    expect(sign).to_be_enabled()
    page.get_by_label("请输入您的完整姓名作为签名").fill("不是本人")
    page.get_by_label("登录密码").fill(demo_password(live_app))
    page.get_by_label(re.compile("我已完整阅读")).check()
    sign.click()
    page.wait_for_load_state("load")
    name = page.get_by_label("请输入您的完整姓名作为签名")
    expect(name).to_be_focused()
    expect(page.locator("#typed_name")).to_be_in_viewport(ratio=1)  # scrolled to once focused
    expect(page.locator("#typed_name ~ .invalid-feedback").first).to_be_visible()
    shot(page, "servant-phone-02-sign-error-focused")

    # ---- item 10: repair submit waits for the conditions, the fix links beside it -----------------
    page.goto(f"/my/records/{penalty.id}/repair")
    submit = page.get_by_role("button", name="提交申请")
    expect(submit).to_be_disabled()
    blockers = page.locator("#repair-blockers")
    expect(blockers.locator("[data-fix=repair_training]")).to_be_visible()
    expect(blockers.locator("[data-fix=repair_pledge]")).to_be_visible()
    submit.scroll_into_view_if_needed()
    shot(page, "servant-phone-03-repair-gate")
    blockers.locator("[data-fix=repair_pledge]").click()
    expect(page).to_have_url(re.compile(r"/my/pledges$"))
