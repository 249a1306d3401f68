"""Translatable text built by pure code (archive/rules/, training/rules.py): no Flask here.

A :class:`Text` IS the Chinese text (a ``str``: comparisons, JSON, Excel, the database and
the rule tests see the Chinese sentence, dates written 2026年3月1日) and also carries its
``msgid`` (a Chinese template with ``%(name)s`` placeholders) and ``params`` (dates, enum
members, numbers, nested Text), so the presentation layer can render it in the user's
language: :func:`core.i18n.localize` in Python, and automatically in Jinja templates
(``__html__`` calls the renderer that core.i18n installs).

Write ``N_("…%(day)s…", day=d)``: pybabel extracts ``N_`` by default, so the msgid reaches
messages.pot without any extra keyword.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime


def zh_day(day: date) -> str:
    """2026-03-01 → 2026年3月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def zh_param(value: object) -> str:
    """A parameter as written in the Chinese text: dates 2026年3月1日, enum members their
    Chinese name, everything else ``str()``."""
    if isinstance(value, datetime):
        return f"{zh_day(value)} {value:%H:%M}"
    if isinstance(value, date):
        return zh_day(value)
    zh = getattr(value, "zh", None)          # LabelledEnum member
    if isinstance(zh, str):
        return zh
    return str(value)


class Text(str):
    """The Chinese text of ``msgid % params`` that remembers ``msgid`` and ``params``."""

    msgid: str
    params: dict
    #: Installed by core.i18n: Text -> the text in the current locale (None: Chinese).
    renderer: Callable[[Text], str] | None = None

    def __new__(cls, msgid: str, **params: object) -> Text:
        value = msgid % {k: zh_param(v) for k, v in params.items()} if params else msgid
        obj = super().__new__(cls, value)
        obj.msgid = msgid
        obj.params = params
        return obj

    def __reduce__(self):
        return (_rebuild, (self.msgid, self.params))

    def __html__(self) -> str:
        """Jinja's autoescape: the text in the user's language, escaped."""
        render = Text.renderer
        return html.escape(render(self) if render is not None else str(self), quote=True)


def _rebuild(msgid: str, params: dict) -> Text:
    return Text(msgid, **params)


#: The marker pybabel extracts by default (gettext_noop): translated later, at render time.
N_ = Text
