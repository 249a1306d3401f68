"""The one clock of the product (docs/rules.md, "One clock").

"Today" is the date in the configured time zone (``TIME_ZONE``, default Asia/Shanghai) for every
part of the product: pages, API, PDFs, verdicts, coverage, worklists, reminders, jobs and the CLI.
A server set to UTC gives the same answers as one set to Beijing time, because nothing here reads
the process's local time zone.

Every other module asks this one; a ruff rule (DTZ) bans naive ``date.today()`` and
``datetime.now()`` elsewhere. Tests move time by calling :func:`freeze` (a context manager), never
by patching the standard library.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_TIME_ZONE = "Asia/Shanghai"

_frozen: datetime | None = None   # set only by freeze(), for tests and the CLI's --as-of


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> tzinfo:
    """The configured zone: ``TIME_ZONE`` of the current app, else Asia/Shanghai."""
    try:
        from flask import current_app
        name = current_app.config.get("TIME_ZONE") or DEFAULT_TIME_ZONE
    except RuntimeError:          # outside an application context (scripts, pure tests)
        name = DEFAULT_TIME_ZONE
    return _zone(str(name))


def init_app(app: Flask) -> None:
    """Check ``TIME_ZONE`` names a real zone (refuse to start otherwise) and make Flask-Babel's
    display zone the same one."""
    name = str(app.config.get("TIME_ZONE") or DEFAULT_TIME_ZONE)
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"TIME_ZONE={name!r} is not a time zone (e.g. Asia/Shanghai)") from exc
    app.config["TIME_ZONE"] = name
    app.config["BABEL_DEFAULT_TIMEZONE"] = name


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (what timestamps are stored as)."""
    if _frozen is not None:
        return _frozen.astimezone(UTC)
    return datetime.now(UTC)


def now() -> datetime:
    """The current instant in the configured zone."""
    return utcnow().astimezone(zone())


def today() -> date:
    """Today's date in the configured zone: the one "today" of the product."""
    return now().date()


def local_date(moment: datetime) -> date:
    """The date of ``moment`` in the configured zone (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone()).date()


def start_of_day(day: date) -> datetime:
    """The first instant of ``day`` in the configured zone (aware): where a date filter on a stored
    UTC timestamp begins."""
    return datetime.combine(day, time.min, tzinfo=zone())


@contextmanager
def freeze(moment: datetime) -> Iterator[None]:
    """Stop the clock at ``moment`` (aware; a naive one is taken as UTC) inside the block."""
    global _frozen
    previous = _frozen
    _frozen = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    try:
        yield
    finally:
        _frozen = previous
