"""Listing: search text, sort column and direction, page and page size from the query string.

Every list page uses it, so every table sorts and pages the same way (templates/_macros/tables.html).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import request, url_for
from flask_sqlalchemy.pagination import SelectPagination

from core.extensions import db

#: big lists count at most this many rows (the pager then says "10,000+")
COUNT_CAP = 10_000


class CappedPagination(SelectPagination):
    """A page of a big list (people of a province): the total is counted only up to
    ``COUNT_CAP`` rows (``total_label`` "10,000+"), and the page's ids are read first (an
    index-only scan with a covering index, however deep the page), then only those rows
    are loaded. The select must be of one entity with an ``id``."""

    def _entity(self):
        return self._query_args["select"].column_descriptions[0]["entity"]

    def _query_items(self) -> list:
        entity = self._entity()
        ids = list(db.session.execute(self._query_args["select"].with_only_columns(entity.id)
                                      .limit(self.per_page).offset(self._query_offset)).scalars())
        if not ids:
            return []
        rows = {o.id: o for o in db.session.execute(sa.select(entity).where(entity.id.in_(ids))).scalars()}
        return [rows[i] for i in ids if i in rows]

    def _query_count(self) -> int:
        entity = self._entity()
        sub = (self._query_args["select"].with_only_columns(entity.id).order_by(None)
               .limit(COUNT_CAP + 1).subquery())
        n = db.session.execute(sa.select(sa.func.count()).select_from(sub)).scalar_one()
        self.capped = n > COUNT_CAP
        return min(n, COUNT_CAP)

    @property
    def total_label(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else str(self.total)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and len(self.items) == self.per_page)

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


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

    def paginate_capped(self, select) -> CappedPagination:
        """:meth:`paginate` for lists that may hold a province (see CappedPagination)."""
        return CappedPagination(select=self.order(select), session=db.session, page=self.page,
                                per_page=self.per_page, max_per_page=200, error_out=False)

    def url(self, **changes) -> str:
        params = {k: v for k, v in self.args.items()}
        params.update({k: v for k, v in changes.items()})
        assert request.endpoint is not None   # a list page is a routed request
        return url_for(request.endpoint, **(request.view_args or {}), **{k: v for k, v in params.items()
                                                                          if v not in (None, "")})

    def sort_url(self, key: str) -> str:
        direction = "desc" if self.sort == key and self.dir == "asc" else "asc"
        return self.url(sort=key, dir=direction, page=1)


def paginate_list(items: list, args, per_page: int = 50):
    """A page of a list computed in Python (e.g. assessed candidates), with the same interface as
    ``db.paginate`` so the ``pager`` macro pages it like any table."""
    from flask_sqlalchemy.pagination import Pagination

    class _ListPagination(Pagination):
        def _query_items(self):
            return self._query_args["items"][self._query_offset:self._query_offset + self.per_page]

        def _query_count(self):
            return len(self._query_args["items"])

    page = max(1, min(args.get("page", 1, type=int) or 1, 100_000))
    size = max(10, min(args.get("per_page", per_page, type=int) or per_page, 200))
    return _ListPagination(page=page, per_page=size, max_per_page=200, error_out=False, items=list(items))
