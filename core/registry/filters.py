"""Extra filters of the people list, contributed by the domain packages (core never imports them).

A package registers a :class:`PeopleFilter` from its ``register()`` (core.wiring, table
``people_filter``: archive's coverage adds 缺少的覆盖项目 with 档案未建立; archive's file adds 诚信状态). The people list
renders one select per filter and applies ``clause(code, today)``, a SQL condition on
``Person``; an unknown code gives ``None`` and the list shows nobody (as for a bad status).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core import wiring


@dataclass(frozen=True)
class PeopleFilter:
    name: str                                  # the query-string parameter
    label: Callable[[], str]                   # lazily translated
    choices: Callable[[], list[tuple[str, str]]]
    clause: Callable[[str, date], object]      # -> SQL condition on Person, or None when the code is unknown


def register(f: PeopleFilter) -> None:
    wiring.register(wiring.PEOPLE_FILTER, f.name, f)


def people_filters() -> list[PeopleFilter]:
    """The registered filters, in registration order."""
    return list(wiring.table(wiring.PEOPLE_FILTER).values())
