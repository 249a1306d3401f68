"""coverage_cube (issue 11) equals coverage_facts counted by group after real app operations,
and the dashboard read from it gives the person-by-person reference's numbers."""
from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from archive.coverage import cube, facts, services
from archive.coverage.models import CoverageFacts
from core import clock
from core.enums import PersonStatus
from core.extensions import db
from core.registry import services as registry
from tests import factories as f
from tests.archive.coverage.coverage_helpers import give, last_year
from tests.archive.coverage.test_coverage_metrics import _as_counts, _zero, reference_counts


def assert_cube_exact():
    expected = cube.facts_group_counts()
    assert expected, "no facts at all: the check would prove nothing"
    assert cube.group_counts() == expected


def _import_appraisals(user, people) -> None:
    """HR fills the appraisal template and imports it (the exchange importer, Core bulk writes)."""
    from archive.exchange import services as exchange
    _, template = exchange.template_bytes("appraisals")
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    for r, p in enumerate(people, start=2):
        for c, value in enumerate([registry.reveal_id_number(p), p.name, last_year(), "称职"], start=1):
            ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    batch = exchange.import_file("appraisals", buf.getvalue(), "考核结果.xlsx", user=user)
    assert batch.state == "imported" and batch.imported + batch.unchanged == len(people), batch.result_json()


def test_cube_equals_the_facts_grouped_after_real_operations(region, template, course, api):
    places = [region.wenhui, region.shikou, region.dongying, region.liuhe]
    people = [f.person(f"立方{i:02d}", department=places[i % 4]) for i in range(12)]
    db.session.commit()
    assert_cube_exact()

    give(people[0], "pledge")
    give(people[1], "pledge", "training")
    give(people[2], "archive")
    db.session.commit()
    assert_cube_exact()

    registry.transfer_person(people[0], region.shikou, on=clock.today())
    registry.transfer_person(people[3], region.wenhui, on=clock.today())
    db.session.commit()
    assert_cube_exact()

    _import_appraisals(region.hr, [p for p in people if p.department_path.startswith(region.dongying.path)])
    db.session.commit()
    assert_cube_exact()

    registry.change_status(people[1], PersonStatus.RETIRED)
    registry.change_status(people[5], PersonStatus.RESIGNED)
    db.session.commit()
    assert_cube_exact()

    # a rollback takes the cube's changes with it
    give(people[6], "pledge")
    facts.apply_pending()
    db.session.rollback()
    assert_cube_exact()

    # a full rebuild for last year, then for today (rows moving between groups in bulk)
    facts.refresh_all_facts(date(clock.today().year - 1, 12, 31))
    db.session.commit()
    assert_cube_exact()
    facts.refresh_all_facts()
    db.session.commit()
    assert_cube_exact()

    # behind the session's back, a DELETE of every fact, then the rebuild into an empty table
    with db.engine.begin() as conn:
        conn.execute(sa.delete(CoverageFacts))
    assert cube.group_counts() == {}
    facts.refresh_all_facts()
    db.session.commit()
    assert_cube_exact()

    # the dashboard (read from the cube) = the person-by-person reference
    today = clock.today()
    for user, dept in ((region.hr, region.dongying), (region.hr_city, region.city)):
        body = api(user).get(f"/api/v1/coverage?department_id={dept.id}").json
        ref = reference_counts(dept, today)
        assert _as_counts(body) == ref.get("total", _zero()), dept.name
        for child in body["children"]:
            assert _as_counts(child) == ref.get(child["department_id"], _zero()), child["name"]
        assert _as_counts(body["direct"]) == ref.get("direct", _zero())
        for m in ("pledge", "archive", "appraisal", "training", "overall"):   # the worklist total too
            assert services.gap_count(dept, m) == ref["total"]["active"] - ref["total"][m], m


def test_the_triggers_exist(db):
    names = set(cube.group_counts())   # the table exists
    assert names == set()
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'coverage_facts'::regclass"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'coverage_facts'"
    with db.engine.connect() as conn:
        triggers = set(conn.execute(sa.text(sql)).scalars())
    assert {"coverage_cube_insert", "coverage_cube_update", "coverage_cube_delete"} <= triggers


def test_coverage_refresh_recounts_a_cube_a_truncate_left_wrong(app, region):
    """TRUNCATE fires no trigger: `flask coverage refresh` puts facts and cube right again."""
    for i in range(3):
        f.person(f"截断{i}", department=region.wenhui)
    db.session.commit()
    assert_cube_exact()
    db.session.execute(sa.delete(cube.CoverageCube))          # the cube loses every row behind the app
    db.session.commit()
    assert cube.group_counts() == {}
    result = app.test_cli_runner().invoke(args=["coverage", "refresh"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert_cube_exact()
