"""Activation on a phone (issue 18): a person holding a slip opens /activate on a 390×844
screen, types id number, name and code, chooses a username and a password, and lands signed
in on the welcome page, all in well under a minute."""
from __future__ import annotations

import time
from datetime import date

import pytest
from playwright.sync_api import expect

from core import crypto
from core.extensions import db
from tests import factories as f
from tests.e2e.conftest import shot


@pytest.fixture(scope="module")
def live_options():
    return {}


def test_a_person_activates_from_a_phone(page_for, live_app):
    from core.accounts import activation
    from core.accounts.rules import display_code
    dept = f.department("史口镇")
    person = f.person("王芳", department=dept, entry_date=date(2020, 1, 1))
    result = activation.create_batch(actor=None, person_ids=[person.id])
    db.session.commit()
    code = display_code(result.codes[0][1])
    id_number = crypto.decrypt(person.id_cipher)

    page = page_for("phone")
    started = time.perf_counter()
    page.goto("/login")
    page.get_by_role("link", name="收到激活码？激活账户").click()
    expect(page.get_by_role("heading", name="激活账户")).to_be_visible()
    page.get_by_label("公民身份号码").fill(id_number)
    page.get_by_label("姓名").fill("王芳")
    page.get_by_label("激活码").fill("wrong-code-0000")
    page.get_by_label("自设用户名").fill("wangfang")
    page.get_by_label("自设密码").fill("Qing@Shan-2026")
    page.get_by_label("再次输入密码").fill("Qing@Shan-2026")
    page.get_by_role("button", name="激活并登录").click()
    expect(page.get_by_text("身份信息或激活码不正确")).to_be_visible()
    page.get_by_label("激活码").fill(code.lower())
    page.get_by_label("自设密码").fill("Qing@Shan-2026")
    page.get_by_label("再次输入密码").fill("Qing@Shan-2026")
    shot(page, "activation-phone")
    page.get_by_role("button", name="激活并登录").click()
    expect(page.get_by_role("heading", name="欢迎使用诚信档案与培训管理系统")).to_be_visible()
    assert time.perf_counter() - started < 60
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390                                       # no sideways scrolling on the phone
    shot(page, "activation-welcome-phone")
