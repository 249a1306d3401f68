"""Issue 19.4: the pledge gap list shows who already has a pending pledge (state and due date),
and every bulk action shows "将布置 N 人，跳过 M 人（已有待签承诺）" before it runs."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from archive.pledges.models import Pledge
from core.audit.models import AuditEvent
from core.extensions import db
from core.notify.models import Notification
from tests import factories as f
from tests.archive.coverage.coverage_helpers import give, pre_template


def _body(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture
def people(region):
    """张伟 and 文汇0..2 miss the pledge; 文汇0 already has a pending one. The template is
    published after they are registered, so nobody got one automatically."""
    from archive.pledges.services import assign
    people = [region.person] + [f.person(f"文汇{i}", department=region.wenhui) for i in range(3)]
    db.session.commit()
    for p in people:
        give(p, "appraisal", "archive", "training")
    assign(pre_template(), [people[1]])
    db.session.commit()
    return people


@pytest.fixture
def template(people):
    return pre_template()


class TestPledgeState:
    def test_the_gap_list_shows_pending_pledges_with_their_due_date(self, region, login_as, people, template):
        html = _body(login_as(region.hr).get(f"/coverage/gaps/pledge?department_id={region.wenhui.id}"))
        row = html.split(f'data-person="{people[1].id}"')[1].split("</tr>")[0]
        due = db.session.execute(sa.select(Pledge.due_on).filter_by(person_id=people[1].id)).scalar_one()
        assert 'data-pledge-state="pending"' in row and "待签署" in row
        assert f"{due.year}年{due.month}月{due.day}日" in row
        row = html.split(f'data-person="{people[2].id}"')[1].split("</tr>")[0]
        assert 'data-pledge-state="none"' in row and "未布置" in row

    def test_filter_by_pending_state(self, region, login_as, people, template):
        hr = login_as(region.hr)
        pending = _body(hr.get(f"/coverage/gaps/pledge?department_id={region.wenhui.id}&pledge_state=pending"))
        assert re.findall(r'data-person="(\d+)"', pending) == [str(people[1].id)]
        none = _body(hr.get(f"/coverage/gaps/pledge?department_id={region.wenhui.id}&pledge_state=none"))
        assert str(people[1].id) not in re.findall(r'data-person="(\d+)"', none)
        assert hr.get("/coverage/gaps/pledge?pledge_state=%3Cbad%3E").status_code == 200


class TestTwoStepBulkActions:
    def test_pledge_preview_counts_and_writes_nothing(self, region, login_as, people, template):
        hr = login_as(region.hr)
        before = (db.session.execute(sa.select(sa.func.count()).select_from(Pledge)).scalar_one(),
                  db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one())
        form = {"department_id": region.wenhui.id, "scope": "all", "action": "pledge", "template_id": template.id}
        r = hr.post("/coverage/gaps/pledge/act", data=form)
        body = _body(r)
        assert r.status_code == 200 and "将布置 3 人，跳过 1 人（已有待签承诺）" in body
        assert 'name="confirm" value="1"' in body and 'name="csrf_token"' in body or "csrf" in body
        assert f'name="template_id" value="{template.id}"' in body and 'name="scope" value="all"' in body
        db.session.expire_all()
        assert (db.session.execute(sa.select(sa.func.count()).select_from(Pledge)).scalar_one(),
                db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()) == before
        done = hr.post("/coverage/gaps/pledge/act", data={**form, "confirm": "1"}, follow_redirects=True)
        assert "已布置《任职前信用承诺书》3 人，跳过 1 人" in _body(done)

    def test_filters_and_ticked_people_are_kept_into_the_confirmation(self, region, login_as, people, template):
        r = login_as(region.hr).post("/coverage/gaps/pledge/act", data={
            "department_id": region.wenhui.id, "q": "文汇", "pledge_state": "none", "scope": "selected",
            "action": "remind", "person_ids": [people[2].id, people[3].id, "x"]})
        body = _body(r)
        assert "将提醒 2 人，跳过 0 人" in body
        for hidden in (f'name="department_id" value="{region.wenhui.id}"', 'name="q" value="文汇"',
                       'name="pledge_state" value="none"', f'name="person_ids" value="{people[2].id}"',
                       'name="action" value="remind"'):
            assert hidden in body, hidden
        assert 'value="x"' not in body
        assert db.session.execute(sa.select(sa.func.count()).select_from(Notification)
                                  .where(Notification.kind == "coverage_reminder")).scalar_one() == 0

    def test_enrol_preview(self, region, login_as, people, template, course):
        r = login_as(region.hr).post("/coverage/gaps/overall/act", data={
            "scope": "selected", "action": "enrol", "course_id": course.id, "person_ids": [p.id for p in people]})
        body = _body(r)          # all four completed the course this year (give(..., "training"))
        assert "将报名 0 人，跳过 4 人（已报名或本年已结业）" in body
        assert 'name="confirm"' not in body and "没有需要处理的人员" in body

    def test_bad_inputs_in_the_first_step_go_back_with_a_message(self, region, login_as, people, template):
        hr = login_as(region.hr)
        for data, message in (({"action": "pledge", "template_id": "abc"}, "请选择已发布的任职前承诺模板"),
                              ({"action": "pledge", "template_id": template.id, "due_on": "2020-01-01"},
                               "签署截止日期不能早于今天"),
                              ({"action": "pledge", "template_id": template.id, "due_on": "bad"}, "截止日期格式"),
                              ({"action": "enrol", "course_id": "999999"}, "请选择培训课程"),
                              ({"action": "nuke"}, "请选择有效的批量操作")):
            r = hr.post("/coverage/gaps/pledge/act", data={"scope": "all", **data}, follow_redirects=True)
            assert r.status_code == 200 and message in _body(r), data

    def test_the_confirmation_needs_csrf(self, app, region, login_as, people, template):
        app.config["WTF_CSRF_ENABLED"] = True
        try:
            r = login_as(region.hr).post("/coverage/gaps/pledge/act", data={
                "scope": "all", "action": "pledge", "template_id": template.id, "confirm": "1"})
            assert r.status_code in (400, 403)
        finally:
            app.config["WTF_CSRF_ENABLED"] = False
        assert db.session.execute(sa.select(sa.func.count()).select_from(Pledge)).scalar_one() == 1
