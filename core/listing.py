"""Listing: search text, sort column and direction, page and page size from the query string.

Every list page uses it, so every table sorts and pages the same way (templates/_macros/tables.html).
"""
from __future__ import annotations

from flask import request, url_for

from core.extensions import db


class Listing:
    def __init__(self, args, sorts: dict, default_sort: str, default_dir: str = "asc", per_page: int = 50):
        self.args = args
        self.sorts = sorts
        self.q = (args.get("q") or "").strip()[:100]
        sort = args.get("sort", default_sort)
        self.sort = sort if sort in sorts else default_sort
        direction = args.get("dir", default_dir)
        self.dir = direction if direction in ("asc", "desc") else default_dir
        self.page = max(1, min(args.get("page", 1, type=int) or 1, 100_000))
        self.per_page = max(10, min(args.get("per_page", per_page, type=int) or per_page, 200))

    def order(self, select):
        col = self.sorts[self.sort]
        return select.order_by(col.desc() if self.dir == "desc" else col.asc(), *self._tiebreak())

    def _tiebreak(self):
        first = next(iter(self.sorts.values()))
        table = getattr(first, "class_", None)
        return [table.id] if table is not None and hasattr(table, "id") else []

    def paginate(self, select):
        return db.paginate(self.order(select), page=self.page, per_page=self.per_page, error_out=False)

    def url(self, **changes) -> str:
        params = {k: v for k, v in self.args.items()}
        params.update({k: v for k, v in changes.items()})
        return url_for(request.endpoint, **(request.view_args or {}), **{k: v for k, v in params.items()
                                                                          if v not in (None, "")})

    def sort_url(self, key: str) -> str:
        direction = "desc" if self.sort == key and self.dir == "asc" else "asc"
        return self.url(sort=key, dir=direction, page=1)
