"""Template globals and filters: role-aware navigation, badges, Chinese dates, masking."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_login import current_user
from markupsafe import Markup, escape

from core import clock
from core.i18n import localize_date

# status code -> Bootstrap colour; one table so the same status is the same colour everywhere
BADGE_COLOURS = {
    "draft": "secondary", "notified": "info", "under_objection": "warning", "effective": "danger",
    "revoked": "dark", "exempted": "light", "expired": "success", "repaired": "primary",
    "good": "success", "restricted": "warning", "serious": "danger",
    "eligible": "success", "ineligible": "danger", "attention": "warning",
    "active": "success", "transferred": "secondary", "retired": "secondary", "resigned": "secondary",
    "dismissed": "dark", "pending": "warning", "upheld": "success", "rejected": "danger",
    "approved": "success", "signed": "success", "assigned": "warning", "overdue": "danger",
    "enrolled": "info", "completed": "success", "absent": "secondary", "failed": "danger",
    "queued": "secondary", "running": "info", "done": "success",
}


def badge(value, label=None) -> Markup:
    code = getattr(value, "value", value)
    text = label if label is not None else getattr(value, "label", value)
    colour = BADGE_COLOURS.get(str(code), "secondary")
    text_cls = " text-dark" if colour in ("light", "warning", "info") else ""
    return Markup(  # noqa: S704 - every interpolated value is escaped
        f'<span class="badge text-bg-{colour}{text_cls} status-badge" data-status="{escape(code)}">'
                  f'{escape(str(text))}</span>')


def zh_date(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        local = value.astimezone(clock.zone()) if value.tzinfo else value
        return localize_date(local)
    if isinstance(value, date):
        return localize_date(value)
    if isinstance(value, str):      # ISO text from JSON-shaped data (file sections)
        try:
            parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
        return zh_date(parsed)
    return str(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return "—"
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"


def nav_items() -> list[tuple[str, str, str, str]]:
    """(label, url, icon, endpoint) for the current user's roles; endpoints that do not exist are skipped."""
    from core.navigation import NAV
    items: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    if not current_user.is_authenticated:
        return items
    for roles, label, endpoint, icon in NAV:
        if endpoint in seen or not current_user.has_any_role(*roles):
            continue
        if has_endpoint(endpoint):
            items.append((str(label), url_for(endpoint), icon, endpoint))
            seen.add(endpoint)
    return items


def nav_menu() -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """(main entries, entries of the 更多 menu): the occasional entries move to 更多 only when the
    user has more than MAIN_MAX of them (core.navigation)."""
    from core.navigation import MAIN_MAX, MORE
    items = nav_items()
    if len(items) <= MAIN_MAX:
        return items, []
    return [i for i in items if i[3] not in MORE], [i for i in items if i[3] in MORE]


def page_url(page: int) -> str:
    """The current page's URL with ``page`` changed (every other filter and sort kept)."""
    from flask import request
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    assert request.endpoint is not None   # a paged list is a routed request
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def has_endpoint(name: str) -> bool:
    from flask import current_app
    return name in current_app.view_functions


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    from core.notify.services import unread_count as count
    return count(current_user)


def init_app(app) -> None:
    from flask_babel import get_locale
    app.jinja_env.globals.update(get_locale=get_locale)
    app.jinja_env.globals.update(badge=badge, nav_items=nav_items, nav_menu=nav_menu, unread_count=unread_count,
                                 has_endpoint=has_endpoint, page_url=page_url)
    app.jinja_env.filters.update(zh_date=zh_date, mask_phone=mask_phone)
    from core.audit.labels import action_label, target_label
    app.jinja_env.globals.update(action_label=action_label, target_label=target_label)
    from core.accounts.permissions import template_predicates
    app.jinja_env.globals.update(template_predicates())
