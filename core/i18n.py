"""Flask-Babel: Simplified Chinese by default, English on request (?lang=en or the switcher).

Also the presentation side of :class:`core.text.Text` (texts built by the pure rules):
:func:`localize` renders one in the current locale, dates included (2026年3月1日 /
March 1, 2026); templates get it automatically (``Text.__html__``) or through ``|tr``.
"""
from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from flask import has_request_context, request, session
from flask_babel import get_locale, gettext

from core.extensions import babel
from core.text import Text, zh_param


def select_locale() -> str:
    from flask import current_app
    if not has_request_context():          # CLI, background jobs: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]


def is_chinese() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def localize_date(value: date | datetime) -> str:
    """A date (or a local date and time) in the current locale: 2026年3月1日 or March 1, 2026."""
    if is_chinese():
        return zh_param(value)
    text = format_date(value, "long", locale=get_locale())
    return f"{text} {value:%H:%M}" if isinstance(value, datetime) else text


def _param(value: object) -> object:
    if isinstance(value, Text):
        return localize(value)
    if isinstance(value, datetime | date):
        return localize_date(value)
    label = getattr(value, "label", None)      # LabelledEnum member: its translated name
    if label is not None and getattr(value, "zh", None) is not None:
        return str(label)
    return value


def localize(value):
    """A :class:`Text` in the current locale; anything else unchanged (lists element-wise)."""
    if isinstance(value, Text):
        if is_chinese():
            return str(value)
        if not value.params:
            return gettext(value.msgid)
        return gettext(value.msgid, **{k: _param(v) for k, v in value.params.items()})
    if isinstance(value, list | tuple):
        return type(value)(localize(v) for v in value)
    return value


def init_app(app) -> None:
    from config import BASE_DIR
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(BASE_DIR / "translations"))
    Text.renderer = localize
    app.jinja_env.filters["tr"] = localize
