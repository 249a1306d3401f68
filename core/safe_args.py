"""Integers from query strings and forms that no column can hold (issue 17, item 14).

``request.args.get("template_id", type=int)`` with ``3000000000`` gave a Python int that
PostgreSQL refuses to compare with an INTEGER column (and SQLite with more than 64 bits):
a 500. The application's request class parses parameters into :class:`SafeParams`, whose
``get(..., type=int)`` and ``getlist(..., type=int)`` treat an integer outside the 32-bit
range like any other unparsable value (the default, or dropped from the list), so every
listing and filter that reads its numbers this way is safe at once. :func:`safe_int` is
the same rule for code that reads the raw string.
"""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def safe_int(value, default=None, *, minimum: int = INT_MIN, maximum: int = INT_MAX):
    """``int(value)`` if it is an integer within [minimum, maximum], else ``default``."""
    if isinstance(value, bool):
        return default
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        return default
    return number if minimum <= number <= maximum else default


class SafeParams(ImmutableMultiDict):
    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not (INT_MIN <= value <= INT_MAX):
            return default
        return value

    def getlist(self, key, type=None):  # noqa: A002 - werkzeug's signature
        values = super().getlist(key, type)
        if type is int:
            values = [v for v in values if INT_MIN <= v <= INT_MAX]
        return values


class SafeRequest(Request):
    parameter_storage_class = SafeParams
