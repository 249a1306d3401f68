"""HR pages: assignment form, lists with status badges and paging, overdue worklist, actions."""
from datetime import timedelta

import sqlalchemy as sa

from archive.pledges import services
from archive.pledges.models import Pledge, PledgeStatus
from core import clock
from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f
from tests.archive.pledges.conftest import sign


def overdue_pledge(region, pre_tpl, person=None):
    past = clock.today() - timedelta(days=20)
    result = services.assign(pre_tpl, [person or region.person], today=past, due_on=past + timedelta(days=15))
    db.session.commit()
    return db.session.execute(sa.select(Pledge).filter_by(batch=result.batch)).scalar_one()


class TestAssignForm:
    def test_one_person_by_name_says_how_many(self, login_as, region, pre_tpl):
        client = login_as(region.hr)
        html = client.get(f"/pledges/assign?template_id={pre_tpl.id}&person_id={region.person.id}").get_data(as_text=True)
        assert 'value="张伟"' in html and "所有尚无有效任职前承诺的人员" in html
        resp = client.post("/pledges/assign", data={"template_id": pre_tpl.id, "mode": "person", "person": "张伟",
                                                    "due_on": (clock.today() + timedelta(days=10)).isoformat(),
                                                    "confirm": "1"},
                           follow_redirects=True)
        assert "已分配 1 人，跳过 0 人" in resp.get_data(as_text=True)
        resp = client.post("/pledges/assign", data={"template_id": pre_tpl.id, "mode": "person", "person": "张伟",
                                                    "confirm": "1"}, follow_redirects=True)
        assert "已分配 0 人，跳过 1 人" in resp.get_data(as_text=True)

    def test_the_first_post_previews_and_writes_nothing(self, login_as, region, pre_tpl):
        """Issue 19.4: "将分配 N 人，跳过 M 人" first; the values travel in hidden fields; 返回修改 keeps them."""
        from archive.enums import PledgeKind
        from tests.archive.pledges.conftest import make_template
        annual = make_template(kind=PledgeKind.ANNUAL, title="年度诚信承诺书")
        f.person("王芳", department=region.shikou)
        db.session.commit()
        services.assign(annual, [region.person])
        db.session.commit()
        client = login_as(region.hr)
        data = {"template_id": annual.id, "mode": "department", "department_id": region.dongying.id,
                "include_children": "y", "due_on": (clock.today() + timedelta(days=10)).isoformat()}
        html = client.post("/pledges/assign", data=data).get_data(as_text=True)
        assert "将分配 1 人，跳过 1 人（已有待签承诺或有效承诺）" in html
        assert f'name="department_id" value="{region.dongying.id}"' in html and 'name="include_children" value="y"' in html
        assert f'name="due_on" value="{data["due_on"]}"' in html and 'name="confirm" value="1"' in html
        assert db.session.execute(sa.select(sa.func.count()).select_from(Pledge)
                                  .filter_by(kind="annual")).scalar_one() == 1
        back = client.post("/pledges/assign", data={**data, "edit": "1"}).get_data(as_text=True)
        assert "预览并分配" in back and f'<option selected value="{region.dongying.id}">' in back
        done = client.post("/pledges/assign", data={**data, "confirm": "1"}, follow_redirects=True)
        assert "已分配 1 人，跳过 1 人" in done.get_data(as_text=True)

    def test_errors_inline_in_chinese_nothing_written(self, login_as, region, pre_tpl):
        client = login_as(region.hr)
        for data, message in [({"mode": "person", "person": "李娜"}, "在您的管理范围内未找到该人员"),
                              ({"mode": "person", "person": ""}, "请输入人员姓名或完整公民身份号码"),
                              ({"mode": "department", "department_id": 0}, "请选择单位"),
                              ({"mode": "department", "department_id": region.dongying.id, "due_on": "2020-01-01"},
                               "签署截止日期不能早于今天"),
                              ({"mode": "department", "department_id": region.dongying.id, "due_on": "明天"},
                               "日期格式须为")]:
            resp = client.post("/pledges/assign", data={"template_id": pre_tpl.id, **data})
            assert resp.status_code == 200
            assert message in resp.get_data(as_text=True), data
        resp = client.post("/pledges/assign", data={"template_id": pre_tpl.id, "mode": "department",
                                                    "department_id": region.hekou.id})
        assert resp.status_code == 404
        assert db.session.execute(sa.select(sa.func.count()).select_from(Pledge)).scalar_one() == 0


class TestLists:
    def test_pledge_list_with_badges_filters_and_paging(self, login_as, region, pre_tpl):
        for i in range(55):
            f.person(f"人员{i:02d}", department=region.shikou)      # auto-assigned
        overdue_pledge(region, pre_tpl)
        db.session.commit()
        client = login_as(region.hr)
        html = client.get(f"/pledges?template_id={pre_tpl.id}").get_data(as_text=True)
        assert "共 56 条" in html and 'data-status="assigned"' in html and "下一页" in html
        html = client.get("/pledges?status=overdue").get_data(as_text=True)
        assert "共 1 条" in html and 'data-status="overdue"' in html and "张伟" in html
        html = client.get(f"/pledges?department_id={region.wenhui.id}").get_data(as_text=True)
        assert "共 1 条" in html
        assert "李娜" not in client.get("/pledges").get_data(as_text=True)
        assert login_as(region.hr).get(f"/pledges?department_id={region.hekou.id}").status_code == 404

    def test_overdue_worklist_and_home_card(self, login_as, region, pre_tpl):
        overdue_pledge(region, pre_tpl)
        overdue_pledge(region, pre_tpl, region.other)
        client = login_as(region.hr)
        html = client.get("/pledges/overdue").get_data(as_text=True)
        assert "张伟" in html and "李娜" not in html
        home = client.get("/").get_data(as_text=True)
        assert "逾期未签署的承诺" in home and "/pledges/overdue" in home
        assert "逾期未签署的承诺" in login_as(region.hr_city).get("/").get_data(as_text=True)

    def test_templates_page_counts(self, login_as, region, pre_tpl):
        overdue_pledge(region, pre_tpl)
        html = login_as(region.hr).get("/pledges/templates").get_data(as_text=True)
        assert "任职前信用承诺书" in html and "/pledges/assign" in html


class TestActions:
    def test_publish_and_unpublish(self, login_as, region, pledge):
        client = login_as(region.hr)
        assert client.post(f"/pledges/{pledge.id}/publish").status_code in (302, 303)
        db.session.expire_all()
        assert db.session.get(Pledge, pledge.id).published is False     # unsigned: refused
        sign(db.session.get(Pledge, pledge.id), region.servant)
        db.session.commit()
        html = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
        assert "将在公开的承诺公示页显示" in html
        client.post(f"/pledges/{pledge.id}/publish")
        db.session.expire_all()
        assert db.session.get(Pledge, pledge.id).published
        client.post(f"/pledges/{pledge.id}/unpublish")
        db.session.expire_all()
        assert not db.session.get(Pledge, pledge.id).published

    def test_cancel_needs_a_reason(self, login_as, region, pledge):
        client = login_as(region.hr)
        client.post(f"/pledges/{pledge.id}/cancel", data={"c-reason": ""})
        db.session.expire_all()
        assert db.session.get(Pledge, pledge.id).status is PledgeStatus.ASSIGNED
        client.post(f"/pledges/{pledge.id}/cancel", data={"c-reason": "重复分配"})
        db.session.expire_all()
        assert db.session.get(Pledge, pledge.id).status is PledgeStatus.CANCELLED

    def test_viewing_a_pledge_is_audited_and_scoped(self, login_as, region, pledge):
        assert login_as(region.hr).get(f"/pledges/{pledge.id}").status_code == 200
        ev = db.session.execute(sa.select(AuditEvent).filter_by(action="pledge_view")).scalar_one()
        assert ev.person_id == region.person.id
        assert login_as(region.hr_hekou).get(f"/pledges/{pledge.id}").status_code == 404
        assert login_as(region.hr_hekou).post(f"/pledges/{pledge.id}/cancel", data={"c-reason": "x"}).status_code == 404
        assert login_as(region.sysadmin).get(f"/pledges/{pledge.id}").status_code == 403


def test_every_route_needs_a_login_except_the_public_page(app, client, region):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("pledges.", "pledges_api.")):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method)
            if rule.endpoint == "pledges.public_pledges":
                assert resp.status_code == 200
            else:
                assert resp.status_code in (302, 401), (rule.endpoint, resp.status_code)
            checked += 1
    assert checked > 20
