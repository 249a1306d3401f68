"""Issue 2's browser check: HR logs in, finds a person in scope, and cannot open one outside it."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from tests import factories as f
from tests.e2e.conftest import login, shot


def test_hr_opens_person_in_scope_and_not_outside(page_for, live_app):
    city = f.department("东营市", kind="city")
    county = f.department("东营区", parent=city, kind="county")
    other = f.department("河口区", parent=city, kind="county")
    mine = f.person("王建国", department=county, entry_date=date(2012, 8, 1))
    theirs = f.person("赵丽", department=other, entry_date=date(2013, 9, 1))
    f.user("hr_e2e", roles=("hr",), department=county)
    db.session.commit()

    page = page_for("desktop")
    login(page, "hr_e2e", f.PASSWORD)
    page.goto("/people")
    assert page.get_by_role("link", name="王建国").is_visible()
    assert page.get_by_text("赵丽").count() == 0
    shot(page, "hr-people-list")

    page.get_by_role("link", name="王建国").click()
    page.wait_for_load_state("networkidle")
    assert "王建国" in page.content()
    assert mine.id_masked in page.content()

    resp = page.goto(f"/people/{theirs.id}/registry")
    assert resp.status == 404
    assert "不存在" in page.content()
    shot(page, "hr-out-of-scope-404")
