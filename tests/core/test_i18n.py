"""The English catalog: pages switch with ?lang=en / /lang/<code>, and the catalog stays complete.

Chinese is the source language (msgids); translations/en/LC_MESSAGES/messages.po holds the English
text and messages.mo is its compiled, committed form. `make translations` regenerates both
(see translations/README.md).
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import flask_babel
import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from config import BASE_DIR

CATALOG_DIR = Path(BASE_DIR) / "translations" / "en" / "LC_MESSAGES"
PO = CATALOG_DIR / "messages.po"
MO = CATALOG_DIR / "messages.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _get(client, url):
    """GET with a fresh locale: the test's app context (conftest ``db``) outlives each request,
    and Flask-Babel caches the locale on ``g``; production requests each get a new context."""
    flask_babel.refresh()
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "page has no <h1>"
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def _catalog(path=PO):
    with open(path, "rb") as f:
        return read_po(f, locale="en")


# --- pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "english", "chinese"), [
    ("/people", "People", "人员"),
    ("/notifications/", "Notifications", "通知"),
    ("/account", "Account settings", "账户设置"),
])
def test_pages_in_english_with_lang_parameter(region, login_as, client, url, english, chinese):
    login_as(region.hr)
    sep = "&" if "?" in url else "?"
    html = _get(client, f"{url}{sep}lang=en")
    assert _h1(html).startswith(english)
    assert "Log out" in html and "退出登录" not in html          # base layout
    assert "Integrity File and Training Management System" in html
    assert chinese not in _h1(html)


@pytest.mark.parametrize(("url", "chinese"), [
    ("/people", "人员"),
    ("/notifications/", "通知"),
    ("/account", "账户设置"),
])
def test_pages_in_chinese_by_default(region, login_as, client, url, chinese):
    login_as(region.hr)
    html = _get(client, url)
    assert _h1(html).startswith(chinese)
    assert '<html lang="zh-CN">' in html
    assert "退出登录" in html and "Log out" not in html


def test_html_lang_attribute_follows_the_lang_parameter(region, login_as, client):
    login_as(region.hr)
    assert '<html lang="en">' in _get(client, "/account?lang=en")


def test_language_choice_is_kept_in_the_session_and_can_be_switched_back(region, login_as, client):
    login_as(region.hr)
    _get(client, "/lang/en")
    assert _h1(_get(client, "/people")).startswith("People")
    html = _get(client, "/account")                                         # no ?lang needed
    assert _h1(html).startswith("Account settings") and '<html lang="en">' in html
    _get(client, "/lang/zh_CN")
    assert _h1(_get(client, "/people")).startswith("人员")
    assert _h1(_get(client, "/people?lang=en")).startswith("People")


def test_enum_labels_are_translated(region, login_as, client):
    """LabelledEnum labels are lazy_gettext(zh) at run time (translations/add_enum_labels.py)."""
    login_as(region.hr)
    english = _get(client, "/account?lang=en")
    assert "HR officer" in english and "人事干部" not in english        # Role.HR
    people = _get(client, "/people")
    assert "Active" in people and "Transferred out" in people            # PersonStatus
    chinese = _get(client, "/account?lang=zh_CN")
    assert "人事干部" in chinese and "HR officer" not in chinese


# --- catalog ------------------------------------------------------------------------------------

def test_compiled_catalog_exists_and_matches_the_po():
    assert PO.is_file(), "run `make translations`"
    assert MO.is_file(), "run `pybabel compile -d translations` and commit messages.mo"
    po = _catalog()
    with open(MO, "rb") as f:
        mo = read_mo(f)
    po_strings = {m.id: m.string for m in po if m.id}
    mo_strings = {m.id: m.string for m in mo if m.id}
    assert mo_strings == po_strings, "messages.mo is stale: run `pybabel compile -d translations`"


def test_every_message_has_an_english_translation():
    po = _catalog()
    assert not po.fuzzy, "the catalog header is marked fuzzy: pybabel compile would skip it"
    assert len([m for m in po if m.id]) > 500
    untranslated, fuzzy, placeholders, chinese = [], [], [], []
    for m in po:
        if not m.id:
            continue
        assert isinstance(m.id, str), f"plural forms are not expected here: {m.id!r}"
        if not (m.string or "").strip():
            untranslated.append(m.id)
            continue
        if m.fuzzy:
            fuzzy.append(m.id)
        if sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string)):
            placeholders.append((m.id, m.string))
        if HAN.search(m.string):
            chinese.append((m.id, m.string))
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:20]}"
    assert not placeholders, f"placeholders differ: {placeholders[:10]}"
    assert not chinese, f"Chinese left in English text: {chinese[:10]}"


def _labelled_enums():
    import archive.enums  # noqa: F401
    import training.enums  # noqa: F401
    from core.enums import LabelledEnum
    seen, todo = [], list(LabelledEnum.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo += cls.__subclasses__()
    return seen


def test_every_enum_label_is_in_the_catalog(app):
    """create_app imports every blueprint, hence every model and its LabelledEnums."""
    enums = _labelled_enums()
    assert len(enums) >= 20
    ids = {m.id for m in _catalog() if m.id}
    missing = sorted({(cls.__name__, m.zh) for cls in enums for m in cls if m.zh not in ids})
    assert not missing, f"run `make translations` (translations/add_enum_labels.py): {missing}"


def test_add_enum_labels_script_finds_every_runtime_label(app):
    """The script reads the sources (ast); it must see what the running app builds."""
    spec = importlib.util.spec_from_file_location("add_enum_labels",
                                                  Path(BASE_DIR) / "translations" / "add_enum_labels.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    found = set(script.enum_labels())
    runtime = {m.zh for cls in _labelled_enums() for m in cls}
    assert runtime <= found, sorted(runtime - found)
    assert {"全部", "未达标", "已达标", "诚信档案"} <= set(script.dynamic_values())
