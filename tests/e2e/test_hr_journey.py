"""The HR officer's day at a 1366×768 office PC, on the demo region (issue 12).

Log in with two-factor authentication, find a person, record a 记过 and notify it, see the
promotion restriction on the file, open the coverage dashboard and drill down, assign the
pre-appointment pledge from the pledge gap worklist, import an appraisal Excel file with one
bad row, read the error by row and column, fix it and import.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core import clock
from core.extensions import db
from tests.e2e.conftest import click_confirmed, confirm_dialogs, demo_password, login, shot


@pytest.fixture(scope="module")
def live_options():
    return {"demo": True, "TOTP_ENFORCE": True}


def _dongying():
    from core.registry.models import Department
    return db.session.execute(sa.select(Department).filter_by(name="东营区")).scalar_one()


def _clean_person(county):
    """An active person of 东营区 with an established file and no record at all (not a demo account)."""
    from archive.file.models import ArchiveFile, Record
    from core.accounts.models import User
    from core.registry.models import Person
    accounts = sa.select(User.person_id).where(User.person_id.is_not(None))
    return db.session.execute(
        sa.select(Person).join(ArchiveFile, ArchiveFile.person_id == Person.id)
        .where(Person.department_path.startswith(county.path), Person.status == "active",
               ArchiveFile.established_at.is_not(None),
               Person.id.not_in(sa.select(Record.person_id)), Person.id.not_in(accounts))
        .order_by(Person.id)).scalars().first()


def _without_appraisal(county, year: int, exclude: set[int], n: int = 2):
    """Active people of 东营区 in service last year with no appraisal for ``year`` and no record."""
    from archive.file.models import Appraisal, Record
    from core.registry.models import Person
    return list(db.session.execute(
        sa.select(Person).where(Person.department_path.startswith(county.path), Person.status == "active",
                                Person.entry_date <= date(year, 1, 1), Person.id.not_in(exclude),
                                Person.id.not_in(sa.select(Appraisal.person_id).where(Appraisal.year == year)),
                                Person.id.not_in(sa.select(Record.person_id)))
        .order_by(Person.id).limit(n)).scalars())


def _zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _appraisal_xlsx(rows) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "年度考核结果"
    ws.append(["公民身份号码", "姓名", "年度", "考核等次", "文号"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_hr_journey(page_for, live_app):
    from archive.file.models import Appraisal, Record
    from archive.pledges.models import Pledge
    from core import crypto
    county = _dongying()
    target = _clean_person(county)
    assert target is not None
    today = clock.today()
    page = page_for("desktop")
    asked = confirm_dialogs(page)

    # ---- log in: password, then the code of the authenticator app ------------------------------
    login(page, "hr", demo_password(live_app), totp=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("工作台")
    expect(page.get_by_role("heading", level=1)).to_contain_text("东营区")
    shot(page, "hr-01-home")
    # keyboard: the first Tab reaches the skip link, Enter moves the focus to the page content
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # ---- find the person ------------------------------------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员").click()
    page.get_by_label("姓名、公民身份号码或其后 4-6 位").fill(target.name)
    page.get_by_role("button", name="查询").click()
    row = page.get_by_role("row").filter(has_text=target.id_masked)
    expect(row).to_have_count(1)
    shot(page, "hr-02-people-search")
    row.get_by_role("link", name=target.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(target.name)
    expect(page.locator("#records")).to_contain_text("无失信记录")

    # ---- record a 记过: a missing field first (the typed values stay), then save -----------------
    page.get_by_role("link", name="登记失信记录").click()
    decided = today - timedelta(days=10)
    page.get_by_label("类别").select_option(label="政务处分")
    page.get_by_label("处分或处理").select_option(label="政务处分·记过")
    page.get_by_label("情节").select_option(label="一般")
    page.get_by_label("决定日期").fill(decided.isoformat())
    page.get_by_label("决定机关").fill("东营区纪委监委")
    page.get_by_label("文号").fill("东纪发〔2026〕88号")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("请更正")
    expect(page.get_by_label("决定机关")).to_have_value("东营区纪委监委")      # kept on error
    expect(page.get_by_label("处分或处理")).to_have_value("demerit")
    shot(page, "hr-03-record-form-error")
    page.get_by_label("事实", exact=True).fill("在专项资金审核中把关不严，造成资金拨付延误。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text("已保存为草稿")
    record = db.session.execute(sa.select(Record).filter_by(person_id=target.id)).scalar_one()
    assert (record.status.value, record.sanction.value, record.decided_on) == ("draft", "demerit", decided)

    # ---- notify it (asks first) and see the restriction on the file ----------------------------
    assert "告知后" in click_confirmed(page, page.get_by_role("button", name="告知本人"), asked)
    expect(page.get_by_role("alert").first).to_contain_text("已告知本人")
    db.session.refresh(record)
    assert record.status.value == "notified" and record.notified_on == today
    page.get_by_role("link", name=f"{target.name} · 诚信档案").click()
    restriction = page.locator("[data-restriction=promotion]").filter(has_text="政务处分·记过")
    expect(restriction).to_contain_text("限制晋升")
    expect(restriction).to_contain_text(f"至 {_zh(record.restricted_until)}")
    expect(page.locator(f"#record-{record.id}")).to_contain_text("已告知")
    shot(page, "hr-04-file-restricted")

    # ---- coverage: dashboard, drill down into a child ------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="覆盖率").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("覆盖率 · 东营区"))
    shot(page, "hr-05-coverage")
    child = page.locator("table.coverage-table tbody tr[data-department]").first
    child_name = child.get_by_role("link").first.inner_text()
    child.get_by_role("link", name=child_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(f"覆盖率 · {child_name}"))
    expect(page.get_by_role("navigation", name="位置")).to_contain_text("东营区")
    shot(page, "hr-06-coverage-child")

    # ---- pledge gaps: assign the pre-appointment pledge to two people ----------------------------
    page.get_by_role("navigation", name="位置").get_by_role("link", name="东营区").click()
    page.locator("[data-metric=pledge]").get_by_role("link", name=re.compile("尚缺")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("缺口清单")
    expect(page.get_by_role("link", name=re.compile("未签任职前承诺")).first).to_have_attribute("aria-current", "page")
    listed = [int(x) for x in page.locator("tbody tr[data-person]").evaluate_all(
        "rows => rows.map(r => r.dataset.person)")]
    from archive.pledges.queries import holding_clause
    from core.accounts.models import User
    from core.registry.models import Person
    own = db.session.execute(sa.select(User.person_id).filter_by(username="hr")).scalar_one()
    listed = [pid for pid in listed if pid != own]        # his own file: never acted on in bulk (issue 17.1)
    fresh = set(db.session.execute(sa.select(Person.id).where(
        Person.id.in_(listed), ~holding_clause("pre_appointment", today))).scalars())
    assert fresh and len(fresh) < len(listed), "the demo's gap list mixes pending pledges and people never asked"
    page.get_by_label("处理对象").select_option(value="all")
    due = today + timedelta(days=15)
    page.get_by_label("签署期限").fill(due.isoformat())
    shot(page, "hr-07-pledge-gaps")
    page.get_by_role("button", name="布置任职前承诺").click()           # first the preview (issue 19.4)
    expect(page.locator("#bulk-preview")).to_contain_text(
        f"将布置 {len(fresh)} 人，跳过 {len(listed) - len(fresh)} 人（已有待签承诺）")
    page.get_by_role("button", name="确认执行").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        f"》{len(fresh)} 人，跳过 {len(listed) - len(fresh)} 人（已有待签或有效承诺）")
    db.session.expire_all()
    assigned = db.session.execute(sa.select(Pledge.person_id).where(
        Pledge.person_id.in_(listed), Pledge.kind == "pre_appointment", Pledge.status == "assigned",
        Pledge.due_on == due)).scalars().all()
    assert sorted(assigned) == sorted(fresh)

    # ---- import appraisals: one bad row, read the error, fix it, import ---------------------------
    year = today.year - 1
    people = _without_appraisal(county, year, {target.id})
    assert len(people) == 2
    good, bad = [(crypto.decrypt(p.id_cipher), p.name, year) for p in people]
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("button", name="更多").click()              # HR's occasional entries (1366 px)
    nav.get_by_role("link", name="导入导出").click()
    card = page.get_by_role("region", name="年度考核结果")
    card.get_by_label("Excel 文件").set_input_files(files=[{
        "name": "考核结果-有误.xlsx", "mimeType": "application/octet-stream",
        "buffer": _appraisal_xlsx([(*good, "称职", "东人社〔2026〕3号"), (*bad, "良好", "东人社〔2026〕3号")])}])
    card.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("alert").first).to_contain_text("发现 1 个问题")
    error_row = page.locator("#import-errors tbody tr")
    expect(error_row).to_have_count(1)
    expect(error_row.locator("td").nth(0)).to_have_text("3")
    expect(error_row.locator("td").nth(1)).to_have_text("考核等次")
    shot(page, "hr-08-import-error")
    assert db.session.execute(sa.select(sa.func.count()).select_from(Appraisal).where(
        Appraisal.person_id.in_([p.id for p in people]), Appraisal.year == year)).scalar_one() == 0

    page.get_by_role("link", name="重新上传").click()
    card = page.get_by_role("region", name="年度考核结果")
    card.get_by_label("Excel 文件").set_input_files(files=[{
        "name": "考核结果.xlsx", "mimeType": "application/octet-stream",
        "buffer": _appraisal_xlsx([(*good, "称职", "东人社〔2026〕3号"), (*bad, "称职", "东人社〔2026〕3号")])}])
    card.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("status").first).to_contain_text("检查通过")
    assert "确认导入" in click_confirmed(page, page.get_by_role("button", name="确认导入"), asked)
    expect(page.get_by_role("status").first).to_contain_text("已导入")
    shot(page, "hr-09-import-done")
    db.session.expire_all()
    grades = db.session.execute(sa.select(Appraisal.person_id, Appraisal.grade).where(
        Appraisal.person_id.in_([p.id for p in people]), Appraisal.year == year)).all()
    assert sorted((pid, g.value) for pid, g in grades) == sorted((p.id, "competent") for p in people)
