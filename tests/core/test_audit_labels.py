"""The auditor's page speaks Chinese: every audit action code and target table has a label."""
from __future__ import annotations

import re
from pathlib import Path

import flask_babel

from config import BASE_DIR
from core.audit.labels import ACTION_LABELS, TARGET_LABELS, action_label, target_label

ROOT = Path(BASE_DIR)
PACKAGES = ("core", "archive", "training")
ACTION_CALL = re.compile(r'record_event\(\s*"([a-z_]+)"')
TABLENAME = re.compile(r'__tablename__ = "([a-z_]+)"')
# codes built at run time (archive/file/entries.py, archive/repair/services.py)
DYNAMIC_ACTIONS = {"appraisal_create", "appraisal_correct", "repair_approved", "repair_rejected"}


def _scan(pattern: re.Pattern) -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_recorded_action_has_a_label():
    codes = _scan(ACTION_CALL)
    assert len(codes) > 50
    missing = sorted((codes | DYNAMIC_ACTIONS) - set(ACTION_LABELS))
    assert not missing, f"add these to core/audit/labels.py ACTION_LABELS: {missing}"


def test_dynamic_repair_actions_follow_the_decision_values():
    from archive.repair.models import RepairStatus
    for status in (RepairStatus.APPROVED, RepairStatus.REJECTED):
        assert f"repair_{status.value}" in ACTION_LABELS


def test_every_table_has_a_target_label():
    tables = _scan(TABLENAME)
    assert {"people", "users", "records", "departments", "pledges"} <= tables
    missing = sorted(tables - set(TARGET_LABELS))
    assert not missing, f"add these to core/audit/labels.py TARGET_LABELS: {missing}"


def test_label_functions_fall_back_to_the_code(app):
    with app.test_request_context():
        assert action_label("person_view") == "查看人员信息"
        assert action_label("no_such_code") == "no_such_code"
        assert target_label("people") == "人员"
        assert target_label("no_such_table") == "no_such_table"
        assert action_label(None) == target_label(None) == ""


def test_auditor_page_shows_chinese_labels(app, region, login_as, client):
    assert login_as(region.hr).get(f"/people/{region.person.id}/registry").status_code == 200
    auditor = login_as(region.auditor, app.test_client())
    flask_babel.refresh()
    html = auditor.get("/audit/?action=person_view").get_data(as_text=True)
    assert "查看人员信息" in html
    assert f"人员 #{region.person.id}" in html
    without_code = re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.S)
    visible = re.sub(r'(value|data-action)="[a-z_]+"|href="[^"]*"', "", without_code)
    assert "person_view" not in visible
    assert '<option value="person_view" selected>查看人员信息</option>' in html


def test_auditor_page_in_english(app, region, login_as, client):
    login_as(region.hr).get(f"/people/{region.person.id}/registry")
    auditor = login_as(region.auditor, app.test_client())
    flask_babel.refresh()
    html = auditor.get("/audit/?lang=en").get_data(as_text=True)
    assert "<td>View person details</td>" in html and "<code" not in html.split("<tbody>")[1]   # one language (issue 19.7)
    assert f"People #{region.person.id}" in html
    assert "查看人员信息 <code" not in html
