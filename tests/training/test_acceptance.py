"""Issue 5, "Done when": a servant with 4 of 6 integrity hours sees what is missing, completes an
online course with a quiz on a phone and immediately meets the requirement; HR sees the county's
who-has-not list and enrols them all in one action."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from core.extensions import db
from core.notify.models import Notification
from tests import factories as f
from tests.training.conftest import complete_hours, make_course, right_answers
from training.enums import EnrolmentStatus
from training.models import Enrolment, TrainingStatus

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"}


def _this_year_day(today: date) -> date:
    return max(date(today.year, 1, 2), today - timedelta(days=3))


def test_servant_tops_up_hours_online_and_hr_enrols_the_rest(region, integrity_online, login_as, client, app, today):
    other_course = make_course("CX-09", "诚信专题：政务失信典型案例剖析", hours="2")
    day = _this_year_day(today)
    complete_hours(region.person, other_course, day)
    complete_hours(region.person, make_course("CX-10", "诚信手册导读", hours="2"), day)
    # the county's other people: one meets, two do not; 李娜 (河口区) is out of HR's scope
    ok = f.person("赵敏", department=region.shikou)
    complete_hours(ok, other_course, day, hours="6")
    gap1 = f.person("钱进", department=region.shikou)
    gap2 = f.person("孙悦", department=region.wenhui)
    complete_hours(gap2, other_course, day, hours="2")
    db.session.commit()

    # 1. the servant sees what is missing, with a link to a course that would meet it
    c = login_as(region.servant)
    page = c.get("/training/my", headers=PHONE).get_data(as_text=True)
    assert "诚信教育学时 4/6，还差 2 学时" in page
    assert 'data-meets="no"' in page
    assert f"/training/courses/{integrity_online.id}/study" in page
    assert 'name="viewport"' in page

    # 2. studies and takes the quiz on the phone
    study = c.get(f"/training/courses/{integrity_online.id}/study", headers=PHONE).get_data(as_text=True)
    assert "参加测验" in study
    quiz = c.get(f"/training/courses/{integrity_online.id}/quiz", headers=PHONE)
    html = quiz.get_data(as_text=True)
    assert quiz.status_code == 200
    assert html.count('type="radio"') == 4 * 4 and html.count('type="checkbox"') == 4
    form = {f"q{qid}": keys for qid, keys in right_answers(integrity_online).items()}
    resp = c.post(f"/training/courses/{integrity_online.id}/quiz", data=form, headers=PHONE)
    assert resp.status_code == 302
    result = c.get(resp.headers["Location"], headers=PHONE).get_data(as_text=True)
    assert 'data-passed="yes"' in result and "已登记本课程 2 学时" in result
    assert "年度的培训要求已全部达标" in result

    # 3. immediately meets the requirement
    page = c.get("/training/my").get_data(as_text=True)
    assert 'data-meets="yes"' in page and "诚信教育学时 6/6，已达标" in page
    status = db.session.get(TrainingStatus, (region.person.id, today.year))
    assert status.meets and status.integrity_hours == 6

    # 4. HR sees the county's who-has-not list (not 河口区) and enrols them all in one action
    hr = login_as(region.hr, app.test_client())
    listing = hr.get(f"/training/overview?department_id={region.dongying.id}&met=unmet").get_data(as_text=True)
    assert "钱进" in listing and "孙悦" in listing
    assert "张伟" not in listing and "赵敏" not in listing and "李娜" not in listing
    assert 'data-met="2" data-active="4"' in listing
    preview = hr.post("/training/overview/enrol", data={"course_id": integrity_online.id,
                                                        "department_id": region.dongying.id})
    assert "将报名 2 人，跳过 0 人" in preview.get_data(as_text=True)       # issue 19.4: a preview first
    resp = hr.post("/training/overview/enrol", data={"course_id": integrity_online.id,
                                                     "department_id": region.dongying.id, "confirm": "1"})
    assert resp.status_code == 302
    flashed = hr.get(resp.headers["Location"]).get_data(as_text=True)
    assert "报名 2 人" in flashed
    enrolled = set(db.session.execute(sa.select(Enrolment.person_id).where(
        Enrolment.course_id == integrity_online.id, Enrolment.status == EnrolmentStatus.ENROLLED)).scalars())
    assert enrolled == {gap1.id, gap2.id}
    notes = db.session.execute(sa.select(Notification.person_id).where(Notification.kind == "course_enrolled")
                               ).scalars().all()
    assert sorted(notes) == sorted([gap1.id, gap2.id])

    # 5. doing it again enrols nobody twice
    hr.post("/training/overview/enrol", data={"course_id": integrity_online.id, "department_id": region.dongying.id,
                                              "confirm": "1"})
    assert db.session.execute(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.course_id == integrity_online.id)).scalar_one() == 3
