"""Issue 19.6: the trend chart has a 100% target line, fills its card and has a text
alternative; the coverage table exports to Excel (audited); the HR workbench shows the trend."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from archive.coverage import services
from core import clock
from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f
from tests.archive.coverage.coverage_helpers import full, give


def _body(resp) -> str:
    return resp.get_data(as_text=True)


def _world(region):
    people = [region.person, f.person("文汇1", department=region.wenhui), f.person("史口1", department=region.shikou)]
    db.session.commit()
    full(people[0])
    give(people[1], "archive")
    db.session.commit()
    from archive.coverage.demo import write_history
    services.take_snapshot()
    write_history(clock.today(), months=3)
    db.session.commit()
    return people


class TestTrendChart:
    def test_target_line_text_alternative_and_full_width(self, region, login_as):
        _world(region)
        page = _body(login_as(region.hr).get("/coverage"))
        svg = page.split('<svg class="trend-chart"')[1].split("</svg>")[0]
        assert 'class="target"' in svg and 'data-target="1.0"' in svg and "目标 100%" in svg
        assert 'role="img"' in svg and 'aria-labelledby="trend-t trend-d"' in svg
        desc = re.search(r'<desc id="trend-d">(.*?)</desc>', svg, re.S).group(1)
        assert desc.count("%") >= 4 and clock.today().strftime("%Y-%m") in desc
        assert 'preserveAspectRatio="xMidYMid meet"' in svg
        css = login_as(region.hr).get("/static/css/app.css").get_data(as_text=True)
        rule = re.search(r"\.trend-chart \{([^}]*)\}", css).group(1)
        assert "width: 100%" in rule and "max-width" not in rule

    def test_the_workbench_shows_the_trend(self, region, login_as):
        _world(region)
        page = _body(login_as(region.hr).get("/"))
        assert 'id="workbench-trend"' in page and '<svg class="trend-chart"' in page
        assert 'aria-labelledby="workbench-trend-chart-t workbench-trend-chart-d"' in page


class TestCoverageExport:
    def test_the_table_exports_to_excel_and_is_audited(self, region, login_as):
        _world(region)
        hr = login_as(region.hr)
        assert 'id="coverage-export"' in _body(hr.get("/coverage"))
        r = hr.get("/coverage/export")
        assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
        rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
        assert rows[0][:4] == ("单位", "在职人数", "档案建立人数", "档案建立率（%）")
        names = [row[0] for row in rows[1:]]
        assert names[:2] == ["文汇街道", "史口镇"] and names[-1] == "合计"
        total = rows[-1]
        assert total[1] == 3 and total[2] == 2 and total[3] == round(2 / 3 * 100, 1)
        event = db.session.execute(sa.select(AuditEvent).filter_by(action="export")
                                   .order_by(AuditEvent.id.desc())).scalars().first()
        assert event is not None and "覆盖率表" in event.summary and event.actor_name == "hr"

    def test_export_scope_and_bad_input(self, region, login_as):
        hr = login_as(region.hr)
        assert hr.get(f"/coverage/export?department_id={region.hekou.id}").status_code == 404
        assert hr.get("/coverage/export?department_id=abc").status_code == 422
        r = hr.get("/coverage/export?as_of=2026-13-45")
        assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
        assert login_as(region.servant).get("/coverage/export").status_code == 403
