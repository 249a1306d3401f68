"""The civil servant's journey on a phone (390×844), on the demo region (issue 12).

HR has just notified a new record (通报): the servant sees the unread badge, opens the inbox
and the notice, reads the file, objects to the new record, signs the pre-appointment pledge
(scroll to the end, typed name, password, agree), takes the online integrity course and passes
its quiz, and applies for credit repair of the ~4-month-old 行政处罚 (statutory sanctions such as a
记过 are never repaired, docs/rules.md §4.6): the conditions are shown, the
repair course and the repair pledge make them met, a PNG receipt is uploaded, the application
is filed.
"""
from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core import clock
from core.extensions import db
from tests.e2e.conftest import demo_password, login, shot

# a 1×1 PNG: the "receipt" scan
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def live_options():
    return {"demo": True}


def _servant_person():
    from core.accounts.models import User
    from core.registry.models import Person
    user = db.session.execute(sa.select(User).filter_by(username="servant")).scalar_one()
    return user, db.session.get(Person, user.person_id)


def _notify_new_record(app, person):
    """HR's side, done through the services (in a request context, as a view would: the notice
    links to the record): a 通报 decided 5 days ago, notified today."""
    from archive.file import services
    from core.accounts.models import User
    hr = db.session.execute(sa.select(User).filter_by(username="hr")).scalar_one()
    with app.test_request_context():
        record = _enter(services, person, hr)
    db.session.commit()
    return record


def _enter(services, person, hr):
    record = services.record_misconduct(person, category="accountability", sanction="circulated", severity="general",
                                        decided_on=clock.today() - timedelta(days=5), authority="东营区纪委监委",
                                        facts="未按时报送安全生产月度检查台账，被通报批评。",
                                        document_no="东纪通〔2026〕12号", by=hr)
    services.notify_record(record, person, by=hr)
    return record


def _menu(page, name: str) -> None:
    """The phone's collapsed main menu: open it (Bootstrap's script must be there), follow ``name``."""
    page.wait_for_load_state("load")
    page.get_by_role("button", name="展开导航").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name).click()


def _sign(page, title: str, typed_name: str, password: str) -> None:
    _menu(page, "我的承诺")
    page.get_by_role("link", name=re.compile(title)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    sign = page.get_by_role("button", name="确认签署")
    expect(sign).to_be_disabled()                                  # not before reading to the end
    page.locator("[data-read-end]").scroll_into_view_if_needed()   # the text is one column in the page (issue 19)
    expect(sign).to_be_enabled()
    page.get_by_label("请输入您的完整姓名作为签名").fill(typed_name)
    page.get_by_label("登录密码").fill(password)
    page.get_by_label(re.compile("我已完整阅读")).check()
    sign.click()
    expect(page.get_by_role("alert").first).to_contain_text("签署成功")


def _pass_quiz(page, course) -> None:
    """On the study page: take the quiz, answer every question right (from the question rows)."""
    page.get_by_role("link", name="参加测验").click()
    for q in course.questions:
        group = page.get_by_role("group").filter(has_text=q.text)
        options = {o["key"]: o["text"] for o in q.options}
        for key in q.correct:
            group.get_by_label(options[key]).check()
    page.get_by_role("button", name="提交答卷").click()
    expect(page.locator("[data-passed=yes]")).to_contain_text("测验通过")
    expect(page.locator("[data-score]")).to_have_attribute("data-score", "100")


def test_servant_journey(page_for, live_app):
    from archive.file.models import Objection
    from archive.pledges.models import Pledge
    from archive.repair.models import EVIDENCE_OWNER, RepairApplication
    from core.files import Attachment
    from training.models import Course, Enrolment
    user, person = _servant_person()
    new_record = _notify_new_record(live_app, person)
    demerit = next(r for r in _records(person.id) if r.category.value == "admin_penalty")
    password = demo_password(live_app)
    page = page_for("phone")

    # ---- the unread badge in the top bar (visible without opening the menu) → inbox ----------------
    login(page, "servant", password)
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的诚信档案")
    bell = page.locator("[data-unread-link]")
    expect(bell).to_be_visible()
    unread = int(bell.locator("[data-unread]").get_attribute("data-unread"))
    assert unread >= 1
    shot(page, "servant-01-my-file-badge")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("通知")
    notice = page.get_by_role("button", name=re.compile("失信记录告知：问责处理·通报"))
    expect(notice).to_contain_text("未读")
    shot(page, "servant-02-inbox")
    notice.click()                                      # opens the link of the notice: the record itself
    expect(page).to_have_url(re.compile(rf"/records/{new_record.id}$"))
    expect(page.locator("[data-unread-link] [data-unread]")).to_have_attribute("data-unread", str(unread - 1))
    _menu(page, "我的档案")

    # ---- read my file: the 行政处罚 restricts awards; the new record awaits objection or acceptance --
    expect(page.locator("[data-restriction=award]").first).to_contain_text("限制评优评先")
    expect(page.locator(f"#record-{demerit.id}")).to_contain_text("生效")
    row = page.locator(f"#record-{new_record.id}")
    expect(row).to_contain_text("已告知")
    shot(page, "servant-03-my-file")

    # ---- object to the new record -----------------------------------------------------------------
    row.get_by_role("link", name="提出异议").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("提出异议")
    page.get_by_label("异议理由").fill("台账已于规定日期前通过政务系统报送，附系统回执截图，请予核实。")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert").first).to_contain_text("异议已提交")
    expect(page.locator(f"#record-{new_record.id}")).to_contain_text("异议处理中")
    objection = db.session.execute(sa.select(Objection).filter_by(record_id=new_record.id)).scalar_one()
    assert objection.status.value == "pending" and objection.filed_by_id == user.id
    shot(page, "servant-04-objection-filed")

    # ---- sign the pre-appointment pledge -----------------------------------------------------------
    _sign(page, "公务员任职前信用承诺书", person.name, password)
    shot(page, "servant-05-pledge-signed")
    signed = db.session.execute(sa.select(Pledge).filter_by(person_id=person.id, kind="pre_appointment")).scalar_one()
    assert signed.status.value == "signed" and signed.typed_name == person.name and signed.sha256

    # ---- take the online integrity course and pass its quiz ------------------------------------------
    course = db.session.execute(sa.select(Course).filter_by(code="CX-SC-01")).scalar_one()
    _menu(page, "我的培训")
    expect(page.locator("#due")).to_contain_text(course.title)
    page.locator("#due").get_by_role("link", name=course.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    shot(page, "servant-06-course-study")
    _pass_quiz(page, course)
    shot(page, "servant-07-quiz-passed")
    done = db.session.execute(sa.select(Enrolment).filter_by(person_id=person.id, course_id=course.id)
                              .where(Enrolment.completed_on == clock.today())).scalar_one()
    assert done.status.value == "completed" and done.score == 100

    # ---- apply for repair: conditions first, then the repair course and pledge ------------------------
    _menu(page, "我的档案")
    page.locator(f"#record-{demerit.id}").get_by_role("link", name="申请信用修复").click()
    expect(page.locator("[data-eligible]")).to_have_attribute("data-eligible", "false")
    expect(page.locator("[data-condition=repair_training]")).to_have_attribute("data-met", "false")
    expect(page.locator("[data-condition=repair_pledge]")).to_have_attribute("data-met", "false")
    shot(page, "servant-08-repair-conditions")
    repair_url = page.url

    expect(page.get_by_role("button", name="提交申请")).to_be_disabled()    # waits for the conditions
    page.locator("[data-fix=repair_training]").click()                     # the fix link beside it
    repair_course = db.session.execute(sa.select(Course).filter_by(code="XF-01")).scalar_one()
    expect(page.get_by_role("heading", level=1)).to_have_text(repair_course.title)
    _pass_quiz(page, repair_course)
    _sign(page, "政务失信信用修复承诺书", person.name, password)

    page.goto(repair_url)
    expect(page.locator("[data-eligible]")).to_have_attribute("data-eligible", "true")
    expect(page.locator("[data-met=false]")).to_have_count(0)
    page.get_by_label("消除不良影响").check()
    page.get_by_label("纠正情况说明").fill("已在单位作出书面检查，补齐资金拨付手续，延误造成的影响已消除。")
    page.get_by_label(re.compile("证明材料")).set_input_files(files=[{
        "name": "整改回执.png", "mimeType": "image/png", "buffer": PNG}])
    shot(page, "servant-09-repair-form")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("alert").first).to_contain_text("信用修复申请已提交")
    db.session.expire_all()
    application = db.session.execute(sa.select(RepairApplication).filter_by(record_id=demerit.id)).scalar_one()
    assert application.status.value == "pending" and application.correction.value == "remove_impact"
    evidence = db.session.execute(sa.select(Attachment).filter_by(owner_id=application.id)
                                  .where(Attachment.owner_type == EVIDENCE_OWNER)).scalars().all()
    assert [a.original_name for a in evidence] == ["整改回执.png"]
    shot(page, "servant-10-repair-filed")


def _records(person_id: int):
    from archive.file.models import Record
    return db.session.execute(sa.select(Record).filter_by(person_id=person_id)).scalars().all()
