"""Flask-Babel: Simplified Chinese by default, English on request (?lang=en or the switcher)."""
from __future__ import annotations

from flask import request, session

from core.extensions import babel


def select_locale() -> str:
    from flask import current_app
    lang = request.args.get("lang") if request else None
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    from config import BASE_DIR
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(BASE_DIR / "translations"))
