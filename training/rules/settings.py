"""The settings of the training rules (docs/rules.md §6), read from the configuration, and the
value helpers they and the rules use: 学时 as exact decimals, calendar months.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

_ZERO = Decimal(0)


# --------------------------------------------------------------------------- helpers


def to_hours(value: Decimal | float | str) -> Decimal:
    """``value`` as a non-negative :class:`~decimal.Decimal` number of 学时.

    Floats go through ``str`` so that ``1.5`` becomes ``Decimal("1.5")`` and not its
    binary expansion. Raises :class:`ValueError` for negative or non-numeric values.
    """
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"invalid hours: {value!r}") from exc
    if not hours.is_finite() or hours < 0:
        raise ValueError(f"invalid hours: {value!r}")
    return hours


def format_hours(hours: Decimal) -> str:
    """Hours for a message: ``Decimal("4.00")`` → ``"4"``, ``Decimal("1.50")`` → ``"1.5"``."""
    return format(hours.normalize(), "f")


def add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` calendar months (``n`` may be negative).

    The day is clamped to the end of the target month:
    ``add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)``.
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class TrainingSettings:
    """Configurable thresholds of the training requirements (docs/rules.md §6).

    Build it from the Flask config (or any mapping) with :meth:`from_mapping`; the
    mapping keys are the upper-case names documented on each field.
    """

    integrity_hours_per_year: Decimal = Decimal(6)
    """``INTEGRITY_HOURS_PER_YEAR`` (default 6): 学时 of courses with integrity content
    everyone must complete in each calendar year (requirement ``integrity_hours``)."""

    annual_training_hours: Decimal = _ZERO
    """``ANNUAL_TRAINING_HOURS`` (default 0 = off): total 学时 of all courses required per
    calendar year (requirement ``annual_hours``). 90 enforces the "12 days or 90 学时 a
    year" rule of the civil-service training outline (LAW-NOTES §7.4)."""

    initial_training_months: int = 12
    """``INITIAL_TRAINING_MONTHS`` (default 12): months after the entry date within which
    a new recruit must complete an initial-training course with integrity content
    (公务员法 art. 67: 初任培训 during probation; requirement ``initial``)."""

    appointment_training_months: int = 12
    """``APPOINTMENT_TRAINING_MONTHS`` (default 12): months around the appointment date
    within which a person appointed to a leading post must complete an
    appointment-training course (公务员法 art. 67: before taking up the post or within
    1 year after). The same number of months is accepted before the appointment
    (requirement ``appointment``)."""

    leader_five_year_hours: Decimal = _ZERO
    """``LEADER_FIVE_YEAR_HOURS`` (default 0 = off): total 学时 a person in a leading post
    must complete in the 5 calendar years ending with the evaluated year (requirement
    ``leader_five_year``). 550 enforces the "3 months or 550 学时 every 5 years" rule for
    县处级 leaders (LAW-NOTES §7.4)."""

    def __post_init__(self) -> None:
        """Normalise hours to Decimal and reject negative or zero-month windows."""
        for name in (
            "integrity_hours_per_year",
            "annual_training_hours",
            "leader_five_year_hours",
        ):
            object.__setattr__(self, name, to_hours(getattr(self, name)))
        for name in ("initial_training_months", "appointment_training_months"):
            months = getattr(self, name)
            if isinstance(months, bool) or int(months) != months or months < 1:
                raise ValueError(
                    f"{name} must be a positive whole number of months: {months!r}"
                )
            object.__setattr__(self, name, int(months))

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> TrainingSettings:
        """Settings read from ``config`` (e.g. ``app.config``).

        Keys: ``INTEGRITY_HOURS_PER_YEAR``, ``ANNUAL_TRAINING_HOURS``,
        ``INITIAL_TRAINING_MONTHS``, ``APPOINTMENT_TRAINING_MONTHS``,
        ``LEADER_FIVE_YEAR_HOURS``. Missing keys, ``None`` and empty strings take the
        default. Values may be numbers or numeric strings (environment variables).
        Raises :class:`ValueError` for invalid values.
        """
        defaults = cls()

        def pick(key: str, default: Any) -> Any:
            value = config.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                return default
            return value

        def months(key: str, default: int) -> int:
            value = pick(key, default)
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation as exc:
                raise ValueError(
                    f"{key} must be a whole number of months: {value!r}"
                ) from exc
            if not number.is_finite() or number != number.to_integral_value():
                raise ValueError(f"{key} must be a whole number of months: {value!r}")
            return int(number)

        return cls(
            integrity_hours_per_year=to_hours(
                pick("INTEGRITY_HOURS_PER_YEAR", defaults.integrity_hours_per_year)
            ),
            annual_training_hours=to_hours(
                pick("ANNUAL_TRAINING_HOURS", defaults.annual_training_hours)
            ),
            initial_training_months=months(
                "INITIAL_TRAINING_MONTHS", defaults.initial_training_months
            ),
            appointment_training_months=months(
                "APPOINTMENT_TRAINING_MONTHS", defaults.appointment_training_months
            ),
            leader_five_year_hours=to_hours(
                pick("LEADER_FIVE_YEAR_HOURS", defaults.leader_five_year_hours)
            ),
        )
