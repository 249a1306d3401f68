"""Small helpers shared by the pledge modules: text hashes, links, the default due days, the
lengths of a template's title and body and of a fulfilment's facts."""
from __future__ import annotations

import hashlib

from flask import current_app

DEFAULT_DUE_DAYS = 15
TITLE_MAX, BODY_MAX, FACTS_MAX = 100, 20_000, 5_000


# The pledge modules ask core.clock directly (clock.today(), clock.now(), clock.local_date()).


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
