"""Coverage through the client: the "Done when" journey, API shape, scope, bad input,
worklist bulk actions, export, snapshots and trend, CLI, the HR home card."""
from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from archive.coverage import services
from archive.coverage.models import CoverageSnapshot
from core import clock
from core.extensions import db
from core.notify.models import Notification
from tests import factories as f
from tests.archive.coverage.coverage_helpers import full, give, pre_template

METRICS = ("archive", "pledge", "appraisal", "training", "overall")


def _body(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture
def county(region, course):
    """东营区: 文汇街道 (张伟 + 3, all missing the pledge: the worst town) and 史口镇 (2, complete
    but one without training). Everything else is complete. No pledge template yet, so no
    pledge was assigned automatically at registration."""
    wenhui = [region.person] + [f.person(f"文汇{i}", department=region.wenhui) for i in range(3)]
    shikou = [f.person(f"史口{i}", department=region.shikou) for i in range(2)]
    db.session.commit()
    for p in wenhui:
        give(p, "appraisal", "archive", "training")
    full(shikou[0])
    give(shikou[1], "appraisal", "archive", "pledge")
    db.session.commit()
    return {"wenhui": wenhui, "shikou": shikou}


def test_done_when_journey(county, region, login_as, api, app):
    hr = login_as(region.hr)
    # 1. the dashboard: overall below 100%, the missing counts per town
    page = _body(hr.get("/coverage"))
    assert "综合覆盖率" in page and "东营区" in page
    assert re.search(r'data-metric="overall".*?stat-value[^>]*>\s*16\.7%', page, re.S)   # 1 of 6
    row = page.split(f'data-department="{region.wenhui.id}"')[1].split("</tr>")[0]
    assert 'data-missing="pledge"' in row and "缺 4 人" in row
    row = page.split(f'data-department="{region.shikou.id}"')[1].split("</tr>")[0]
    assert "缺 1 人" in row
    assert f'href="/coverage?department_id={region.wenhui.id}"' in page        # drill-down link
    assert "覆盖最低" in page and "文汇街道" in page.split("覆盖最低")[1][:300]

    # 2. click into the worst town, then its pledge worklist
    town = _body(hr.get(f"/coverage?department_id={region.wenhui.id}"))
    assert "文汇街道" in town and "东营区" in town                               # breadcrumb up the tree
    gaps = _body(hr.get(f"/coverage/gaps/pledge?department_id={region.wenhui.id}"))
    assert gaps.count('name="person_ids"') == 4 and 'data-select-all="person_ids"' in gaps

    # 3. everyone missing a pledge here, one action
    template = pre_template()
    db.session.commit()
    form = {"department_id": region.wenhui.id, "scope": "all", "action": "pledge", "template_id": template.id}
    preview = hr.post("/coverage/gaps/pledge/act", data=form)        # first a preview, nothing written
    assert preview.status_code == 200 and "将布置 4 人，跳过 0 人（已有待签承诺）" in _body(preview)
    resp = hr.post("/coverage/gaps/pledge/act", data={**form, "confirm": "1"})
    assert resp.status_code == 302
    flashed = _body(hr.get(resp.headers["Location"]))
    assert "已布置《任职前信用承诺书》4 人" in flashed

    # 4. each of them signs (through the API, as themselves): the rate reaches 100%
    from archive.pledges.models import Pledge
    for person in county["wenhui"]:
        pledge = db.session.execute(sa.select(Pledge).filter_by(person_id=person.id)).scalar_one()
        user = f.user(roles=("servant",), person=person)
        db.session.commit()
        r = api(user).post(f"/api/v1/pledges/{pledge.id}/sign",
                           json={"password": f.PASSWORD, "typed_name": person.name, "agree": True})
        assert r.status_code == 200, r.json
    body = api(region.hr).get(f"/api/v1/coverage?department_id={region.wenhui.id}").json
    assert body["pledge"] == {"count": 4, "rate": 1.0}
    assert body["overall"] == {"count": 4, "rate": 1.0}
    town = _body(hr.get(f"/coverage?department_id={region.wenhui.id}"))
    assert re.search(r'data-metric="pledge".*?stat-value[^>]*>\s*100\.0%', town, re.S)
    assert "没有缺少此项的人员" in _body(hr.get(f"/coverage/gaps/pledge?department_id={region.wenhui.id}"))


def test_api_shape_is_exactly_api_md(county, region, api):
    body = api(region.hr).get("/api/v1/coverage").json
    required = {"department_id", "as_of", "active", "archive", "pledge", "appraisal", "training", "overall",
                "children"}
    assert required <= set(body) and set(body) - required <= {"direct", "source", "snapshot_month"}
    assert body["department_id"] == region.dongying.id and body["as_of"] == clock.today().isoformat()
    assert body["active"] == 6
    for m in METRICS:
        assert set(body[m]) == {"count", "rate"}
        assert isinstance(body[m]["count"], int) and isinstance(body[m]["rate"], float)
        assert 0.0 <= body[m]["rate"] <= 1.0
        assert body[m]["rate"] == round(body[m]["count"] / body["active"], 4)
    assert [c["name"] for c in body["children"]] == ["文汇街道", "史口镇"]
    for child in body["children"]:
        assert set(child) == {"department_id", "name", "active", *METRICS}
    assert body["archive"]["count"] == 6 and body["pledge"]["count"] == 2 and body["training"]["count"] == 5
    # gaps: paginated as API.md "Lists"
    gaps = api(region.hr).get("/api/v1/coverage/gaps?metric=training&per_page=1&page=1").json
    assert {"items", "page", "per_page", "total"} <= set(gaps) and gaps["total"] == 1
    item = gaps["items"][0]
    assert item["person_id"] == county["shikou"][1].id and item["missing"] == ["training"]
    assert {"person_id", "name", "id_number", "department_id", "department", "missing"} <= set(item)


def test_scope_other_county_is_404(county, region, login_as, api):
    hr = login_as(region.hr)
    for url in (f"/coverage?department_id={region.hekou.id}", f"/coverage?department_id={region.liuhe.id}",
                f"/coverage/gaps/pledge?department_id={region.liuhe.id}",
                f"/coverage/gaps/pledge/export?department_id={region.hekou.id}",
                f"/coverage?department_id={region.city.id}"):
        assert hr.get(url).status_code == 404, url
    assert hr.post("/coverage/gaps/pledge/act", data={"department_id": region.hekou.id, "scope": "all",
                                                      "action": "remind"}).status_code == 404
    client = api(region.hr)
    for url in (f"/api/v1/coverage?department_id={region.hekou.id}",
                f"/api/v1/coverage/gaps?metric=pledge&department_id={region.liuhe.id}",
                "/api/v1/coverage?department_id=999999"):
        r = client.get(url)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found", url
    # the county HR of 河口区 sees their county only; the city HR sees both
    assert api(region.hr_hekou).get(f"/api/v1/coverage?department_id={region.wenhui.id}").status_code == 404
    city = api(region.hr_city).get("/api/v1/coverage").json
    assert [c["name"] for c in city["children"]] == ["东营区", "河口区"]
    # other roles: 403
    assert api(region.servant).get("/api/v1/coverage").status_code == 403
    assert login_as(region.servant).get("/coverage").status_code == 403


@pytest.mark.parametrize("query, field, message", [
    ("/api/v1/coverage/gaps?metric=foo", "metric", "取值无效"),
    ("/api/v1/coverage/gaps", "metric", "必填"),
    ("/api/v1/coverage?department_id=abc", "department_id", "须为整数"),
    ("/api/v1/coverage/gaps?metric=pledge&department_id=abc", "department_id", "须为整数"),
    ("/api/v1/coverage?as_of=2026-13-01", "as_of", "日期格式须为 YYYY-MM-DD"),
    ("/api/v1/coverage?as_of=2999-01-01", "as_of", "统计日期不能晚于今天"),
    ("/api/v1/coverage/gaps?metric=pledge&per_page=501", "per_page", "数值过大"),
])
def test_bad_input_is_422_in_chinese(region, api, query, field, message):
    r = api(region.hr).get(query)
    assert r.status_code == 422, r.json
    assert r.json["error"]["fields"][field] == message
    assert r.json["error"]["message"] == "查询参数有误"


def test_bad_input_on_pages(region, login_as):
    hr = login_as(region.hr)
    r = hr.get("/coverage?department_id=abc")
    assert r.status_code == 422 and "输入有误" in _body(r)
    assert hr.get("/coverage/gaps/foo").status_code == 404
    assert hr.get("/coverage/gaps?metric=foo").status_code == 422
    assert "未签任职前承诺" in _body(hr.get("/coverage/gaps?metric=pledge"))
    r = hr.get("/coverage?as_of=2026-13-01", follow_redirects=True)
    assert r.status_code == 200 and "统计日期格式须为 YYYY-MM-DD" in _body(r)
    r = hr.post("/coverage/gaps/pledge/act", data={"scope": "selected", "action": "remind"}, follow_redirects=True)
    assert "请先勾选人员" in _body(r)
    r = hr.post("/coverage/gaps/pledge/act", data={"scope": "all", "action": "explode"}, follow_redirects=True)
    assert "请选择有效的批量操作" in _body(r)
    r = hr.post("/coverage/gaps/pledge/act", data={"scope": "all", "action": "pledge", "template_id": "x"},
                follow_redirects=True)
    assert "请选择已发布的任职前承诺模板" in _body(r)


def test_bulk_enrol_remind_establish_and_export(region, login_as, course):
    people = [region.person] + [f.person(f"文汇{i}", department=region.wenhui) for i in range(3)]
    db.session.commit()
    give(people[0], "appraisal")                  # items complete: can be established
    db.session.commit()
    hr = login_as(region.hr)
    url = "/coverage/gaps/{}/act"
    # establish: only files whose registration items are complete
    r = hr.post(url.format("archive"), data={"scope": "all", "action": "establish", "confirm": "1"},
                follow_redirects=True)
    assert "已确认建档 1 人；3 人登记项目不完整未建档（缺上一年度考核结果 3 人）" in _body(r)
    assert services.coverage(region.dongying).totals.archive == 1
    # enrol the ticked people in a course (training's enrol service)
    r = hr.post(url.format("training"), data={"scope": "selected", "action": "enrol", "course_id": course.id,
                                              "person_ids": [people[1].id, people[2].id, region.other.id],
                                              "confirm": "1"},
                follow_redirects=True)
    assert "已报名《诚信专题：政务诚信与公务员守信践诺》2 人" in _body(r)     # 李娜 is out of scope: ignored
    from training.models import Enrolment
    assert set(db.session.execute(sa.select(Enrolment.person_id)).scalars()) == {people[1].id, people[2].id}
    # remind everyone missing training: one notification each
    r = hr.post(url.format("training"), data={"scope": "all", "action": "remind", "confirm": "1"},
                follow_redirects=True)
    assert "已向 4 人发送提醒" in _body(r)
    notes = db.session.execute(sa.select(Notification).where(Notification.kind == "coverage_reminder")).scalars().all()
    assert {n.person_id for n in notes} == {p.id for p in people} and notes[0].title == "请完成诚信教育培训"
    # Excel export of a worklist
    r = hr.get("/coverage/gaps/pledge/export")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "公民身份号码", "单位", "职务", "缺少的项目")
    assert len(rows) == 5 and all("*" in row[1] for row in rows[1:])


def test_gap_worklist_filters_and_pages(region, login_as):
    for i in range(12):
        f.person(f"史口{i:02d}", department=region.shikou)
    db.session.commit()
    hr = login_as(region.hr)
    page = _body(hr.get(f"/coverage/gaps/pledge?department_id={region.shikou.id}&per_page=10"))
    assert page.count('name="person_ids"') == 10 and "共 12 条" in page
    page = _body(hr.get("/coverage/gaps/pledge?q=史口03"))
    assert page.count('name="person_ids"') == 1
    page = _body(hr.get(f"/coverage/gaps/pledge?department_id={region.wenhui.id}"))
    assert page.count('name="person_ids"') == 1 and "张伟" in page


def test_snapshots_trend_and_past_dates(county, region, login_as, api):
    from archive.coverage.demo import write_history
    today = clock.today()
    assert services.take_snapshot() == 6                 # every department, one statement
    assert services.take_snapshot() == 6                 # idempotent within the month
    snap = db.session.execute(sa.select(CoverageSnapshot).filter_by(department_id=region.dongying.id)).scalar_one()
    assert (snap.active, snap.archive, snap.pledge, snap.overall) == (6, 6, 2, 1)
    city = db.session.execute(sa.select(CoverageSnapshot).filter_by(department_id=region.city.id)).scalar_one()
    assert city.active == 7                             # + 李娜 of 河口区
    write_history(today, months=6)
    db.session.commit()
    points = services.trend(region.dongying)
    assert len(points) == 7 and points[-1][0] == today.strftime("%Y-%m")
    for m in ("archive", "pledge", "appraisal", "training", "overall"):
        series = [c.count(m) for _, c in points]
        assert series == sorted(series), m               # trending up toward today
    for label, c in points:                              # every month: parent = sum of children
        kids = db.session.execute(sa.select(CoverageSnapshot).where(
            CoverageSnapshot.department_id.in_([region.wenhui.id, region.shikou.id]),
            CoverageSnapshot.month == date.fromisoformat(label + "-01"))).scalars().all()
        assert sum(k.overall for k in kids) == c.overall and sum(k.active for k in kids) == c.active
    page = _body(login_as(region.hr).get("/coverage"))
    assert '<svg class="trend-chart"' in page and points[0][0] in page
    # a past date: the snapshot of its month; a month without one: current facts, said so
    past = points[1][0] + "-15"
    body = api(region.hr).get(f"/api/v1/coverage?as_of={past}").json
    assert body["source"] == "snapshot" and body["snapshot_month"] == points[1][0]
    assert body["overall"]["count"] == points[1][1].overall
    assert sum(c["active"] for c in body["children"]) == body["active"]
    body = api(region.hr).get(f"/api/v1/coverage?as_of={today.year - 3}-01-01").json
    assert body["source"] == "current_facts" and body["active"] == 6


def test_cli_show_and_snapshot(county, region, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["coverage", "show", "--department", str(region.dongying.id)])
    assert result.exit_code == 0, result.output
    assert "档案建立率" in result.output and "综合覆盖率" in result.output and "文汇街道" in result.output
    result = runner.invoke(args=["coverage", "show", "--department", str(region.dongying.id), "--json"])
    data = json.loads(result.output)
    assert data["active"] == 6 and data["overall"]["count"] == 1
    result = runner.invoke(args=["coverage", "snapshot"])
    assert result.exit_code == 0 and "6 departments" in result.output
    result = runner.invoke(args=["coverage", "refresh"])
    assert result.exit_code == 0 and "7 people" in result.output
    result = runner.invoke(args=["coverage", "show"])
    assert result.exit_code == 0 and "东营市" in result.output
    assert runner.invoke(args=["coverage", "show", "--department", "99999"]).exit_code != 0


def test_hr_home_card(county, region, login_as):
    page = _body(login_as(region.hr).get("/"))
    assert "综合覆盖率（东营区）" in page and "16.7%" in page
    assert "未签任职前承诺" in page and "/coverage/gaps/pledge" in page
