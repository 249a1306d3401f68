"""Small helpers shared by the pledge modules: local (Asia/Shanghai) dates, text hashes, links."""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask import current_app

from core.db import utcnow  # noqa: F401 - re-exported for the pledge modules
from core.templating import SHANGHAI

DEFAULT_DUE_DAYS = 15


def local_now() -> datetime:
    return datetime.now(SHANGHAI)


def local_today() -> date:
    """Today in China: the date pledges are assigned, signed and reminded on."""
    return local_now().date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def due_days() -> int:
    """Days to sign when no due date is given (config PLEDGE_DUE_DAYS, default 15)."""
    try:
        return int(current_app.config.get("PLEDGE_DUE_DAYS", DEFAULT_DUE_DAYS))
    except RuntimeError:
        return DEFAULT_DUE_DAYS


def text_sha256(text: str) -> str:
    """SHA-256 (hex) of a pledge text as UTF-8: what the evidence stores and prints."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign_link_parts() -> tuple[str, str]:
    """The sign page's URL around the pledge id, ``(prefix, suffix)``: the set-based notices of an
    assignment or a reminder link each to their own pledge (prefix || id || suffix in SQL)."""
    marker = 987654321
    try:
        from flask import url_for
        url = url_for("pledges.sign", pledge_id=marker)
    except RuntimeError:
        url = f"/my/pledges/{marker}/sign"
    prefix, _, suffix = url.partition(str(marker))
    return prefix, suffix


def my_pledges_link() -> str:
    try:
        from flask import url_for
        return url_for("pledges.my_pledges")
    except RuntimeError:
        return "/my/pledges"
