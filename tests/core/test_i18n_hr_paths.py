"""Issue 19.16: the workbench cards, pledge kinds, the 事项 list, import kinds and the new HR-path
texts are translatable (extracted by pybabel as `make translations` runs it), composed texts
carry their punctuation inside the msgid (so English can use its own), and the English menu
stays on one line at 1366 px (CSS; the browser check is tests/e2e/test_hr_paths_journey.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n"}


def _msgids(path: str) -> set[str]:
    method = "jinja2" if path.endswith(".html") else "python"
    found = extract_from_file(method, str(ROOT / path), keywords=KEYWORDS,
                              options=JINJA_OPTIONS if method == "jinja2" else None)
    return {m[1] if isinstance(m[1], str) else m[1][0] for m in found}


@pytest.mark.parametrize("path, wanted", [
    ("archive/file/worklists.py", {"待告知的失信记录", "逾期未处理的异议", "7日内到期的异议", "其他待处理异议",
                                   "待答复的投诉", "连续两年不称职"}),
    ("archive/coverage/hooks.py", {"%(label)s（%(department)s）", "缺少的覆盖项目"}),
    ("archive/file/records.py", {"档案造假", "违规兼职", "失信被执行人", "其他"}),
    ("archive/exchange/importers.py", {"人员名册"}),
    ("archive/exchange/appraisal_importer.py", {"年度考核结果"}),
    ("archive/exchange/award_importer.py", {"奖励"}),
    ("archive/exchange/record_importer.py", {"失信记录"}),
    ("archive/exchange/training_importers.py", {"培训结业记录"}),
    ("templates/archive/exchange/imports.html", {"必填列：%(columns)s", "识别重复：%(keys)s", "、"}),
    ("templates/_macros/charts.html", {"%(month)s：%(rate)s%%", "；"}),
    ("archive/file/entry_views.py", {"登记奖励、荣誉称号", "登记个人有关事项报告查核结果", "登记立案审查",
                                     "立案审查期间，不得晋升、奖励、交流或办理退休（公职人员政务处分法第52条）。"}),
    ("archive/file/objection_views.py", {"投诉处理情况", "对异议或信用修复的处理有意见的，可以向上级单位人事部门投诉。"}),
])
def test_texts_are_extracted(path, wanted):
    missing = wanted - _msgids(path)
    assert not missing, f"{path}: not marked for translation: {missing}"


def test_pledge_kinds_on_the_file_page_follow_the_language(region, login_as):
    from archive.pledges.services import assign
    from archive.pledges.summary import file_section
    from core.extensions import db
    from core.text import Text
    from tests.archive.coverage.coverage_helpers import pre_template
    assign(pre_template(), [region.person])
    db.session.commit()
    rows = file_section(region.person)
    assert rows and isinstance(rows[0]["kind_label"], Text) and rows[0]["kind_label"] == "任职前承诺"
    english = login_as(region.hr).get(f"/people/{region.person.id}/file?lang=en").get_data(as_text=True)
    assert "Pre-appointment pledge" in english.split('id="pledges"')[1][:3000]


def test_record_item_values_stay_chinese(region, login_as):
    html = login_as(region.hr).get(f"/people/{region.person.id}/records/new").get_data(as_text=True)
    assert '<option value="档案造假">档案造假</option>' in html


def test_menu_css_keeps_one_line():
    css = (ROOT / "static/css/app.css").read_text()
    assert re.search(r"\.app-navbar \.navbar-nav \{ flex-wrap: nowrap; \}", css)
    assert re.search(r"\.app-navbar \.nav-link \{ white-space: nowrap;", css)
    assert 'html[lang="en"] .app-navbar .nav-link' in css


def test_the_simple_entry_forms_have_english_titles(region, login_as):
    client = login_as(region.hr)
    page = client.get(f"/people/{region.person.id}/cases/new?lang=en").get_data(as_text=True)
    assert "Record case investigation" in page and "may not be promoted" in page
    assert "不得晋升" not in page
