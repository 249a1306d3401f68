"""Boundaries of the training rules' helpers that the mutation run found untested (make mutation)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from training import rules


@pytest.mark.parametrize(("start", "end", "year", "expected"), [
    (date(2026, 12, 31), date(2027, 3, 1), 2026, True),     # starts on the year's last day
    (date(2025, 6, 1), date(2026, 1, 1), 2026, True),       # ends on the year's first day
    (date(2027, 1, 1), date(2027, 3, 1), 2026, False),
    (date(2025, 1, 1), date(2025, 12, 31), 2026, False),
    (date(2026, 3, 1), date(2026, 3, 1), 2026, True),
])
def test_a_window_overlaps_a_year_by_one_day(start, end, year, expected):
    assert rules._overlaps(start, end, year) is expected


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1.5"), Decimal("1.5")), (1.5, Decimal("1.5")), (" 2 ", Decimal("2")), (0, Decimal("0")),
])
def test_to_hours(value, expected):
    assert rules.to_hours(value) == expected


@pytest.mark.parametrize("value", ["abc", "-1", Decimal("-0.5"), "NaN", "Infinity", ""])
def test_bad_hours_name_the_value(value):
    with pytest.raises(ValueError, match="invalid hours"):
        rules.to_hours(value)
