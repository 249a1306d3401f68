"""Python-side texts (form labels and validator messages, flash messages, service errors, rule
reasons with their dates) follow the user's language: English pages carry no Chinese of ours
(data from the database — names, departments, authorities — stays as entered), and the Chinese
default is unchanged."""
from __future__ import annotations

import re
from datetime import date

import flask_babel
import pytest

from archive.rules import add_months
from core import clock
from core.extensions import db as _db
from core.text import N_, Text

HAN = re.compile(r"[\u4e00-\u9fff]")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _get(client, url):
    flask_babel.refresh()         # the test's app context outlives requests; the locale is cached on g
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, url
    return _html(response)


def _post(client, url, data):
    flask_babel.refresh()
    return _html(client.post(url, data=data, follow_redirects=True))


def _labels(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<label\b[^>]*>(.*?)</label>", html, re.S)]


def _feedback(html: str) -> list[str]:
    """Field errors and flash messages."""
    found = re.findall(r'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [re.sub(r"<[^>]+>", "", t).strip() for t in found]


def _record(region, months_ago=2):
    from archive.file import services
    decided = add_months(clock.today(), -months_ago)
    rec = services.record_misconduct(region.person, by=region.hr, category="discipline_gov", sanction="demerit",
                                     severity="general", decided_on=decided, authority="东营区纪委监委",
                                     facts="违反工作纪律，造成不良影响。")
    services.notify_record(rec, region.person, by=region.hr, on=clock.today())
    _db.session.commit()
    return rec, decided


FORMS = ["/departments/new", "/people/new", "/people/{person}/appraisals/new", "/people/{person}/awards/new",
         "/training/courses/new", "/account"]


@pytest.mark.parametrize("url", FORMS)
def test_form_labels_are_english(region, login_as, client, url):
    login_as(region.hr)
    html = _get(client, url.format(person=region.person.id) + "?lang=en")
    labels = [t for t in _labels(html) if t]
    assert labels, url
    chinese = [t for t in labels if HAN.search(t)]
    assert chinese == [], f"{url}: {chinese}"


@pytest.mark.parametrize("url", FORMS)
def test_form_labels_stay_chinese_by_default(region, login_as, client, url):
    login_as(region.hr)
    html = _get(client, url.format(person=region.person.id))
    assert any(HAN.search(t) for t in _labels(html)), url


def test_validation_messages_are_english(region, login_as, client):
    login_as(region.hr)
    _get(client, "/people?lang=en")
    html = _post(client, "/people/new", {"name": "", "id_number": "", "entry_date": "2026-13-45"})
    messages = [m for m in _feedback(html) if m]
    assert "This field is required" in messages
    assert any("year-month-day" in m for m in messages)
    assert [m for m in messages if HAN.search(m)] == []


def test_validation_messages_chinese_by_default(region, login_as, client):
    login_as(region.hr)
    html = _post(client, "/people/new", {"name": "", "id_number": "", "entry_date": "2026-13-45"})
    messages = _feedback(html)
    assert "此项为必填项" in messages
    assert any("日期格式须为 年-月-日" in m for m in messages)


def test_flash_message_is_english(region, login_as, client):
    login_as(region.hr)
    _get(client, "/people?lang=en")
    html = _post(client, "/departments/new", {"name": "测试科", "kind": "agency", "parent_id": region.dongying.id})
    assert "Organisation saved." in html and "单位已保存。" not in html


def test_service_error_is_english(region, login_as, client):
    """A DomainError raised in a service reaches the page in the user's language."""
    login_as(region.hr)
    _get(client, "/people?lang=en")
    html = _post(client, f"/people/{region.person.id}/appraisals/new",
                 {"year": str(clock.today().year + 1), "grade": "competent"})
    assert "Year must be between 1950 and" in html or "Invalid year" in html
    assert "年度须在" not in html and "年度有误" not in html


def test_restriction_reasons_follow_the_language(region, login_as, client):
    rec, decided = _record(region)
    login_as(region.hr)
    zh = _get(client, f"/people/{region.person.id}/file?lang=zh")
    day_zh = f"{decided.year}年{decided.month}月{decided.day}日"
    assert f"政务处分·记过（{day_zh}决定）处于影响期内" in zh
    en = _get(client, f"/people/{region.person.id}/file?lang=en")
    assert f"(decided {decided:%B} {decided.day}, {decided.year})" in en
    assert "no promotion (Law on Government Sanctions, art. 19)" in en
    assert "处于影响期内" not in en and "决定）" not in en and decided.isoformat() not in en


def test_text_is_the_chinese_string_and_keeps_its_parts():
    text = N_("%(record)s已信用修复", record=N_("%(category)s（%(day)s决定）", category="政务处分", day=date(2026, 3, 1)))
    assert isinstance(text, str) and text == "政务处分（2026年3月1日决定）已信用修复"
    assert text.msgid == "%(record)s已信用修复" and isinstance(text.params["record"], Text)


def test_localize_renders_english(app):
    from core.i18n import localize
    text = N_("至%(day)s", day=date(2026, 3, 1))
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()
        assert localize(text) == "until March 1, 2026"
    with app.test_request_context("/?lang=zh"):
        flask_babel.refresh()
        assert localize(text) == "至2026年3月1日"
