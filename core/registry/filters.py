"""Extra filters of the people list, contributed by the domain packages (core never imports them).

A package appends a :class:`PeopleFilter` to ``PEOPLE_FILTERS`` in its hooks module (archive's
coverage adds 缺少的覆盖项目 with 档案未建立; archive's file adds 诚信状态). The people list
renders one select per filter and applies ``clause(code, today)``, a SQL condition on
``Person``; an unknown code gives ``None`` and the list shows nobody (as for a bad status).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PeopleFilter:
    name: str                                  # the query-string parameter
    label: Callable[[], str]                   # lazily translated
    choices: Callable[[], list[tuple[str, str]]]
    clause: Callable[[str, date], object]      # -> SQL condition on Person, or None when the code is unknown


PEOPLE_FILTERS: list[PeopleFilter] = []


def register(f: PeopleFilter) -> None:
    if all(existing.name != f.name for existing in PEOPLE_FILTERS):
        PEOPLE_FILTERS.append(f)
