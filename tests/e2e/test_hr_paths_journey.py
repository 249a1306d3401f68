"""Issue 19, the HR officer's paths at 1366×768 on the demo region: print the integrity file from
the people list and from the file page (watermark choice), find a person by the last digits of
the id number, filter the people list, read the pledge worklist's pending state and assign with
a preview, the workbench trend, and the English menu on one line."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.extensions import db
from tests.e2e.conftest import demo_password, login, shot

README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def live_options():
    return {"demo": True}


def _dongying_person():
    """An active person of 东营区 whose last 6 id characters are unique in the region, and who is
    not the HR officer himself (he reads his own file as its person only, issue 17.1)."""
    from core.accounts.models import User
    from core.registry.models import Department, Person
    county = db.session.execute(sa.select(Department).filter_by(name="东营区")).scalar_one()
    with_account = sa.select(User.person_id).where(User.person_id.is_not(None))
    for p in db.session.execute(sa.select(Person).where(
            Person.department_path.startswith(county.path), Person.status == "active",
            Person.id.not_in(with_account)).order_by(Person.id)).scalars():
        n = db.session.execute(sa.select(sa.func.count()).select_from(Person)
                               .where(Person.id_tail6 == p.id_tail6)).scalar_one()
        if n == 1:
            return p
    raise AssertionError("no person with a unique id tail")


def _names(page) -> list[str]:
    return page.locator("main table tbody tr td:first-child a").all_inner_texts()


def test_hr_paths(page_for, live_app):
    from core import crypto
    from core.registry.search_keys import name_key
    page = page_for("desktop")
    login(page, "hr", demo_password(live_app), totp=True)

    # ---- 6: the workbench draws the coverage trend with its 100% target line ---------------------
    trend = page.locator("#workbench-trend svg.trend-chart")
    expect(trend).to_be_visible()
    expect(trend.locator("line.target")).to_have_count(1)
    assert trend.bounding_box()["width"] > 900                           # fills its card at 1366 px
    shot(page, "hr-paths-01-workbench")
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).resolve().parents[2] / "artifacts" / "e2e" / "hr-paths-01-workbench.png",
                    README_SHOTS / "hr-workbench.png")

    # ---- 5: the people list in pinyin order, found by the last 6 id characters --------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员").click()
    names = _names(page)
    assert len(names) >= 10 and [name_key(n) for n in names] == sorted(name_key(n) for n in names)
    person = _dongying_person()
    tail = crypto.decrypt(person.id_cipher)[-6:]
    page.get_by_label("姓名、公民身份号码或其后 4-6 位").fill(tail)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("main table tbody tr")).to_have_count(1)
    assert _names(page) == [person.name]
    shot(page, "hr-paths-02-people-by-id-suffix")
    page.get_by_label("姓名、公民身份号码或其后 4-6 位").fill("")
    page.get_by_label("缺少的覆盖项目").select_option(value="pledge")
    page.get_by_label("诚信状态").select_option(value="good")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_label("缺少的覆盖项目")).to_have_value("pledge")    # the filters stay chosen
    assert _names(page)

    # ---- 1: print from the people list and from the file page --------------------------------------
    row = page.locator("main table tbody tr").first
    with page.expect_download(timeout=120_000) as d:      # a PDF render on a busy machine
        row.get_by_role("link", name=re.compile("打印诚信档案")).click()
    assert d.value.suggested_filename.endswith(".pdf") and "诚信档案" in d.value.suggested_filename
    page.goto(f"/people/{person.id}/file")
    form = page.locator("#print-file")
    expect(form.get_by_label("水印")).to_have_value("review")
    form.get_by_label("水印").select_option(value="archive")
    shot(page, "hr-paths-03-file-print")
    with page.expect_download(timeout=120_000) as d:      # a PDF render on a busy machine
        form.get_by_role("button", name="打印诚信档案").click()
    assert d.value.suggested_filename.endswith(".pdf")
    from core.audit.models import AuditEvent
    db.session.expire_all()
    last = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "file_view",
                                                          AuditEvent.person_id == person.id)
                              .order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert "仅供存档查阅" in last.summary

    # ---- 4: the pledge worklist: pending state and due date, then a preview before assigning ------
    page.goto("/coverage/gaps/pledge")
    expect(page.get_by_role("heading", level=1)).to_contain_text("缺口清单")
    pending = page.locator("td[data-pledge-state=pending]")
    expect(pending.first).to_contain_text("截止")
    page.get_by_label("待签承诺").select_option(value="none")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("td[data-pledge-state=pending]")).to_have_count(0)
    page.get_by_label("待签承诺").select_option(value="")
    page.get_by_role("button", name="查询").click()
    page.get_by_label("处理对象").select_option(value="all")
    page.get_by_role("button", name="布置任职前承诺").click()
    preview = page.locator("#bulk-preview")
    expect(preview).to_contain_text(re.compile(r"将布置 \d+ 人，跳过 \d+ 人（已有待签承诺）"))
    will, skip = int(preview.get_attribute("data-will")), int(preview.get_attribute("data-skip"))
    assert will > 0 and skip > 0
    shot(page, "hr-paths-04-bulk-preview")
    page.get_by_role("button", name="确认执行").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"》{will} 人，跳过 {skip} 人")

    # ---- 16: the English menu on one line at 1366 px --------------------------------------------------
    page.goto("/people?lang=en")
    tops = page.locator("#nav > ul > li.nav-item").evaluate_all(
        "items => items.filter(i => i.offsetParent !== null).map(i => Math.round(i.getBoundingClientRect().top))")
    assert len(tops) >= 10 and max(tops) - min(tops) <= 4, tops
    assert page.locator("nav.app-navbar").bounding_box()["height"] < 70
    shot(page, "hr-paths-05-english-menu")
    page.goto("/people?lang=zh_CN")
