"""Value checks with Chinese messages, shared by forms, the API, imports and the services."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import url_for
from flask_babel import gettext as _

from core import clock
from core.errors import ValidationFailed

MAX_HOURS = Decimal("999.9")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{1,19}$")
OPTION_KEYS = "ABCDEFGH"


def today_or(today: date | None = None) -> date:
    return today or clock.today()


def notification_link(endpoint: str, **values) -> str | None:
    """A URL for a notification (None outside a request, e.g. the demo loader)."""
    try:
        return url_for(endpoint, **values)
    except RuntimeError:
        return None


# ---- value checks (Chinese messages; shared by forms, API and imports) --------------------

def parse_hours(value, *, field: str = "hours", required: bool = True) -> Decimal | None:
    """学时: a number ≥ 0 with at most one decimal (e.g. 1.5), at most 999.9."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed({field: _("请填写学时")})
        return None
    if isinstance(value, bool):
        raise ValidationFailed({field: _("学时须为数字")})
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: _("学时须为数字，例如 2 或 1.5")}) from None
    if not hours.is_finite():
        raise ValidationFailed({field: _("学时须为数字，例如 2 或 1.5")})
    if hours < 0:
        raise ValidationFailed({field: _("学时不能为负数")})
    if hours > MAX_HOURS:
        raise ValidationFailed({field: _("学时不能超过 999.9")})
    if hours != hours.quantize(Decimal("0.1")):
        raise ValidationFailed({field: _("学时最多保留一位小数")})
    return hours.quantize(Decimal("0.1"))


def parse_score(value, *, field: str = "score") -> int | None:
    """成绩: a whole number from 0 to 100, or nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: _("成绩须为 0 到 100 的整数")}) from None
    if isinstance(value, bool) or not number.is_finite() or number != number.to_integral_value() \
            or not 0 <= number <= 100:
        raise ValidationFailed({field: _("成绩须为 0 到 100 的整数")})
    return int(number)


def parse_date(value, *, field: str, label: str = "日期") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationFailed({field: _("%(label)s格式须为 YYYY-MM-DD，例如 2026-03-01", label=label)}) from None


def check_completed_on(completed_on: date, today: date, *, field: str = "completed_on") -> None:
    if completed_on > today:
        raise ValidationFailed({field: _("完成日期不能晚于今天")})
    if completed_on.year < 1990:
        raise ValidationFailed({field: _("完成日期无效")})
